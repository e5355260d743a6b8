import type { ActivationName } from '../../src/kernels/activation.js';
import type { MaskNetwork, NetworkFrame } from '../../src/masks/network.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import { runTraining, type TrainSpec } from '../../src/train/experiment.js';
import { gpuGradientSource } from '../../src/masks/gpu-gradients.js';
import { gpuTrainer } from '../../src/masks/gpu-trainer.js';
import { summedGradients } from '../../src/masks/gradients.js';
import { graspScores } from '../../src/masks/grasp.js';
import { lotteryMasks } from '../../src/masks/lottery.js';
import { snipScores } from '../../src/masks/snip.js';
import type { Batch, TrainFn } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import type { Dataset } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';
import { cnnConfigFor, type CnnFrame } from '../../src/masks/network.js';
import { mlpConfigFor } from '../../src/masks/shapes.js';
import { assembleCnn } from '../../src/nn/cnn.js';
import { inputOutputJacobians, pooledJacobianSpectrum } from '../../src/nn/jacobian.js';
import { assembleMlp } from '../../src/nn/mlp.js';

type Net = { weights: CsrMatrix[]; activation: ActivationName; batches: Batch[] };

/** Per-layer float64 arrays as plain arrays (the wire carries float32 typed arrays only). */
const plain = (arrays: readonly Float64Array[]) => arrays.map((a) => Array.from(a));

export const masksCases = defineCases({
  /** Every example's d logits / d input and the pooled spectrum, of an MLP (or with `cnn` a CNN) built from the weights and biases. */
  jacobians: async (ctx, p: { weights: CsrMatrix[]; biases: Float32Array[]; activation: ActivationName; cnn?: CnnFrame; inputs: Float32Array; count: number }) => {
    const model = p.cnn
      ? assembleCnn(ctx, cnnConfigFor(p.cnn, p.activation), { filters: p.weights, biases: p.biases, classifier: Float32Array.from(p.cnn.classifier), classifierBias: Float32Array.from(p.cnn.classifierBias!) })
      : assembleMlp(ctx, mlpConfigFor(p.weights.map((w) => [w.rows, w.cols] as const), p.activation), p.weights, p.biases);
    try {
      const jacobians = (await inputOutputJacobians(ctx, model, p.inputs, p.count)).map((j) => Array.from(j));
      const { values, ...stats } = await pooledJacobianSpectrum(ctx, model, p.inputs, p.count);
      return { jacobians, values, stats };
    } finally {
      model.destroy();
    }
  },

  /** Σ_b dL_b/dW of the MLP from the GPU gradient source, logits / temperature. */
  gradients: async (ctx, p: Net & { temperature: number }) =>
    plain(await summedGradients(gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }), p.weights, p.temperature)),

  snipScores: async (ctx, p: Net) => plain(await snipScores(p.weights, gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }))),

  graspScores: async (ctx, p: Net & { temperature: number; hessianStep: number }) =>
    plain(await graspScores(p.weights, gpuGradientSource(ctx, { activation: p.activation, batches: p.batches }), { temperature: p.temperature, hessianStep: p.hessianStep })),

  /** IMP with the GPU trainer; returns the result and, per round, the values trained from and to. */
  lottery: async (ctx, p: { shapes: MaskNetwork; frame?: NetworkFrame; density: number; seed: number; data: Dataset; steps: number; lr: number }) => {
    const trainer = gpuTrainer(ctx, { ...(p.frame ?? { activation: 'tanh' }), data: p.data, steps: p.steps, batchSize: 8, optimizer: { kind: 'sgd', lr: p.lr }, seed: 1 });
    const rounds: Array<{ given: Float32Array[]; trained: Float32Array[] }> = [];
    const train: TrainFn = async (weights, round) => {
      const trained = await trainer(weights, round);
      rounds.push({ given: weights.map((w) => w.values.slice()), trained: trained.map((w) => w.values) });
      return trained;
    };
    const { weights, report } = await lotteryMasks(p.shapes, { density: p.density, seed: p.seed, train });
    return { weights, report, rounds };
  },

  /** Σ_b dL_b/dW of a network given by its frame (a CNN's filters with `frame.cnn`), logits / temperature. */
  frameGradients: async (ctx, p: { weights: CsrMatrix[]; frame: NetworkFrame; batches: Batch[]; temperature: number }) =>
    plain(await summedGradients(gpuGradientSource(ctx, { ...p.frame, batches: p.batches }), p.weights, p.temperature)),

  /** runTraining with spec.mask: the mask report, the sparse weights (filters or linear layers) the first step trains, the layers, the steps run. */
  maskedRun: async (ctx, p: { spec: TrainSpec; data: Dataset }) => {
    const initial: CsrMatrix[] = [];
    let kinds: string[] = [];
    const result = await runTraining(ctx, p.spec, { train: p.data, test: p.data }, {
      beforeStep: async (model, step) => {
        if (step === 0) for (const layer of model.layers) if (layer instanceof SparseConv2d || layer instanceof SparseLinear) initial.push(await layer.readWeight());
      },
      onTrained: async (model) => void (kinds = model.layers.map((l) => l.kind)),
    });
    return { report: result.mask, initial, kinds, steps: result.history.totalSteps, loss: result.test.loss };
  },
});
