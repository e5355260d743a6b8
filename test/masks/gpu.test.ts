import { expect, it } from 'vitest';
import { denseInit } from '../../src/masks/dense-init.js';
import { graspScores } from '../../src/masks/grasp.js';
import { lotteryRounds } from '../../src/masks/lottery.js';
import { referenceLoss } from '../../src/masks/reference-mlp.js';
import type { Batch, MaskReport } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { describeGpu } from '../harness/gpu.js';
import { cpuSource, maskOf, syntheticBatches, TINY, TINY_SHAPES } from './fixtures.js';

// The GPU pieces of the mask generators on a tiny MLP, against float64 references.
const batches = syntheticBatches(TINY.inputs, TINY.classes, 2, 8, 5);
const dense = denseInit(TINY_SHAPES, 1, 8);

/** Central differences of Σ_b L_b (logits / temperature) in every weight, float64. */
function fdGradients(activation: 'tanh' | 'relu', temperature: number, h = 1e-6): Float64Array[] {
  const values = dense.map((w) => Float64Array.from(w.values));
  const loss = () => batches.reduce((s, b: Batch) => s + referenceLoss({ weights: dense.map((w, l) => ({ ...w, values: values[l]! })), activation }, b, temperature), 0);
  return values.map((v) =>
    v.map((keep, i) => {
      v[i] = keep + h;
      const up = loss();
      v[i] = keep - h;
      const down = loss();
      v[i] = keep;
      return (up - down) / (2 * h);
    }),
  );
}

/** float32 GPU vs float64: 1e-3 relative per entry plus 1e-4 of the largest entry. */
function expectNear(actual: number[][], expected: Float64Array[]): void {
  const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
  actual.forEach((a, l) => a.forEach((v, i) => expect(Math.abs(v - expected[l]![i]!), `layer ${l} [${i}]: GPU ${v} vs ${expected[l]![i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-3 * Math.abs(expected[l]![i]!))));
}

describeGpu('masks', (run) => {
  for (const [activation, temperature] of [['tanh', 1], ['relu', 1], ['tanh', 200]] as const) {
    it(`gradient source, ${activation}, T = ${temperature}: Σ_b dL_b/dW equals float64 finite differences of the loss`, async () => {
      const grads: number[][] = await run('gradients', { weights: dense, activation, batches, temperature });
      expectNear(grads, fdGradients(activation, temperature));
    });
  }

  it('SNIP scores on the GPU equal |g ⊙ w| with g from float64 finite differences', async () => {
    const scores: number[][] = await run('snipScores', { weights: dense, activation: 'tanh', batches });
    const g = fdGradients('tanh', 1);
    expectNear(scores, dense.map((w, l) => g[l]!.map((gi, i) => Math.abs(gi * w.values[i]!))));
  });

  it('GraSP with finite-difference Hg on the GPU (tanh, T = 200) matches the exact float64 Hg', async () => {
    const scores: number[][] = await run('graspScores', { weights: dense, activation: 'tanh', batches, temperature: 200, hessianStep: 1e-3 });
    expectNear(scores, await graspScores(dense, cpuSource(batches), { temperature: 200, hessian: 'exact' }));
  });

  it('lottery ticket with the GPU trainer: trains each round, prunes to 0.8^k, rewinds survivors to their initial values exactly', async () => {
    const [data] = syntheticBatches(TINY.inputs, TINY.classes, 1, 32, 6);
    const out: { weights: CsrMatrix[]; report: MaskReport; rounds: Array<{ given: Float32Array[]; trained: Float32Array[] }> } = await run('lottery', {
      shapes: TINY_SHAPES,
      density: 0.5,
      seed: 8,
      data,
      steps: 3,
      lr: 0.5,
    });
    expect(out.rounds.length).toBe(lotteryRounds(0.5, 0.8));
    expect(out.report.schedule).toEqual([0.8, 0.64, 0.512, 0.5].map((d) => Math.round(d * 70) / 70));
    out.rounds.forEach(({ given, trained }) => given.forEach((g, l) => expect(trained[l]).not.toEqual(g)));
    const init = denseInit(TINY_SHAPES, 1, 8);
    out.weights.forEach((w, l) => {
      let t = 0;
      maskOf(w).forEach((m, p) => m && expect(w.values[t++]).toBe(init[l]!.values[p]));
    });
    expect(out.report.density).toBe(35 / 70);
  });
});
