/**
 * The "train better with any mask" recipe (reference/any-mask.md), each part switchable on its
 * own and scheduled by training step:
 * - ghost soft neurons: a ReLU network trains with (1 - l)·soft(x) + l·relu(x), l ramping 0 -> 1
 *   over `steps`; from then on the activation is plain relu again;
 * - ghost skips: every square sparse layer gets y = W x + b + alpha·x, alpha ramping 1 -> 0 over
 *   `steps`, after which the skips are removed from the model;
 * - LRsI, closed form: each sparse layer's weights scaled by 1/sqrt(its density) at the start;
 * - label smoothing: alpha, optionally decaying to 0 over `steps`.
 * After finish() the model holds no ghost: the architecture is the one that was built.
 */
import type { Context } from '../gpu/context.js';
import { ACTIVATIONS, type Activation, type ActivationName, resolveActivation } from '../kernels/activation.js';
import type { SmoothingConvention } from '../kernels/softmax-xent.js';
import { ActivationLayer } from '../nn/activation-layer.js';
import { GhostSkip } from '../nn/ghost-skip.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';
import type { Sequential } from '../nn/sequential.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { checkNumberInRange, checkPositiveInt } from '../validate.js';

export type Ramp = 'linear' | 'cosine';

export interface RecipeSpec {
  softNeurons?: { activation: ActivationName; steps: number; ramp?: Ramp };
  ghostSkips?: { steps: number; ramp?: Ramp };
  lrsi?: 'sqrt-density';
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
  if (spec.lrsi !== undefined && spec.lrsi !== 'sqrt-density') throw new RangeError(`recipe.lrsi must be 'sqrt-density', got ${String(spec.lrsi)}`);
  if (spec.labelSmoothing) {
    checkNumberInRange('recipe.labelSmoothing.alpha', spec.labelSmoothing.alpha, 0, 1);
    if (spec.labelSmoothing.steps !== undefined) checkPositiveInt('recipe.labelSmoothing.steps', spec.labelSmoothing.steps);
  }
  return spec;
}

/** Applies a recipe to a freshly built model; call beforeStep() before every step and finish() after training. */
export class RecipeRun {
  private readonly skips: GhostSkip[] = [];
  private readonly activations: ActivationLayer[];

  constructor(
    private readonly ctx: Context,
    private readonly model: Sequential,
    private readonly loss: SoftmaxCrossEntropy,
    private readonly spec: RecipeSpec,
  ) {
    this.activations = model.layers.filter((l): l is ActivationLayer => l instanceof ActivationLayer);
  }

  /** Start-of-training changes: LRsI scaling and the ghost skips. */
  async start(): Promise<void> {
    if (this.spec.lrsi) {
      for (const layer of this.model.layers) {
        if (!(layer instanceof SparseLinear)) continue;
        const scale = 1 / Math.sqrt(layer.density);
        await layer.writeWeight((await layer.readWeight()).values.map((v) => v * scale));
      }
    }
    if (this.spec.ghostSkips) {
      this.model.layers.forEach((layer, i) => {
        if (layer instanceof SparseLinear && layer.inFeatures === layer.outFeatures) {
          const skip = new GhostSkip(this.ctx, layer);
          this.skips.push(skip);
          this.model.layers[i] = skip;
        }
      });
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

  /** End of training: every ghost gone, the original activation back. */
  finish(): void {
    this.removeSkips();
    if (this.spec.softNeurons) for (const layer of this.activations) layer.activation = 'relu';
  }

  private removeSkips(): void {
    this.model.layers.forEach((layer, i) => {
      if (layer instanceof GhostSkip) this.model.layers[i] = layer.unwrap();
    });
    this.skips.length = 0;
  }
}

export const RECIPE_PRESETS = ['none', 'all', 'soft', 'skip', 'lrsi', 'ls'] as const;
export type RecipePreset = (typeof RECIPE_PRESETS)[number];

/**
 * The runner's named recipes over a run of totalSteps: soft (ghost soft neurons, swish, cosine,
 * first 30% of steps), skip (ghost skips fading over the first 30%), lrsi (1/sqrt(density)), ls
 * (label smoothing 0.1, α/(C−1)), all (every part that applies), none. In `all`, ghost soft
 * neurons come only with relu (they return to it), and LRsI only when `maskedDenseInit`: its
 * 1/sqrt(density) restores the variance a dense init loses to pruning, and would over-scale
 * weights already drawn for their sparse fan-in (random, EOI, SAO).
 */
export function recipePreset(name: RecipePreset, activation: Activation, totalSteps: number, maskedDenseInit = false): RecipeSpec | undefined {
  const early = Math.max(1, Math.round(0.3 * totalSteps));
  const parts: Record<Exclude<RecipePreset, 'none' | 'all'>, RecipeSpec> = {
    soft: { softNeurons: { activation: 'swish', steps: early, ramp: 'cosine' } },
    skip: { ghostSkips: { steps: early } },
    lrsi: { lrsi: 'sqrt-density' },
    ls: { labelSmoothing: { alpha: 0.1 } },
  };
  if (name === 'none') return undefined;
  if (name !== 'all') {
    if (!(name in parts)) throw new RangeError(`recipe must be one of ${RECIPE_PRESETS.join(', ')}, got ${String(name)}`);
    return checkRecipe(parts[name], activation);
  }
  const relu = resolveActivation(activation).name === 'relu';
  return { ...(relu ? parts.soft : {}), ...parts.skip, ...(maskedDenseInit ? parts.lrsi : {}), ...parts.ls };
}
