import type { Activation } from '../../src/kernels/activation.js';
import { axpyInto } from '../../src/kernels/axpy.js';
import { gpuGradientSource } from '../../src/masks/gpu-gradients.js';
import { GhostSkip } from '../../src/nn/ghost-skip.js';
import { Linear } from '../../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { loadMlp, saveMlp } from '../../src/nn/mlp-file.js';
import { buildMlp, type MlpConfig } from '../../src/nn/mlp.js';
import { buildModel, loadModel, type ModelConfig, saveModel } from '../../src/nn/model.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { gradInitGradient } from '../../src/recipe/gradinit.js';
import { runTraining, type TrainSpec } from '../../src/train/experiment.js';
import { Sgd } from '../../src/train/optimizers.js';
import type { Dataset } from '../../src/train/trainer.js';
import { train } from '../../src/train/trainer.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { defineCases } from '../harness/case.js';
import { readActivation } from './sparse.js';

/** Reads a model's outputs (batch x outFeatures) for inputs x (batch rows). */
async function predict(ctx: Parameters<typeof buildMlp>[0], model: ReturnType<typeof buildMlp>, x: Float32Array, batch: number) {
  const input = ctx.upload('f32', toActivationLayout(x, batch, model.inFeatures));
  try {
    return await readActivation(ctx, await model.forward(input, batch), batch, model.outFeatures);
  } finally {
    input.destroy();
  }
}

export const trainingCases = defineCases({
  axpy: async (ctx, p: { alpha: number; x: Float32Array; y: Float32Array }) => {
    const [x, y, out] = [ctx.upload('f32', p.x), ctx.upload('f32', p.y), ctx.upload('f32', new Float32Array(p.x.length).fill(Number.NaN))];
    try {
      await axpyInto(ctx, p.alpha, x, y, out);
      return await ctx.read(out);
    } finally {
      for (const t of [x, y, out]) t.destroy();
    }
  },

  /**
   * y = W x + b + alpha·S x and its backward through a GhostSkip around a sparse layer, with dY = g;
   * S is the identity, or the dense projection `projection` (out x in) when given.
   */
  ghostSkip: async (ctx, p: { w: CsrMatrix; bias: Float32Array; alpha: number; x: Float32Array; g: Float32Array; batch: number; projection?: Float32Array }) => {
    const projection = p.projection && new Linear(ctx, p.w.cols, p.w.rows, { weight: p.projection });
    const skip = new GhostSkip(ctx, new SparseLinear(ctx, p.w, p.bias), projection);
    skip.alpha = p.alpha;
    const [x, g] = [ctx.upload('f32', toActivationLayout(p.x, p.batch, p.w.cols)), ctx.upload('f32', toActivationLayout(p.g, p.batch, p.w.rows))];
    try {
      const y = await readActivation(ctx, await skip.forward(x, p.batch), p.batch, p.w.rows);
      const dx = await readActivation(ctx, await skip.backward(g, p.batch), p.batch, p.w.cols);
      const [weight, bias] = skip.parameters();
      const ghost = skip.ghostParameters();
      return { y, dx, dW: await ctx.read(weight!.grad), db: await ctx.read(bias!.grad), ghostCount: ghost.length, dP: ghost[0] && (await ctx.read(ghost[0].grad)) };
    } finally {
      skip.destroy();
      x.destroy();
      g.destroy();
    }
  },

  /** 100 SGD steps on a sparse MLP: the GPU-side pattern before and after, and whether values moved. */
  maskAfterSteps: async (ctx, p: { config: MlpConfig; data: Dataset; steps: number }) => {
    const model = buildMlp(ctx, p.config);
    const loss = new SoftmaxCrossEntropy(ctx, p.config.classes);
    const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 });
    const sparse = model.layers.filter((l): l is SparseLinear => l instanceof SparseLinear);
    const snapshot = async () => {
      const out = [];
      for (const l of sparse) out.push({ ...(await l.readStructure()), dense: await l.readDense(), mask: l.mask });
      return out;
    };
    try {
      const before = await snapshot();
      await train(ctx, { model, loss, optimizer, train: p.data, batchSize: 16, maxSteps: p.steps, epochs: 1000, seed: 1 });
      return { before, after: await snapshot(), steps: optimizer.stepCount };
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  },

  /**
   * Saves a freshly built model under the config `saveAs` (it throws where they differ), after
   * wrapping model layer `wrap`, if given, in an identity ghost skip (a recipe's skip left in place).
   */
  saveMismatched: async (ctx, p: { config: ModelConfig; saveAs: ModelConfig; wrap?: number }) => {
    const model = buildModel(ctx, p.config);
    try {
      if (p.wrap !== undefined) model.layers[p.wrap] = new GhostSkip(ctx, model.layers[p.wrap]!);
      return (await saveModel(ctx, model, p.saveAs)).length;
    } finally {
      model.destroy();
    }
  },

  /** Train briefly, save, load into a new model: both models' predictions on the same inputs. */
  saveLoad: async (ctx, p: { config: MlpConfig; data: Dataset; x: Float32Array; batch: number }) => {
    const model = buildMlp(ctx, p.config);
    const loss = new SoftmaxCrossEntropy(ctx, p.config.classes);
    const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.05 });
    try {
      await train(ctx, { model, loss, optimizer, train: p.data, batchSize: 8, maxSteps: 5, seed: 2 });
      const bytes = await saveMlp(ctx, model, p.config);
      const loaded = loadMlp(ctx, bytes);
      try {
        return { original: await predict(ctx, model, p.x, p.batch), loaded: await predict(ctx, loaded.model, p.x, p.batch), bytes: bytes.length, config: loaded.config };
      } finally {
        loaded.model.destroy();
      }
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  },

  /**
   * A run with every recipe part on: ghost skips per step, the ghost projections at the first and
   * the last step they live, the sparse weights after LRsI against a fresh build of the same model,
   * and what the model looks like after (and after a save/load round trip).
   */
  recipeRun: async (ctx, p: { spec: TrainSpec; data: Dataset; lastGhostStep: number }) => {
    let layerKinds: string[] = [];
    let activations: unknown[] = [];
    let reloadedKinds: string[] = [];
    const ghostsPerStep: number[] = [];
    const projections: Array<{ rows: number; cols: number; first: Float32Array; last?: Float32Array }> = [];
    const startWeights: CsrMatrix[] = [];
    const built = buildModel(ctx, p.spec.model);
    const builtWeights: CsrMatrix[] = [];
    for (const layer of built.layers) if (layer instanceof SparseLinear) builtWeights.push(await layer.readWeight());
    built.destroy();
    const result = await runTraining(ctx, p.spec, { train: p.data, test: p.data }, {
      beforeStep: async (model, step) => {
        const skips = model.layers.filter((l): l is GhostSkip => l instanceof GhostSkip);
        ghostsPerStep.push(skips.length);
        const withProjection = skips.filter((s) => s.projection);
        for (const [i, skip] of withProjection.entries()) {
          const weight = await ctx.read(skip.projection!.weight);
          if (step === 0) projections.push({ rows: skip.outFeatures, cols: skip.inFeatures, first: weight });
          if (step === p.lastGhostStep) projections[i]!.last = weight;
        }
        if (step === 0) for (const skip of skips) startWeights.push(await (skip.inner as SparseLinear).readWeight());
      },
      onTrained: async (model) => {
        layerKinds = model.layers.map((l) => l.kind);
        activations = model.layers.filter((l) => l.kind === 'activation').map((l) => (l as unknown as { activation: unknown }).activation);
        const loaded = loadModel(ctx, await saveModel(ctx, model, p.spec.model));
        reloadedKinds = loaded.model.layers.map((l) => l.kind);
        loaded.model.destroy();
      },
    });
    return {
      layerKinds,
      activations,
      reloadedKinds,
      steps: result.history.totalSteps,
      accuracy: result.test.accuracy,
      ghostsPerStep,
      projections,
      startWeights,
      builtWeights,
      report: result.recipe,
    };
  },

  /** GradInit's objective gradient with the GPU gradient source (float32 passes, float64 Hessian-vector product). */
  gradInitGradient: async (ctx, p: { weights: CsrMatrix[]; biases: Float32Array[]; activation: Activation; b1: Dataset; b2: Dataset; gamma: number }) => {
    const source = (batch: Dataset) => gpuGradientSource(ctx, { activation: p.activation, batches: [batch], biases: p.biases });
    return gradInitGradient(p.weights, p.weights.map(() => 1), source(p.b1), source(p.b2), { gamma: p.gamma });
  },

});
