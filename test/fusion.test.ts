import { expect, it } from 'vitest';
import type { CnnConfig } from '../src/nn/cnn.js';
import type { MlpConfig } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { describeGpu } from './harness/gpu.js';
import { randomFloat32 } from './harness/tolerance.js';
import { SMALL_CNN } from './small-nets.js';

// Activation fusion inside Sequential: the same layers give the same logits and gradients with
// and without it (the fused passes compute the same sums in the same order, then the same
// activation formulas; a few float32 ulps are allowed for a compiler contracting the epilogue
// differently), and the fused model runs one pass fewer per activation after a CSR sparse layer
// and one more per activation before one: none where the layers are BSR or dense.
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

type Model = { kind: 'mlp'; config: MlpConfig } | { kind: 'cnn'; config: CnnConfig };

describeGpu('nn', (run) => {
  const mlp = (config: Pick<MlpConfig, 'init' | 'activation' | 'format'>): Model => ({ kind: 'mlp', config: { ...BASE, ...config } });
  const cnn = (config: Pick<CnnConfig, 'init' | 'activation'>): Model => ({ kind: 'cnn', config: { ...SMALL_CNN, ...config } });
  const convs = SMALL_CNN.stem + SMALL_CNN.depth;
  const cases: Array<{ label: string; model: Model; saved: number; inputs: number; params: number }> = [
    { label: 'MLP of EOI CSR layers, tanh', model: mlp({ init: 'eoi', activation: 'tanh' }), saved: 2 * (BASE.depth - 1), inputs: BASE.inputs, params: 2 * BASE.depth },
    {
      label: 'MLP of random CSR layers, blended pswish (ghost soft neurons)',
      model: mlp({ init: 'uniform', activation: { name: 'pswish', blend: 0.4 } }),
      saved: 2 * (BASE.depth - 1),
      inputs: BASE.inputs,
      params: 2 * BASE.depth,
    },
    { label: 'MLP of BSR layers, relu (no fused form)', model: mlp({ init: 'uniform', activation: 'relu', format: { bsr: 4 } }), saved: 0, inputs: BASE.inputs, params: 2 * BASE.depth },
    { label: 'MLP of dense layers, tanh (no fused form)', model: mlp({ init: 'dense-gaussian', activation: 'tanh' }), saved: 0, inputs: BASE.inputs, params: 2 * BASE.depth },
    // Every convolution fuses its activation forward; backward, all but the last activation (before pooling).
    { label: 'CNN of EOI CSR convolutions, tanh', model: cnn({ init: 'eoi', activation: 'tanh' }), saved: 2 * convs - 1, inputs: 2 * 9 * 7, params: 2 * (convs + 1) },
    { label: 'CNN of dense convolutions, tanh (no fused form)', model: cnn({ init: 'delta-orthogonal', activation: 'tanh' }), saved: 0, inputs: 2 * 9 * 7, params: 2 * (convs + 1) },
  ];
  for (const { label, model, saved, inputs, params } of cases) {
    it(`${label}: fused and unfused passes agree; ${saved} passes saved per step`, async () => {
      const rng = new Rng(11);
      const x = randomFloat32(rng, BATCH * inputs);
      const labels = Uint32Array.from({ length: BATCH }, (_, b) => b % model.config.classes);
      const { fused, unfused }: { fused: Pass; unfused: Pass } = await run('fusionEffect', { model, x, labels, batch: BATCH });
      expect(unfused.dispatches - fused.dispatches).toBe(saved);
      expect(worstRelativeDiff([fused.logits], [unfused.logits])).toBeLessThanOrEqual(2 ** -20);
      expect(fused.grads.length).toBe(params);
      expect(worstRelativeDiff(fused.grads, unfused.grads)).toBeLessThanOrEqual(2 ** -20);
    });
  }
});
