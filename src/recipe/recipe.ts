/**
 * The "train better with any mask" recipe (Jaiswal et al., ICML 2022), each part switchable on its
 * own and scheduled by training step, for MLPs and CNNs alike (the sparse layers are SparseLinear
 * or SparseConv2d):
 * - ghost soft neurons, in two forms named apart:
 *   - softNeurons, the paper text's: a ReLU network trains with (1 - l)·soft(x) + l·relu(x), l
 *     ramping 0 -> 1 over `steps`; from then on the activation is plain relu again;
 *   - softActivation, the released code's: the soft activation replaces relu from the first step
 *     to the end, no blend and no return (the trained model keeps it: report.activation says so).
 * - ghost skips, in two forms named apart:
 *   - ghostSkips, the paper text's: every sparse layer gets y = W x + b + alpha·S x, alpha ramping
 *     1 -> 0 over `steps`, then the skips and their projections are removed from the model. S is
 *     the identity for a square linear layer or a conv with cIn = cOut at stride 1, otherwise a
 *     trained projection (a dense Linear, or a 1x1 convolution at the conv's stride), Haar
 *     semi-orthogonal at the start so that it passes the signal's norm as the identity does;
 *   - releasedSkips, the released code's: a trainable projection beside each sparse layer, every
 *     weight `init` (1e-4) at the start, no bias, added before the activation, trained with the
 *     model for the whole run and never faded. Beside a convolution it is a 1x1 convolution (the
 *     code follows each with a BatchNorm; we have none, so it is left out), folded at finish() into
 *     the conv's centre taps (the same function, conv-skip.ts): the trained CNN has the built
 *     architecture, saves and loads as any CNN, on a mask that now holds every centre tap
 *     (report.releasedSkips). Beside a linear layer (the released code has no MLP) it is a dense
 *     Linear, which no sparse mask can absorb: it stays in the model through the final evaluation
 *     (report.releasedSkips.kept) and goes with destroy().
 * - LRsI: each sparse layer's weights times a scale, learned GradInit-style ('gradinit', see
 *   gradinit.ts) or the closed form 1/sqrt(its density) ('sqrt-density'). On an MLP GradInit's
 *   objective gradient is exact (float64 R-operator); on a CNN the virtual step is detached (first
 *   order) and the gradient-norm branch's Hessian-vector product is a central difference of GPU
 *   gradients (model-gradients.ts). 'released' is the released code's form: GradInit on the dense
 *   twin (dense-twin.ts) the mask was cut from, first order, one scale per weight tensor and one per
 *   bias vector, the objective divided by eta, the gradient clipped per scale; the scales then
 *   multiply the sparse model's weights and biases (for a pruned mask, masking the scaled dense
 *   init is exactly that). report.gradinitForm names what ran.
 * - label smoothing: alpha, optionally decaying to 0 over `steps`.
 * After finish() the model holds no ghost: the architecture is the one that was built.
 */
import type { Context } from '../gpu/context.js';
import { haarOrthogonal } from '../nn/init.js';
import { ACTIVATIONS, type Activation, type ActivationName, resolveActivation } from '../kernels/activation.js';
import type { SmoothingConvention } from '../kernels/softmax-xent.js';
import { gpuGradientSource } from '../masks/gpu-gradients.js';
import { sampleBatches } from '../masks/gradients.js';
import type { GradientSource, MaskReport, WeightsLike } from '../masks/types.js';
import type { ModelConfig } from '../nn/model.js';
import { ActivationLayer } from '../nn/activation-layer.js';
import { centreTapConv, foldCentreTapSkip, identitySkips } from '../nn/conv-skip.js';
import { GhostSkip } from '../nn/ghost-skip.js';
import type { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';
import type { Sequential } from '../nn/sequential.js';
import { SparseConv2d } from '../nn/sparse-conv2d.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { Rng } from '../random.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { createOptimizer, type OptimizerSpec } from '../train/optimizer-spec.js';
import type { GpuOptimizer } from '../train/optimizers.js';
import type { Dataset } from '../train/trainer.js';
import { checkNumberInRange, checkObject, checkPositiveInt, checkSeed } from '../validate.js';
import { checkGradInitOptions, type GradInitOptions, type GradInitResult, gradInitScales, type VirtualStep } from './gradinit.js';
import { denseTwin } from './dense-twin.js';
import { biasTensor, modelGradientSource, type SparseLayer, sparseLayers } from './model-gradients.js';

/** How a recipe part fades over its steps: linearly, or along a half cosine. */
export type Ramp = 'linear' | 'cosine';

/** The released code's starting value of every 1x1 weight beside a convolution. */
export const RELEASED_SKIP_INIT = 1e-4;

/**
 * The any-mask recipe's parts, each optional: ghost soft neurons, ghost skips (the paper text's or
 * the released code's), learning-rate scale init (LRsI) and a label-smoothing schedule.
 */
export interface RecipeSpec {
  /** the paper text's ghost soft neurons: blended back to relu over `steps` */
  softNeurons?: { activation: ActivationName; steps: number; ramp?: Ramp };
  /** the released code's: `activation` instead of relu for the whole run */
  softActivation?: { activation: ActivationName };
  /** the paper text's ghost skips: faded out over `steps`, then removed */
  ghostSkips?: { steps: number; ramp?: Ramp };
  /** the released code's projections beside each sparse layer (1x1 convs, folded in at the end; dense Linears, kept): trained all run; init default RELEASED_SKIP_INIT */
  releasedSkips?: { init?: number };
  /** 'gradinit' (learned, default options) or { gradinit: options }, the closed form 'sqrt-density', or the released code's 'released' or { released: options } */
  lrsi?: 'sqrt-density' | 'gradinit' | 'released' | { gradinit: GradInitOptions } | { released: Omit<GradInitOptions, 'virtualStep' | 'clipPer' | 'divideByEta'> };
  labelSmoothing?: { alpha: number; smoothing?: SmoothingConvention; steps?: number; ramp?: Ramp };
}

/** Progress through a schedule of `steps` steps: 0 at step 0, exactly 1 from step `steps` on. */
export function ramp(step: number, steps: number, shape: Ramp = 'linear'): number {
  const t = Math.min(1, step / steps);
  return shape === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
}

/**
 * Checks a recipe against the model's activation and returns it.
 * @throws RangeError naming the part when it is inconsistent (soft neurons need a relu model) or a field is out of range
 */
export function checkRecipe(spec: RecipeSpec, activation: Activation): RecipeSpec {
  if (spec.softNeurons) {
    if (resolveActivation(activation).name !== 'relu') {
      throw new RangeError(`recipe.softNeurons returns to relu, so the model's activation must be relu (it is ${resolveActivation(activation).name})`);
    }
    if (!ACTIVATIONS.includes(spec.softNeurons.activation)) throw new RangeError(`recipe.softNeurons.activation must be one of ${ACTIVATIONS.join(', ')}, got ${spec.softNeurons.activation}`);
    checkPositiveInt('recipe.softNeurons.steps', spec.softNeurons.steps);
  }
  if (spec.softActivation) {
    if (resolveActivation(activation).name !== 'relu') throw new RangeError(`recipe.softActivation replaces relu, so the model's activation must be relu (it is ${resolveActivation(activation).name})`);
    if (!ACTIVATIONS.includes(spec.softActivation.activation)) throw new RangeError(`recipe.softActivation.activation must be one of ${ACTIVATIONS.join(', ')}, got ${spec.softActivation.activation}`);
    if (spec.softNeurons) throw new RangeError('recipe.softNeurons (blended back to relu) and recipe.softActivation (kept all run) are two forms of one part; choose one');
  }
  if (spec.ghostSkips) checkPositiveInt('recipe.ghostSkips.steps', spec.ghostSkips.steps);
  if (spec.releasedSkips !== undefined) {
    const { init } = checkObject('recipe.releasedSkips', spec.releasedSkips, 'an object { init? }');
    if (init !== undefined) checkNumberInRange('recipe.releasedSkips.init', init, -Number.MAX_VALUE, Number.MAX_VALUE);
    if (spec.ghostSkips) throw new RangeError('recipe.ghostSkips (faded, then removed) and recipe.releasedSkips (kept all run) are two forms of one part; choose one');
  }
  const { lrsi } = spec;
  if (typeof lrsi === 'object' && lrsi !== null && 'gradinit' in lrsi) checkGradInitOptions(lrsi.gradinit ?? {}, 'recipe.lrsi.gradinit');
  else if (typeof lrsi === 'object' && lrsi !== null && 'released' in lrsi) checkGradInitOptions(lrsi.released ?? {}, 'recipe.lrsi.released');
  else if (lrsi !== undefined && lrsi !== 'sqrt-density' && lrsi !== 'gradinit' && lrsi !== 'released') {
    throw new RangeError(`recipe.lrsi must be 'sqrt-density', 'gradinit', 'released', { gradinit: options } or { released: options }, got ${JSON.stringify(lrsi)}`);
  }
  if (spec.labelSmoothing) {
    checkNumberInRange('recipe.labelSmoothing.alpha', spec.labelSmoothing.alpha, 0, 1);
    if (spec.labelSmoothing.steps !== undefined) checkPositiveInt('recipe.labelSmoothing.steps', spec.labelSmoothing.steps);
  }
  return spec;
}

/** What a recipe needs from the training run around it. */
export interface RecipeEnvironment {
  /** seeds the ghost projections and GradInit's batches */
  seed: number;
  /** the run's optimizer, also used for the ghost projections (over the ghost-skip steps) and the released skips (over totalSteps) */
  optimizer: OptimizerSpec;
  /** GradInit draws its batches from it */
  train?: Dataset;
  batchSize?: number;
  /** the run's length in steps: the released skips train over all of it, on the model's learning-rate schedule */
  totalSteps?: number;
  /** progress of long start-up work (GradInit) */
  onStage?: (stage: string) => void;
  /** lrsi 'released': the model's config, from which its dense twin is built */
  model?: ModelConfig;
  /** lrsi 'released': the weight kind of the masks the model holds, when a mask method made them */
  maskWeights?: MaskReport['weights'];
}

/** What start() (and finish()) did that a report should show. */
export interface RecipeReport {
  /** the scale each sparse layer's weights were multiplied by (LRsI) */
  lrsiScales?: number[];
  /** lrsi 'released': the scale each sparse layer's biases were multiplied by */
  lrsiBiasScales?: number[];
  /** GradInit's objective branch and gradient norm per iteration */
  gradinit?: Pick<GradInitResult['steps'][number], 'objective' | 'gradNorm'>[];
  /** which GradInit ran: its virtual step, and where its Hessian-vector products came from */
  gradinitForm?: { virtualStep: VirtualStep; hessian: 'r-operator' | 'central-difference'; on: 'model' | 'dense-twin' };
  /** the weights the released skips added, each sparse conv's density once they were folded into it, and how many dense projections stay in the model (after finish()) */
  releasedSkips?: { weights: number; foldedDensities?: number[]; kept?: number };
  /** the activation the trained model ends with, when the recipe changed it for good (softActivation) */
  activation?: ActivationName;
}

/** Applies a recipe to a freshly built model; call beforeStep() before and afterStep() after every step, finish() after training. */
export class RecipeRun {
  readonly report: RecipeReport = {};
  /** the paper text's ghost skips, while they live */
  private readonly skips: GhostSkip[] = [];
  /** the released code's projections: the 1x1 convolutions until finish() folds them in, the dense Linears until destroy() */
  private readonly sideConvs: GhostSkip[] = [];
  private readonly activations: ActivationLayer[];
  private ghostOptimizer: GpuOptimizer | undefined;
  private sideOptimizer: GpuOptimizer | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly model: Sequential,
    private readonly loss: SoftmaxCrossEntropy,
    private readonly spec: RecipeSpec,
    private readonly env: RecipeEnvironment,
  ) {
    this.activations = model.layers.filter((l): l is ActivationLayer => l instanceof ActivationLayer);
    checkSeed(env.seed);
  }

  /** Start-of-training changes: LRsI scaling, then the ghost skips (either form). */
  async start(): Promise<void> {
    const sparse = sparseLayers(this.model);
    const { lrsi, ghostSkips, releasedSkips, softActivation } = this.spec;
    if (softActivation) {
      for (const layer of this.activations) layer.activation = softActivation.activation;
      this.report.activation = softActivation.activation;
    }
    if (lrsi) {
      const weights: CsrMatrix[] = [];
      for (const layer of sparse) weights.push(await layer.readWeight());
      const released = lrsi === 'released' || (typeof lrsi === 'object' && 'released' in lrsi);
      const options = typeof lrsi === 'object' ? ('released' in lrsi ? lrsi.released : lrsi.gradinit) : {};
      const learned = lrsi === 'sqrt-density' ? sparse.map((l) => 1 / Math.sqrt(l.density)) : await this.learnScales(weights, options ?? {}, released);
      const scales = learned.slice(0, sparse.length);
      for (const [l, layer] of sparse.entries()) await layer.writeWeight(weights[l]!.values.map((v) => v * scales[l]!));
      this.report.lrsiScales = scales;
      if (released) {
        const biasScales = learned.slice(sparse.length);
        const biases = sparse.map((l) => l.parameters().find((p) => p.name === 'bias')!.values);
        (await this.ctx.readAll(biases)).forEach((b, l) => this.ctx.write(biases[l]!, b.map((v) => v * biasScales[l]!)));
        this.report.lrsiBiasScales = biasScales;
      }
    }
    if (ghostSkips) {
      this.wrapSparseLayers(sparse, (layer, i) => new GhostSkip(this.ctx, layer, this.ghostProjection(layer, i)), this.skips);
      const ghosts = this.skips.flatMap((s) => s.ghostParameters());
      if (ghosts.length > 0) this.ghostOptimizer = createOptimizer(this.ctx, ghosts, this.env.optimizer, ghostSkips.steps);
    }
    if (releasedSkips) {
      if (sparse.length === 0) throw new RangeError('recipe.releasedSkips puts a projection beside each sparse layer; this model has none (a dense model)');
      const { totalSteps } = this.env;
      if (totalSteps === undefined) throw new RangeError('recipe.releasedSkips trains its projections for the whole run: env.totalSteps must give its length');
      const init = releasedSkips.init ?? RELEASED_SKIP_INIT;
      const side = (layer: SparseLayer): Linear | Conv2d =>
        layer instanceof SparseConv2d
          ? centreTapConv(this.ctx, layer, new Float32Array(layer.cOut * layer.shape.cIn).fill(init))
          : new Linear(this.ctx, layer.inFeatures, layer.outFeatures, { weight: new Float32Array(layer.inFeatures * layer.outFeatures).fill(init) });
      this.wrapSparseLayers(sparse, (layer) => new GhostSkip(this.ctx, layer, side(layer)), this.sideConvs);
      const weights = this.sideConvs.flatMap((s) => s.ghostParameters());
      this.sideOptimizer = createOptimizer(this.ctx, weights, this.env.optimizer, totalSteps);
      this.report.releasedSkips = { weights: weights.reduce((n, p) => n + p.values.length, 0) };
    }
  }

  /**
   * Sets the recipe's state for training step `step` (blend of the soft neurons, skip strength, label smoothing).
   */
  beforeStep(step: number): void {
    const { softNeurons, ghostSkips, labelSmoothing } = this.spec;
    if (softNeurons) {
      const l = ramp(step, softNeurons.steps, softNeurons.ramp);
      const activation: Activation = l < 1 ? { name: softNeurons.activation, blend: l } : 'relu';
      for (const layer of this.activations) layer.activation = activation;
    }
    if (ghostSkips) {
      const alpha = 1 - ramp(step, ghostSkips.steps, ghostSkips.ramp);
      for (const skip of this.skips) skip.alpha = alpha;
      if (alpha === 0) this.removeSkips();
    }
    if (labelSmoothing) {
      const { alpha, steps, ramp: shape, smoothing } = labelSmoothing;
      this.loss.options = { labelSmoothing: steps ? alpha * (1 - ramp(step, steps, shape)) : alpha, smoothing };
    }
  }

  /** After the model's optimizer step: the ghost projections' update while they exist, and the released skips'. */
  async afterStep(): Promise<void> {
    await this.ghostOptimizer?.step();
    await this.sideOptimizer?.step();
  }

  /**
   * End of training: every ghost gone, the released skips beside convolutions folded into them
   * (those beside linear layers stay), the original activation back unless the released soft
   * activation is kept.
   */
  async finish(): Promise<void> {
    this.removeSkips();
    if (this.sideConvs.length > 0) {
      const layers = this.model.layers;
      for (const [i, layer] of layers.entries()) {
        if (layer instanceof GhostSkip && this.sideConvs.includes(layer) && layer.inner instanceof SparseConv2d) {
          this.sideConvs.splice(this.sideConvs.indexOf(layer), 1);
          layers[i] = await foldCentreTapSkip(this.ctx, layer);
        }
      }
      this.report.releasedSkips!.foldedDensities = layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d).map((l) => l.density);
      this.report.releasedSkips!.kept = this.sideConvs.length;
    }
    this.sideOptimizer?.destroy();
    this.sideOptimizer = undefined;
    if (this.spec.softNeurons) for (const layer of this.activations) layer.activation = 'relu';
  }

  /** Frees what the recipe allocated (the ghosts, the released skips unfolded), if finish() was not reached. */
  destroy(): void {
    this.removeSkips();
    this.unwrap(this.sideConvs);
    this.sideOptimizer?.destroy();
    this.sideOptimizer = undefined;
  }

  /** Replaces each of `layers` in the model by wrap(layer, its index), recording the wrappers in `into`. */
  private wrapSparseLayers<L extends SparseLayer>(layers: readonly L[], wrap: (layer: L, index: number) => GhostSkip, into: GhostSkip[]): void {
    for (const layer of layers) {
      const i = this.model.layers.indexOf(layer);
      const skip = wrap(layer, i);
      into.push(skip);
      this.model.layers[i] = skip;
    }
  }

  /** Undefined where the identity is the skip; else a Haar semi-orthogonal Linear or 1x1 conv, seeded by the layer's index. */
  private ghostProjection(layer: SparseLayer, i: number): Linear | Conv2d | undefined {
    const seed = this.env.seed * 1009 + i;
    if (layer instanceof SparseConv2d) return identitySkips(layer) ? undefined : centreTapConv(this.ctx, layer, haarOrthogonal(layer.cOut, layer.shape.cIn, seed));
    const { inFeatures: cols, outFeatures: rows } = layer;
    return rows === cols ? undefined : new Linear(this.ctx, cols, rows, { weight: haarOrthogonal(rows, cols, seed) });
  }

  private removeSkips(): void {
    this.unwrap(this.skips);
    this.ghostOptimizer?.destroy();
    this.ghostOptimizer = undefined;
  }

  /** Puts the wrapped layers back in the model, freeing the wrappers. */
  private unwrap(skips: GhostSkip[]): void {
    this.model.layers.forEach((layer, i) => {
      if (layer instanceof GhostSkip && skips.includes(layer)) this.model.layers[i] = layer.unwrap();
    });
    skips.length = 0;
  }

  /**
   * GradInit over the plain network (no ghost skips) with the activation training starts with, on
   * batches drawn from the training set. An MLP of sparse layers: gradients on the GPU,
   * Hessian-vector products in float64, the exact objective gradient by default. Any other network
   * (a CNN): the model itself in place (modelGradientSource), the virtual step detached by default.
   */
  private async learnScales(weights: readonly CsrMatrix[], opts: GradInitOptions, released: boolean): Promise<number[]> {
    const { train, batchSize } = this.env;
    const name = released ? 'released' : 'gradinit';
    if (!train || batchSize === undefined) throw new RangeError(`recipe.lrsi '${name}' needs the training set and batch size (env.train, env.batchSize)`);
    if (weights.length === 0) throw new RangeError(`recipe.lrsi '${name}' scales the sparse layers; this model has none`);
    if (released && !this.env.model) throw new RangeError("recipe.lrsi 'released' learns on the model's dense twin: env.model must give the model's config");
    const layers = this.model.layers;
    const mlp = !released && layers.length % 2 === 1 && layers.every((l, i) => (i % 2 === 0 ? l instanceof SparseLinear : l instanceof ActivationLayer));
    const { softNeurons } = this.spec;
    const activation: Activation = softNeurons ? { name: softNeurons.activation, blend: 0 } : this.activations[0]!.activation; // softActivation is set already
    const form = { virtualStep: released ? 'detached' : (opts.virtualStep ?? (mlp ? 'differentiated' : 'detached')), hessian: mlp ? 'r-operator' : 'central-difference', on: released ? 'dense-twin' : 'model' } as const;
    const twin = released ? await denseTwin(this.ctx, this.model, this.env.model!, this.env.maskWeights) : undefined;
    let tensors: readonly WeightsLike[] = weights;
    let sourceFor: (batch: Dataset) => GradientSource;
    if (twin) {
      const twinLayers = sparseLayers(twin);
      const twinBiases = await this.ctx.readAll(twinLayers.map((l) => l.parameters().find((p) => p.name === 'bias')!.values));
      tensors = [...(await Promise.all(twinLayers.map((l) => l.readWeight()))), ...twinBiases.map(biasTensor)];
      for (const layer of twin.layers) if (layer instanceof ActivationLayer) layer.activation = activation;
      sourceFor = (batch) => modelGradientSource(this.ctx, twin, [batch], { biases: true });
    } else if (mlp) {
      const biases = await this.ctx.readAll((layers.filter((_, i) => i % 2 === 0) as SparseLinear[]).map((l) => l.bias));
      sourceFor = (batch) => gpuGradientSource(this.ctx, { activation, batches: [batch], biases });
    } else {
      sourceFor = (batch) => modelGradientSource(this.ctx, this.model, [batch]);
    }
    const rng = new Rng(this.env.seed);
    const seeds = Array.from({ length: checkGradInitOptions(opts, 'recipe.lrsi.gradinit').iterations }, () => rng.nextUint32());
    const previous = this.activations.map((l) => l.activation);
    for (const layer of this.activations) layer.activation = activation;
    try {
      const result = await gradInitScales(
        tensors,
        (i) => sampleBatches(train, { batches: 2, batchSize, seed: seeds[i] }) as [Dataset, Dataset],
        sourceFor,
        released ? { ...opts, virtualStep: 'detached', clipPer: 'scalar', divideByEta: true } : { ...opts, virtualStep: form.virtualStep },
        (step, total) => {
          if ((step.iteration + 1) % 10 === 0 || step.iteration + 1 === total) {
            this.env.onStage?.(`LRsI (GradInit) ${step.iteration + 1}/${total}: ||g|| ${step.gradNorm.toPrecision(3)}, ${step.objective}`);
          }
        },
      );
      this.report.gradinit = result.steps.map(({ objective, gradNorm }) => ({ objective, gradNorm }));
      this.report.gradinitForm = form;
      return result.scales;
    } finally {
      this.activations.forEach((layer, i) => (layer.activation = previous[i]!));
      twin?.destroy();
    }
  }
}

/** The recipe's parts by name, as recipePreset and parseRecipeName accept them. */
export const RECIPE_PARTS = ['soft', 'released-soft', 'skip', 'released-skip', 'lrsi', 'lrsi-sqrt', 'released-lrsi', 'ls'] as const;
/** Recipe names recipePreset accepts alone: none, all, released, or one part. */
export const RECIPE_PRESETS = ['none', 'all', 'released', ...RECIPE_PARTS] as const;
/** One of RECIPE_PRESETS. */
export type RecipePreset = (typeof RECIPE_PRESETS)[number];

/**
 * A recipe by name: 'none', 'all', one part, or parts joined by '+' (e.g. 'soft+lrsi+ls').
 * Throws a RangeError naming the allowed names otherwise.
 */
export function parseRecipeName(name: string): readonly (typeof RECIPE_PARTS)[number][] | 'none' | 'all' | 'released' {
  if (name === 'none' || name === 'all' || name === 'released') return name;
  const parts = String(name).split('+');
  const allowed = `none, all, released, or parts from ${RECIPE_PARTS.join(', ')} joined by '+'`;
  for (const part of parts) if (!(RECIPE_PARTS as readonly string[]).includes(part)) throw new RangeError(`recipe must be ${allowed}, got '${name}' ('${part}')`);
  if (new Set(parts).size !== parts.length) throw new RangeError(`recipe '${name}' names a part twice`);
  for (const forms of [['lrsi', 'lrsi-sqrt', 'released-lrsi'], ['skip', 'released-skip'], ['soft', 'released-soft']]) {
    const given = forms.filter((f) => parts.includes(f));
    if (given.length > 1) throw new RangeError(`recipe '${name}': ${given.join(' and ')} are ${given.length === 2 ? 'two ' : ''}forms of one part; choose one`);
  }
  return parts as (typeof RECIPE_PARTS)[number][];
}

/**
 * The runner's named recipes over a run of totalSteps. Parts: soft (ghost soft neurons, swish,
 * cosine, first 30% of steps), skip (the paper text's ghost skips, fading over the first 30%, then
 * removed), released-skip (CNNs: the released code's 1x1 convolutions beside each sparse conv,
 * starting at 1e-4, kept all run, folded into the convs at the end), lrsi (learned, GradInit with
 * its defaults; on a CNN first order), lrsi-sqrt (the closed form 1/sqrt(density)), ls (label
 * smoothing 0.1, α/(C−1)); the released code's forms: released-soft (swish instead of relu for the
 * whole run), released-skip (beside convolutions as above; beside linear layers a dense projection
 * from 1e-4, kept), released-lrsi (GradInit on the dense twin, first order, biases scaled too,
 * objective / eta, per-scale clipping). 'all' is the paper text's recipe: soft (only with relu,
 * which it returns to), skip, lrsi and ls; 'released' the released code's: released-soft (only with
 * relu), released-skip, released-lrsi and ls; 'none' is no recipe; 'soft+lrsi+ls',
 * 'released-skip+lrsi+ls' and the like combine parts.
 */
export function recipePreset(name: string, activation: Activation, totalSteps: number): RecipeSpec | undefined {
  const early = Math.max(1, Math.round(0.3 * totalSteps));
  const specs: Record<(typeof RECIPE_PARTS)[number], RecipeSpec> = {
    soft: { softNeurons: { activation: 'swish', steps: early, ramp: 'cosine' } },
    skip: { ghostSkips: { steps: early } },
    'released-soft': { softActivation: { activation: 'swish' } },
    'released-skip': { releasedSkips: {} },
    lrsi: { lrsi: 'gradinit' },
    'lrsi-sqrt': { lrsi: 'sqrt-density' },
    'released-lrsi': { lrsi: 'released' },
    ls: { labelSmoothing: { alpha: 0.1 } },
  };
  const parsed = parseRecipeName(name);
  if (parsed === 'none') return undefined;
  const relu = resolveActivation(activation).name === 'relu';
  const presets = { all: ['soft', 'skip', 'lrsi', 'ls'], released: ['released-soft', 'released-skip', 'released-lrsi', 'ls'] } as const;
  const parts = parsed === 'all' || parsed === 'released' ? presets[parsed].filter((p) => relu || (p !== 'soft' && p !== 'released-soft')) : parsed;
  return checkRecipe(Object.assign({}, ...parts.map((p) => specs[p])) as RecipeSpec, activation);
}
