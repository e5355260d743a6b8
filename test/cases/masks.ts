import type { ActivationName } from '../../src/kernels/activation.js';
import { gpuGradientSource } from '../../src/masks/gpu-gradients.js';
import { gpuTrainer } from '../../src/masks/gpu-trainer.js';
import { summedGradients } from '../../src/masks/gradients.js';
import { graspScores } from '../../src/masks/grasp.js';
import { lotteryMasks } from '../../src/masks/lottery.js';
import { snipScores } from '../../src/masks/snip.js';
import type { Batch, MlpShape, TrainFn } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import type { Dataset } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';

type Net = { weights: CsrMatrix[]; activation: ActivationName; batches: Batch[] };

/** Per-layer float64 arrays as plain arrays (the wire carries float32 typed arrays only). */
const plain = (arrays: readonly Float64Array[]) => arrays.map((a) => Array.from(a));

export const masksCases = defineCases({
  /** Σ_b dL_b/dW of the MLP from the GPU gradient source, logits / temperature. */
  gradients: async (ctx, p: Net & { temperature: number }) =>
    plain(await summedGradients(gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }), p.weights, p.temperature)),

  snipScores: async (ctx, p: Net) => plain(await snipScores(p.weights, gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }))),

  graspScores: async (ctx, p: Net & { temperature: number; hessianStep: number }) =>
    plain(await graspScores(p.weights, gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }), { temperature: p.temperature, hessianStep: p.hessianStep })),

  /** IMP with the GPU trainer; returns the result and, per round, the values trained from and to. */
  lottery: async (ctx, p: { shapes: MlpShape[]; density: number; seed: number; data: Dataset; steps: number; lr: number }) => {
    const trainer = gpuTrainer(ctx, { activation: 'tanh', data: p.data, steps: p.steps, batchSize: 8, optimizer: { kind: 'sgd', lr: p.lr }, seed: 1 });
    const rounds: Array<{ given: Float32Array[]; trained: Float32Array[] }> = [];
    const train: TrainFn = async (weights, round) => {
      const trained = await trainer(weights, round);
      rounds.push({ given: weights.map((w) => w.values.slice()), trained: trained.map((w) => w.values) });
      return trained;
    };
    const { weights, report } = await lotteryMasks(p.shapes, { density: p.density, seed: p.seed, train });
    return { weights, report, rounds };
  },
});
