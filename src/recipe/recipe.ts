/**
 * The "train better with any mask" recipe (reference/any-mask.md), each part switchable on its
 * own and scheduled by training step:
 * - ghost soft neurons: a ReLU network trains with (1 - l)·soft(x) + l·relu(x), l ramping 0 -> 1
 *   over `steps`; from then on the activation is plain relu again;
 * - ghost skips: every sparse layer gets y = W x + b + alpha·S x, S the identity for a square layer
 *   and a trained dense projection (Haar semi-orthogonal at the start, so it passes the signal's
 *   norm as the identity does) otherwise; alpha ramps 1 -> 0 over `steps`, then the skips and
 *   their projections are removed from the model;
 * - LRsI: each sparse layer's weights times a scale, learned GradInit-style ('gradinit', see
 *   gradinit.ts) or the closed form 1/sqrt(its density) ('sqrt-density');
 * - label smoothing: alpha, optionally decaying to 0 over `steps`.
 * After finish() the model holds no ghost: the architecture is the one that was built.
 */
import type { Context } from '../gpu/context.js';
import { haarOrthogonal } from '../nn/init.js';
import { ACTIVATIONS, type Activation, type ActivationName, resolveActivation } from '../kernels/activation.js';
import type { SmoothingConvention } from '../kernels/softmax-xent.js';
import { gpuGradientSource } from '../masks/gpu-gradients.js';
import { sampleBatches } from '../masks/gradients.js';
import { ActivationLayer } from '../nn/activation-layer.js';
import { GhostSkip } from '../nn/ghost-skip.js';
import { Linear } from '../nn/linear.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';
import type { Sequential } from '../nn/sequential.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { Rng } from '../random.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { createOptimizer, type OptimizerSpec } from '../train/optimizer-spec.js';
import type { Optimizer } from '../train/optimizers.js';
import type { Dataset } from '../train/trainer.js';
import { checkNumberInRange, checkPositiveInt, checkSeed } from '../validate.js';
import { checkGradInitOptions, type GradInitOptions, type GradInitResult, gradInitScales } from './gradinit.js';

export type Ramp = 'linear' | 'cosine';

export interface RecipeSpec {
  softNeurons?: { activation: ActivationName; steps: number; ramp?: Ramp };
  ghostSkips?: { steps: number; ramp?: Ramp };
  /** 'gradinit' (learned, default options) or { gradinit: options }, or the closed form 'sqrt-density' */
  lrsi?: 'sqrt-density' | 'gradinit' | { gradinit: GradInitOptions };
  labelSmoothing?: { alpha: number; smoothing?: SmoothingConvention; steps?: number; ramp?: Ramp };
}

/** Progress through a schedule of `steps` steps: 0 at step 0, exactly 1 from step `steps` on. */
export function ramp(step: number, steps: number, shape: Ramp = 'linear'): number {
  const t = Math.min(1, step / steps);
  return shape === 'cosine' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
}

export function checkRecipe(spec: RecipeSpec, activation: Activation): RecipeSpec {
  if (spec.softNeurons) {
    if (resolveActivation(activation).name !== 'relu') {
      throw new RangeError(`recipe.softNeurons returns to relu, so the model's activation must be relu (it is ${resolveActivation(activation).name})`);
    }
    if (!ACTIVATIONS.includes(spec.softNeurons.activation)) throw new RangeError(`recipe.softNeurons.activation must be one of ${ACTIVATIONS.join(', ')}, got ${spec.softNeurons.activation}`);
    checkPositiveInt('recipe.softNeurons.steps', spec.softNeurons.steps);
  }
  if (spec.ghostSkips) checkPositiveInt('recipe.ghostSkips.steps', spec.ghostSkips.steps);
  const { lrsi } = spec;
  if (typeof lrsi === 'object' && lrsi !== null && 'gradinit' in lrsi) checkGradInitOptions(lrsi.gradinit ?? {}, 'recipe.lrsi.gradinit');
  else if (lrsi !== undefined && lrsi !== 'sqrt-density' && lrsi !== 'gradinit') {
    throw new RangeError(`recipe.lrsi must be 'sqrt-density', 'gradinit' or { gradinit: options }, got ${JSON.stringify(lrsi)}`);
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
  /** the run's optimizer, also used (over the ghost-skip steps) for the ghost projections */
  optimizer: OptimizerSpec;
  /** GradInit draws its batches from it */
  train?: Dataset;
  batchSize?: number;
  /** progress of long start-up work (GradInit) */
  onStage?: (stage: string) => void;
}

/** What start() did that a report should show. */
export interface RecipeReport {
  /** the scale each sparse layer's weights were multiplied by (LRsI) */
  lrsiScales?: number[];
  /** GradInit's objective branch and gradient norm per iteration */
  gradinit?: Pick<GradInitResult['steps'][number], 'objective' | 'gradNorm'>[];
}

/** Applies a recipe to a freshly built model; call beforeStep() before and afterStep() after every step, finish() after training. */
export class RecipeRun {
  readonly report: RecipeReport = {};
  private readonly skips: GhostSkip[] = [];
  private readonly activations: ActivationLayer[];
  private ghostOptimizer: Optimizer | undefined;

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

  /** Start-of-training changes: LRsI scaling and the ghost skips. */
  async start(): Promise<void> {
    const sparse = this.model.layers.filter((l): l is SparseLinear => l instanceof SparseLinear);
    const { lrsi, ghostSkips } = this.spec;
    if (lrsi) {
      const weights: CsrMatrix[] = [];
      for (const layer of sparse) weights.push(await layer.readWeight());
      const scales = lrsi === 'sqrt-density' ? sparse.map((l) => 1 / Math.sqrt(l.density)) : await this.learnScales(weights, typeof lrsi === 'object' ? (lrsi.gradinit ?? {}) : {});
      for (const [l, layer] of sparse.entries()) await layer.writeWeight(weights[l]!.values.map((v) => v * scales[l]!));
      this.report.lrsiScales = scales;
    }
    if (ghostSkips) {
      this.model.layers.forEach((layer, i) => {
        if (!(layer instanceof SparseLinear)) return;
        const { inFeatures: cols, outFeatures: rows } = layer;
        const projection = rows === cols ? undefined : new Linear(this.ctx, cols, rows, { weight: haarOrthogonal(rows, cols, this.env.seed * 1009 + i) });
        const skip = new GhostSkip(this.ctx, layer, projection);
        this.skips.push(skip);
        this.model.layers[i] = skip;
      });
      const ghosts = this.skips.flatMap((s) => s.ghostParameters());
      if (ghosts.length > 0) this.ghostOptimizer = createOptimizer(this.ctx, ghosts, this.env.optimizer, ghostSkips.steps);
    }
  }

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

  /** After the model's optimizer step: the ghost projections' update, while they exist. */
  async afterStep(): Promise<void> {
    await this.ghostOptimizer?.step();
  }

  /** End of training: every ghost gone, the original activation back. */
  finish(): void {
    this.removeSkips();
    if (this.spec.softNeurons) for (const layer of this.activations) layer.activation = 'relu';
  }

  /** Frees what the recipe allocated (the ghosts), if finish() was not reached. */
  destroy(): void {
    this.removeSkips();
  }

  private removeSkips(): void {
    this.model.layers.forEach((layer, i) => {
      if (layer instanceof GhostSkip) this.model.layers[i] = layer.unwrap();
    });
    this.skips.length = 0;
    this.ghostOptimizer?.destroy();
    this.ghostOptimizer = undefined;
  }

  /**
   * GradInit over the plain MLP (no ghost skips) with the activation training starts with, on
   * batches drawn from the training set; gradients on the GPU, Hessian-vector products in float64.
   */
  private async learnScales(weights: readonly CsrMatrix[], opts: GradInitOptions): Promise<number[]> {
    const { train, batchSize } = this.env;
    if (!train || batchSize === undefined) throw new RangeError("recipe.lrsi 'gradinit' needs the training set and batch size (env.train, env.batchSize)");
    const layers = this.model.layers;
    const linear = layers.filter((_, i) => i % 2 === 0);
    if (!linear.every((l) => l instanceof SparseLinear) || !layers.every((l, i) => i % 2 === 0 || l instanceof ActivationLayer) || layers.length % 2 === 0) {
      throw new RangeError("recipe.lrsi 'gradinit' needs an MLP of sparse layers with an activation between each two (as buildMlp makes)");
    }
    const biases = await this.ctx.readAll((linear as SparseLinear[]).map((l) => l.bias));
    const { softNeurons } = this.spec;
    const activation: Activation = softNeurons ? { name: softNeurons.activation, blend: 0 } : this.activations[0]!.activation;
    const rng = new Rng(this.env.seed);
    const seeds = Array.from({ length: checkGradInitOptions(opts, 'recipe.lrsi.gradinit').iterations }, () => rng.nextUint32());
    const result = await gradInitScales(
      weights,
      (i) => sampleBatches(train, { batches: 2, batchSize, seed: seeds[i] }) as [Dataset, Dataset],
      (batch) => gpuGradientSource(this.ctx, { activation, batches: [batch], biases }),
      opts,
      (step, total) => {
        if ((step.iteration + 1) % 10 === 0 || step.iteration + 1 === total) {
          this.env.onStage?.(`LRsI (GradInit) ${step.iteration + 1}/${total}: ||g|| ${step.gradNorm.toPrecision(3)}, ${step.objective}`);
        }
      },
    );
    this.report.gradinit = result.steps.map(({ objective, gradNorm }) => ({ objective, gradNorm }));
    return result.scales;
  }
}

export const RECIPE_PARTS = ['soft', 'skip', 'lrsi', 'lrsi-sqrt', 'ls'] as const;
export const RECIPE_PRESETS = ['none', 'all', ...RECIPE_PARTS] as const;
export type RecipePreset = (typeof RECIPE_PRESETS)[number];

/**
 * A recipe by name: 'none', 'all', one part, or parts joined by '+' (e.g. 'soft+lrsi+ls').
 * Throws a RangeError naming the allowed names otherwise.
 */
export function parseRecipeName(name: string): readonly (typeof RECIPE_PARTS)[number][] | 'none' | 'all' {
  if (name === 'none' || name === 'all') return name;
  const parts = String(name).split('+');
  const allowed = `none, all, or parts from ${RECIPE_PARTS.join(', ')} joined by '+'`;
  for (const part of parts) if (!(RECIPE_PARTS as readonly string[]).includes(part)) throw new RangeError(`recipe must be ${allowed}, got '${name}' ('${part}')`);
  if (new Set(parts).size !== parts.length) throw new RangeError(`recipe '${name}' names a part twice`);
  if (parts.includes('lrsi') && parts.includes('lrsi-sqrt')) throw new RangeError(`recipe '${name}': lrsi and lrsi-sqrt are two forms of one part; choose one`);
  return parts as (typeof RECIPE_PARTS)[number][];
}

/**
 * The runner's named recipes over a run of totalSteps. Parts: soft (ghost soft neurons, swish,
 * cosine, first 30% of steps), skip (ghost skips fading over the first 30%), lrsi (learned,
 * GradInit with its defaults), lrsi-sqrt (the closed form 1/sqrt(density)), ls (label smoothing
 * 0.1, α/(C−1)). 'all' is the paper's recipe: soft (only with relu, which it returns to), skip,
 * lrsi and ls; 'none' is no recipe; 'soft+lrsi+ls' and the like combine parts.
 */
export function recipePreset(name: string, activation: Activation, totalSteps: number): RecipeSpec | undefined {
  const early = Math.max(1, Math.round(0.3 * totalSteps));
  const specs: Record<(typeof RECIPE_PARTS)[number], RecipeSpec> = {
    soft: { softNeurons: { activation: 'swish', steps: early, ramp: 'cosine' } },
    skip: { ghostSkips: { steps: early } },
    lrsi: { lrsi: 'gradinit' },
    'lrsi-sqrt': { lrsi: 'sqrt-density' },
    ls: { labelSmoothing: { alpha: 0.1 } },
  };
  const parsed = parseRecipeName(name);
  if (parsed === 'none') return undefined;
  const relu = resolveActivation(activation).name === 'relu';
  const parts = parsed === 'all' ? (['soft', 'skip', 'lrsi', 'ls'] as const).filter((p) => relu || p !== 'soft') : parsed;
  return checkRecipe(Object.assign({}, ...parts.map((p) => specs[p])) as RecipeSpec, activation);
}
