import { expect, it } from 'vitest';
import { denseInit } from '../../src/masks/dense-init.js';
import { graspScores } from '../../src/masks/grasp.js';
import { describeGpu } from '../harness/gpu.js';
import { cpuSource, syntheticBatches, TINY, TINY_SHAPES } from './fixtures.js';
import { expectLotteryRewound, expectNear, fdGradients, type LotteryRun } from './gpu-checks.js';

// The GPU pieces of the mask generators on a tiny MLP, against float64 references.
const batches = syntheticBatches(TINY.inputs, TINY.classes, 2, 8, 5);
const dense = denseInit(TINY_SHAPES, 1, 8);

describeGpu('masks', (run) => {
  for (const [activation, temperature] of [['tanh', 1], ['relu', 1], ['tanh', 200]] as const) {
    it(`gradient source, ${activation}, T = ${temperature}: Σ_b dL_b/dW equals float64 finite differences of the loss`, async () => {
      const grads: number[][] = await run('gradients', { weights: dense, activation, batches, temperature });
      expectNear(grads, fdGradients({ weights: dense, activation }, batches, temperature));
    });
  }

  it('SNIP scores on the GPU equal |g ⊙ w| with g from float64 finite differences', async () => {
    const scores: number[][] = await run('snipScores', { weights: dense, activation: 'tanh', batches });
    const g = fdGradients({ weights: dense, activation: 'tanh' }, batches, 1);
    expectNear(scores, dense.map((w, l) => g[l]!.map((gi, i) => Math.abs(gi * w.values[i]!))));
  });

  it('GraSP with finite-difference Hg on the GPU (tanh, T = 200) matches the exact float64 Hg', async () => {
    const scores: number[][] = await run('graspScores', { weights: dense, activation: 'tanh', batches, temperature: 200, hessianStep: 1e-3 });
    expectNear(scores, await graspScores(dense, cpuSource(batches), { temperature: 200, hessian: 'exact' }));
  });

  it('lottery ticket with the GPU trainer: trains each round, prunes to 0.8^k, rewinds survivors to their initial values exactly', async () => {
    const [data] = syntheticBatches(TINY.inputs, TINY.classes, 1, 32, 6);
    const out: LotteryRun = await run('lottery', { shapes: TINY_SHAPES, density: 0.5, seed: 8, data, steps: 3, lr: 0.5 });
    expectLotteryRewound(out, denseInit(TINY_SHAPES, 1, 8), 70);
    expect(out.report.density).toBe(35 / 70);
  });
});
