/**
 * GPU cases for the any-mask recipe on CNNs: a skip beside a sparse convolution (identity, 1x1
 * projection, folded), GradInit on a CNN in place, and whole training runs with the recipe on;
 * and the released code's recipe on an MLP (gradients with biases, a run with every part).
 */
import { gradInitGradient, type GradInitOptions, gradInitScales, type VirtualStep } from '../../src/recipe/gradinit.js';
import { biasTensor, modelGradientSource } from '../../src/recipe/model-gradients.js';
import { mlpConfigFor } from '../../src/masks/shapes.js';
import { assembleMlp } from '../../src/nn/mlp.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import { summedGradients } from '../../src/masks/gradients.js';
import type { Batch, WeightsLike } from '../../src/masks/types.js';
import { type CnnConfig, buildCnn } from '../../src/nn/cnn.js';
import { centreTapConv, foldCentreTapSkip } from '../../src/nn/conv-skip.js';
import type { Conv2d } from '../../src/nn/conv2d.js';
import { ActivationLayer } from '../../src/nn/activation-layer.js';
import { GhostSkip } from '../../src/nn/ghost-skip.js';
import type { Linear } from '../../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { buildModel, loadModel, saveModel } from '../../src/nn/model.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { type ConvShape, SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { Rng } from '../../src/random.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { runTraining, type TrainSpec } from '../../src/train/experiment.js';
import type { Dataset } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';
import { readActivation } from './sparse.js';

/** Outputs (batch x outFeatures) of a model for NCHW inputs. */
async function predict(ctx: Parameters<typeof buildCnn>[0], model: Sequential, x: Float32Array, batch: number): Promise<Float32Array> {
  const input = ctx.upload('f32', toActivationLayout(x, batch, model.inFeatures));
  try {
    return await readActivation(ctx, await model.forward(input, batch), batch, model.outFeatures);
  } finally {
    input.destroy();
  }
}

/** A CNN's parameters as the float64 reference forward takes them: each convolution's filter and bias, then the classifier. */
async function cnnParameters(ctx: Parameters<typeof buildCnn>[0], model: Sequential) {
  const convs: Array<{ filter: CsrMatrix; bias: Float32Array }> = [];
  for (const layer of model.layers) if (layer instanceof SparseConv2d) convs.push({ filter: await layer.readWeight(), bias: await ctx.read(layer.bias) });
  const head = model.layers.at(-1) as Linear;
  const [weight, bias] = await ctx.readAll([head.weight, head.bias]);
  return { convs, classifier: { weight: weight!, bias: bias! } };
}

const scaled = (weights: readonly WeightsLike[], scales: readonly number[]) => weights.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v) => v * scales[l]!) }));

export const recipeCnnCases = defineCases({
  /** Σ_b dL_b/d(weights, then biases) of an MLP built from them, by the model-in-place source with biases. */
  mlpGradientsWithBiases: async (ctx, p: { weights: CsrMatrix[]; biases: Float32Array[]; batches: Batch[] }) => {
    const model = assembleMlp(ctx, mlpConfigFor(p.weights.map((w) => [w.rows, w.cols] as const), 'tanh'), p.weights, p.biases);
    try {
      const grads = await summedGradients(modelGradientSource(ctx, model, p.batches, { biases: true }), [...p.weights, ...p.biases.map(biasTensor)]);
      return grads.map((g) => Array.from(g));
    } finally {
      model.destroy();
    }
  },

  /** runTraining with a recipe on an MLP: the biases and activations the first step sees, the layers after training, the report. */
  releasedMlpRun: async (ctx, p: { spec: TrainSpec; data: Dataset }) => {
    const first: { biases: Float32Array[]; activations: string[]; kinds: string[] } = { biases: [], activations: [], kinds: [] };
    let after: string[] = [];
    const result = await runTraining(ctx, p.spec, { train: p.data, test: p.data }, {
      beforeStep: async (model, step) => {
        if (step !== 0) return;
        first.kinds = model.layers.map((l) => l.kind);
        first.activations = model.layers.filter((l): l is ActivationLayer => l instanceof ActivationLayer).map((l) => (typeof l.activation === 'string' ? l.activation : l.activation.name));
        for (const layer of model.layers) {
          const inner = layer instanceof GhostSkip ? layer.inner : layer;
          if (inner instanceof SparseLinear) first.biases.push(await ctx.read(inner.bias));
        }
      },
      onTrained: async (model) => void (after = model.layers.map((l) => l.kind)),
    });
    return { report: result.recipe, first, after, loss: result.test.loss, steps: result.history.totalSteps };
  },

  /**
   * y = conv(x, W) + b + alpha·S(x) and its backward (dY = dy) through a GhostSkip around a
   * SparseConv2d; S the identity, or the 1x1 convolution `projection` (cOut x cIn) beside it. With
   * `fold`, the skip then folded into one SparseConv2d: its filter and its output on the same x.
   */
  convSkip: async (ctx, p: { filter: CsrMatrix; shape: ConvShape; bias: Float32Array; alpha: number; x: Float32Array; dy: Float32Array; batch: number; projection?: Float32Array; fold?: boolean }) => {
    const conv = new SparseConv2d(ctx, p.filter, p.shape, p.bias);
    const skip = new GhostSkip(ctx, conv, p.projection && centreTapConv(ctx, conv, p.projection));
    skip.alpha = p.alpha;
    const [x, dy] = [ctx.upload('f32', toActivationLayout(p.x, p.batch, conv.inFeatures)), ctx.upload('f32', toActivationLayout(p.dy, p.batch, conv.outFeatures))];
    let folded: SparseConv2d | undefined;
    try {
      const y = await readActivation(ctx, await skip.forward(x, p.batch), p.batch, conv.outFeatures);
      const dx = await readActivation(ctx, await skip.backward(dy, p.batch), p.batch, conv.inFeatures);
      const [weight, bias] = skip.parameters();
      const ghosts = skip.ghostParameters();
      const out = { y, dx, dW: await ctx.read(weight!.grad), db: await ctx.read(bias!.grad), ghostCount: ghosts.length, dP: ghosts[0] && (await ctx.read(ghosts[0].grad)) };
      if (!p.fold) return out;
      folded = await foldCentreTapSkip(ctx, skip);
      return { ...out, folded: await folded.readWeight(), foldedBias: await ctx.read(folded.bias), yFolded: await readActivation(ctx, await folded.forward(x, p.batch), p.batch, conv.outFeatures) };
    } finally {
      if (folded) folded.destroy();
      else skip.destroy();
      x.destroy();
      dy.destroy();
    }
  },

  /**
   * GradInit's objective gradient on a freshly built CNN in place (modelGradientSource), at
   * `scales`; also ∇L_b1 at each of `probes` (scales), and the built parameters for a float64 forward.
   */
  cnnGradInit: async (ctx, p: { config: CnnConfig; b1: Batch; b2: Batch; scales: number[]; eta: number; gamma: number; virtualStep: VirtualStep; probes: number[][] }) => {
    const model = buildCnn(ctx, p.config);
    try {
      const params = await cnnParameters(ctx, model);
      const weights = params.convs.map((c) => c.filter);
      const source = (batch: Batch) => modelGradientSource(ctx, model, [batch]);
      const result = await gradInitGradient(weights, p.scales, source(p.b1), source(p.b2), { eta: p.eta, gamma: p.gamma, virtualStep: p.virtualStep });
      // Plain arrays: the wire carries float32 typed arrays, not float64 ones.
      const probeGrads: number[][][] = [];
      for (const probe of p.probes) probeGrads.push((await summedGradients(source(p.b1), scaled(weights, probe))).map((g) => Array.from(g)));
      return { result, probeGrads, params };
    } finally {
      model.destroy();
    }
  },

  /** The model-in-place source on a freshly built CNN: its gradients on `batch`, and H·v for a seeded Gaussian v. */
  cnnHessianVector: async (ctx, p: { config: CnnConfig; batch: Batch; seed: number }) => {
    const model = buildCnn(ctx, p.config);
    try {
      const params = await cnnParameters(ctx, model);
      const weights = params.convs.map((c) => c.filter);
      const rng = new Rng(p.seed);
      const v = weights.map((w) => Array.from(w.values, () => rng.nextNormal()));
      const source = modelGradientSource(ctx, model, [p.batch]);
      const grads = (await summedGradients(source, weights)).map((g) => Array.from(g));
      const hv = (await source.hessianVector(weights, v, 1)).map((h) => Array.from(h));
      return { grads, hv, v, params };
    } finally {
      model.destroy();
    }
  },

  /**
   * Learns GradInit scales on a CNN in place, its convolutions' weights first multiplied by
   * `shrink`, over batch pairs (i, i + 1); then the loss after the virtual step,
   * L_b(i+1)(s·W − eta·ĝ), for every pair at scales 1 and at the learned scales.
   */
  cnnGradInitLearn: async (ctx, p: { config: CnnConfig; shrink: number; batches: Batch[]; opts: GradInitOptions }) => {
    const model = buildCnn(ctx, p.config);
    const loss = new SoftmaxCrossEntropy(ctx, p.config.classes);
    try {
      const weights = (await cnnParameters(ctx, model)).convs.map((c) => ({ ...c.filter, values: c.filter.values.map((v) => v * p.shrink) }));
      const pair = (i: number) => [p.batches[i % p.batches.length]!, p.batches[(i + 1) % p.batches.length]!] as const;
      const source = (batch: Batch) => modelGradientSource(ctx, model, [batch]);
      const learned = await gradInitScales(weights, pair, source, p.opts);
      const eta = p.opts.eta ?? 0.1;
      const afterStep = async (scales: readonly number[]) => {
        const out: number[] = [];
        for (let i = 0; i < p.batches.length; i++) {
          const [b1, b2] = pair(i);
          const at = scaled(weights, scales);
          const g = await summedGradients(source(b1), at);
          const norm = Math.sqrt(g.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0));
          const stepped = at.map((w, l) => ({ ...w, values: Float32Array.from(w.values, (v, k) => v - (eta * g[l]![k]!) / norm) }));
          const convs = model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d);
          convs.forEach((conv, l) => conv.writeWeight(stepped[l]!.values));
          const x = ctx.upload('f32', toActivationLayout(b2.inputs, b2.count, model.inFeatures));
          const labels = ctx.upload('u32', Uint32Array.from(b2.labels));
          try {
            await loss.forward(await model.forward(x, b2.count), labels, b2.count);
            out.push(await loss.readLoss());
          } finally {
            x.destroy();
            labels.destroy();
          }
        }
        return out;
      };
      return { scales: learned.scales, objectives: learned.steps.map((s) => s.objective), before: await afterStep(weights.map(() => 1)), after: await afterStep(learned.scales) };
    } finally {
      loss.destroy();
      model.destroy();
    }
  },

  /**
   * A CNN training run with a recipe (runTraining): per step the skips in the model (paper-text
   * ghosts or released 1x1 convolutions: the caller knows which form runs) with their alphas and
   * the activations, each skip's 1x1 weights at step 0 and at `lastSkipStep`, the sparse convs' weights
   * at step 0 against a fresh build, and the trained model: its layers, activations, filters, and
   * predictions on x before and after a save/load round trip.
   */
  recipeCnnRun: async (ctx, p: { spec: TrainSpec; data: Dataset; lastSkipStep: number; x: Float32Array; batch: number }) => {
    const built = buildModel(ctx, p.spec.model);
    const builtWeights: CsrMatrix[] = [];
    for (const layer of built.layers) if (layer instanceof SparseConv2d) builtWeights.push(await layer.readWeight());
    const builtKinds = built.layers.map((l) => l.kind);
    built.destroy();
    const skipsPerStep: number[] = [];
    const alphas: number[][] = [];
    const activations: unknown[][] = [];
    const projections: Array<{ shape: ConvShape; cOut: number; first: Float32Array; last?: Float32Array }> = [];
    const startWeights: CsrMatrix[] = [];
    let trained: { kinds: string[]; activations: unknown[]; filters: CsrMatrix[]; reloadedKinds: string[]; original: Float32Array; loaded: Float32Array } | undefined;
    const result = await runTraining(ctx, p.spec, { train: p.data, test: p.data }, {
      beforeStep: async (model, step) => {
        const skips = model.layers.filter((l): l is GhostSkip => l instanceof GhostSkip);
        skipsPerStep.push(skips.length);
        alphas.push(skips.map((s) => s.alpha));
        activations.push(model.layers.filter((l): l is ActivationLayer => l instanceof ActivationLayer).map((l) => l.activation));
        const withProjection = skips.filter((s) => s.projection);
        for (const [i, skip] of withProjection.entries()) {
          const weight = await ctx.read(skip.projection!.weight);
          const projection = skip.projection as Conv2d;
          if (step === 0) projections.push({ shape: projection.shape, cOut: projection.cOut, first: weight });
          if (step === p.lastSkipStep) projections[i]!.last = weight;
        }
        if (step === 0) for (const skip of skips) startWeights.push(await (skip.inner as SparseConv2d).readWeight());
      },
      onTrained: async (model) => {
        const filters: CsrMatrix[] = [];
        for (const layer of model.layers) if (layer instanceof SparseConv2d) filters.push(await layer.readWeight());
        const loaded = loadModel(ctx, await saveModel(ctx, model, p.spec.model));
        try {
          trained = {
            kinds: model.layers.map((l) => l.kind),
            activations: model.layers.filter((l) => l.kind === 'activation').map((l) => (l as unknown as { activation: unknown }).activation),
            filters,
            reloadedKinds: loaded.model.layers.map((l) => l.kind),
            original: await predict(ctx, model, p.x, p.batch),
            loaded: await predict(ctx, loaded.model, p.x, p.batch),
          };
        } finally {
          loaded.model.destroy();
        }
      },
    });
    return {
      builtKinds,
      builtWeights,
      startWeights,
      skipsPerStep,
      alphas,
      activations,
      projections,
      trained: trained!,
      steps: result.history.totalSteps,
      losses: result.history.steps.map((s) => s.loss),
      testLoss: result.test.loss,
      report: result.recipe,
    };
  },
});
