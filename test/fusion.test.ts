import { expect, it } from 'vitest';
import type { MlpConfig } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { describeGpu } from './harness/gpu.js';
import { randomFloat32 } from './harness/tolerance.js';

// Activation fusion inside Sequential: the same layers give the same logits and gradients with
// and without it (the fused passes compute the same sums in the same order, then the same
// activation formulas; a few float32 ulps are allowed for a compiler contracting the epilogue
// differently), and the fused model runs two passes fewer per activation whose neighbours are
// CSR sparse layers: none fewer where they are BSR or dense.
const BATCH = 5;
const BASE: Omit<MlpConfig, 'init' | 'activation'> = { inputs: 12, width: 9, depth: 4, classes: 3, density: 0.4, sigmaW: 1, sigmaB: 0.1, seed: 7 };

type Pass = { logits: Float32Array; grads: Float32Array[]; dispatches: number };

/** Largest |a - b| relative to the largest |b| of the tensor, over a list of tensors. */
function worstRelativeDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((t, i) => {
    const scale = Math.max(1e-30, ...Array.from(b[i]!, Math.abs));
    t.forEach((v, j) => {
      const d = Math.abs(v - b[i]![j]!) / scale;
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    });
  });
  return worst;
}

describeGpu('nn', (run) => {
  const cases: Array<{ label: string; config: MlpConfig; saved: number }> = [
    { label: 'EOI CSR layers, tanh', config: { ...BASE, init: 'eoi', activation: 'tanh' }, saved: 2 * (BASE.depth - 1) },
    { label: 'random CSR layers, blended pswish (ghost soft neurons)', config: { ...BASE, init: 'uniform', activation: { name: 'pswish', blend: 0.4 } }, saved: 2 * (BASE.depth - 1) },
    { label: 'BSR layers, relu (no fused form)', config: { ...BASE, init: 'uniform', activation: 'relu', format: { bsr: 4 } }, saved: 0 },
    { label: 'dense layers, tanh (no fused form)', config: { ...BASE, init: 'dense-gaussian', activation: 'tanh' }, saved: 0 },
  ];
  for (const { label, config, saved } of cases) {
    it(`${label}: fused and unfused passes agree; ${saved} passes saved per step`, async () => {
      const rng = new Rng(11);
      const x = randomFloat32(rng, BATCH * config.inputs);
      const labels = Uint32Array.from({ length: BATCH }, (_, b) => b % config.classes);
      const { fused, unfused }: { fused: Pass; unfused: Pass } = await run('fusionEffect', { config, x, labels, batch: BATCH });
      expect(unfused.dispatches - fused.dispatches).toBe(saved);
      expect(worstRelativeDiff([fused.logits], [unfused.logits])).toBeLessThanOrEqual(2 ** -20);
      expect(fused.grads.length).toBe(2 * config.depth);
      expect(worstRelativeDiff(fused.grads, unfused.grads)).toBeLessThanOrEqual(2 ** -20);
    });
  }
});
