// The GPU pieces of the mask generators on a tiny CNN: the gradient source against float64 finite
// differences of the CPU CNN's loss, the lottery ticket with the GPU trainer, and runTraining with
// a CNN config and spec.mask.
import { expect, it } from 'vitest';
import { denseInit } from '../../src/masks/dense-init.js';
import { generateMasks } from '../../src/masks/generate.js';
import { type CnnFrame, type NetworkFrame, resolveNetwork } from '../../src/masks/network.js';
import type { MaskMethod } from '../../src/masks/method.js';
import type { MaskReport } from '../../src/masks/types.js';
import type { CnnModelConfig } from '../../src/nn/model.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import type { TrainSpec } from '../../src/train/experiment.js';
import { describeGpu } from '../harness/gpu.js';
import { cnnFrame, syntheticBatches, TINY_CNN, TINY_CNN_FEATURES } from './fixtures.js';
import { expectLotteryRewound, expectNear, fdGradients, type LotteryRun } from './gpu-checks.js';

const VGG = { architecture: 'vgg' as const, inputShape: [2, 9, 7] as [number, number, number], stem: 0, depth: 2, channels: 2, kernel: 3, classes: 3, paddingMode: 'zeros' as const };
const CASES: Array<{ name: string; frame: NetworkFrame & { cnn: CnnFrame }; features: number; temperature: number }> = [
  { name: 'tanh, circular padding, T = 1', frame: cnnFrame(TINY_CNN, 'tanh'), features: TINY_CNN_FEATURES, temperature: 1 },
  { name: 'relu, zero padding, T = 1', frame: cnnFrame({ ...TINY_CNN, paddingMode: 'zeros' }, 'relu', 4), features: TINY_CNN_FEATURES, temperature: 1 },
  { name: 'tanh, circular padding, T = 200', frame: cnnFrame(TINY_CNN, 'tanh'), features: TINY_CNN_FEATURES, temperature: 200 },
  // 4 x 4 x 3 after the stem and the body: 48 features to the classifier.
  { name: 'flattened readout, tanh, circular padding, T = 1', frame: cnnFrame({ ...TINY_CNN, readout: 'flatten' }, 'tanh', 6, 48), features: TINY_CNN_FEATURES, temperature: 1 },
  { name: 'VGG, relu, zero padding, T = 1', frame: cnnFrame(VGG, 'relu', 5, 4), features: 2 * 9 * 7, temperature: 1 },
];

const MODEL: CnnModelConfig = { ...TINY_CNN, init: 'eoi', density: 0.4, activation: 'tanh', sigmaW: 1.2, sigmaB: 0.1, seed: 3 };

describeGpu('masks', (run) => {
  for (const { name, frame, features, temperature } of CASES) {
    it(`CNN gradient source, ${name}: Σ_b dL_b/dW of every filter equals float64 finite differences of the CPU CNN's loss`, async () => {
      // A sparse mask (random positions, odd batch 5) so stored and absent taps both occur.
      const { weights } = await generateMasks('random', { ...frame.cnn, kind: 'cnn' as const }, { density: 0.6, seed: 2, gain: 1.3 });
      const batches = syntheticBatches(features, 3, 2, 5, 9);
      const grads: number[][] = await run('frameGradients', { weights, frame, batches, temperature });
      expectNear(grads, fdGradients({ ...frame, weights }, batches, temperature));
    });
  }

  it('lottery ticket on a CNN with the GPU trainer: trains each round, prunes to 0.8^k, rewinds survivors to their initial values exactly', async () => {
    const [data] = syntheticBatches(TINY_CNN_FEATURES, 3, 1, 16, 6);
    const total = resolveNetwork(TINY_CNN).matrices.reduce((n, [r, c]) => n + r * c, 0);
    const out: LotteryRun = await run('lottery', { shapes: TINY_CNN, frame: cnnFrame(TINY_CNN, 'tanh'), density: 0.5, seed: 8, data, steps: 2, lr: 0.5 });
    expectLotteryRewound(out, denseInit(resolveNetwork(TINY_CNN).matrices, 1, 8), total);
  });

  const [data] = syntheticBatches(TINY_CNN_FEATURES, 3, 1, 24, 10);
  const spec = (method: MaskMethod): TrainSpec => ({
    model: MODEL,
    optimizer: { kind: 'sgd', lr: 0.05 },
    epochs: 1,
    batchSize: 8,
    maxSteps: 3,
    seed: 1,
    mask: { method, scoreBatches: 2, trainSteps: 2 },
  });
  const kinds = ['sparse-conv2d', 'activation', 'sparse-conv2d', 'activation', 'sparse-conv2d', 'activation', 'global-avg-pool', 'linear'];

  for (const method of ['snip', 'grasp', 'lottery', 'taylor+ai'] as const) {
    it(`runTraining with a CNN and spec.mask '${method}': trains the masked filters for the asked steps`, async () => {
      const out: { report: MaskReport; initial: CsrMatrix[]; kinds: string[]; steps: number; loss: number } = await run('maskedRun', { spec: spec(method), data });
      expect(out.report.method).toBe(method);
      expect(out.kinds).toEqual(kinds);
      expect(out.steps).toBe(3);
      expect(Number.isFinite(out.loss)).toBe(true);
      expect(out.initial.map((w) => w.colIdx.length)).toEqual(out.report.layerNnz);
      expect(out.report.layerNnz.reduce((a, b) => a + b)).toBe(Math.round(0.4 * 360));
    });
  }

  it("runTraining with spec.mask 'synflow+eoi' (data-free): trains exactly the filters generateMasks makes on the CPU", async () => {
    const out: { report: MaskReport; initial: CsrMatrix[]; kinds: string[]; steps: number } = await run('maskedRun', { spec: spec('synflow+eoi'), data });
    const expected = await generateMasks('synflow+eoi', MODEL, { density: 0.4, seed: 3, gain: 1.2 });
    expect(out.report).toEqual(expected.report);
    expect(out.initial).toEqual(expected.weights);
    expect(out.kinds).toEqual(kinds);
    expect(out.steps).toBe(3);
  });

  it('runTraining refuses a mask method the CNN cannot take, naming it', async () => {
    await expect(run('maskedRun', { spec: spec('sao'), data })).rejects.toThrow(/method sao builds linear layers only/);
  });
});
