/**
 * Learned layer-wise re-scaled initialisation (LRsI), GradInit-style (Zhu et al. 2021, as the
 * any-mask paper uses it): one scalar s_l per weight tensor, starting at 1; the network uses
 * s_l·W_l, so every zero stays zero and the mask is kept. Each iteration takes two batches B1, B2
 * and g = ∇L_B1(s·W):
 * - if ||g|| > gamma the objective is ||g|| (tame the first step);
 * - otherwise it is L_B2(θ'), θ' = s·W − eta·g/||g||, the loss after a virtual normalised SGD step.
 * With H the Hessian of L_B1 at s·W and <·,·>_l the dot product over layer l's stored weights:
 *   d||g||/ds_l    = <H g, W>_l / ||g||
 *   dL_B2(θ')/ds_l = <∇' − (eta/||g||)·H u, W>_l,  ∇' = ∇L_B2(θ'),  u = ∇' − ĝ(ĝ·∇'),  ĝ = g/||g||
 * (H symmetric turns "H applied along W_l" into one product H·v for all layers at once). That is
 * the exact gradient, virtualStep 'differentiated'. With virtualStep 'detached' the step g/||g|| is
 * held constant, as the any-mask code does (it subtracts the step's data): dL_B2(θ')/ds_l =
 * <∇', W>_l, first order, no Hessian on that branch. So an iteration costs one or two gradient
 * passes (a GradientSource: GPU or CPU) and at most one Hessian-vector product (the MLP sources:
 * Pearlmutter's R-operator in float64; a model in place: a central difference, model-gradients.ts).
 * The scales take an Adam step (lr 1e-2) on that gradient clipped to norm `clip` (or, with clipPer
 * 'scalar', each entry to [−clip, clip], as the released code clips), then are held at or above
 * `minScale`. With divideByEta the loss-after-step objective is L_B2(θ')/eta (the released code's).
 * Biases are held fixed (the sources' gradients are the weights'), and the loss is plain
 * cross-entropy (no label smoothing): the scales are for the network as initialised.
 */
import { adamStepRef } from '../train/optimizer-reference.js';
import { checkNumberInRange, checkPositiveInt } from '../validate.js';
import { summedGradients } from '../masks/gradients.js';
import type { Batch, GradientSource, WeightsLike } from '../masks/types.js';

/** How GradInit differentiates through its virtual step (see VirtualStep). */
export const VIRTUAL_STEPS = ['differentiated', 'detached'] as const;
/** How the loss after the virtual step depends on the scales: through the step too (exact), or with the step held (first order). */
export type VirtualStep = (typeof VIRTUAL_STEPS)[number];

/** GradInit's options: iterations, learning rates, the gradient-norm bound and its virtual step. */
export interface GradInitOptions {
  /** Adam steps on the scales; default 180 */
  iterations?: number;
  /** Adam learning rate for the scales; default 1e-2 */
  lr?: number;
  /** the virtual step's length ||θ' − s·W||; default 0.1 */
  eta?: number;
  /** above this gradient norm the objective is the norm itself; default 1 */
  gamma?: number;
  /** scales are held at or above it; default 0.01 */
  minScale?: number;
  /** the scales' gradient is clipped to this norm; default 1 */
  clip?: number;
  /** default 'differentiated' (the recipe uses 'detached' where Hessian-vector products are not exact: CNNs) */
  virtualStep?: VirtualStep;
  /** 'norm' (default): the gradient is clipped to norm `clip`; 'scalar': each entry to [−clip, clip] */
  clipPer?: ClipPer;
  /** the loss-after-step objective divided by eta; default false */
  divideByEta?: boolean;
}

/** How GradInit clips its scales' gradient (see ClipPer). */
export const CLIP_PER = ['norm', 'scalar'] as const;
/** How GradInit clips its scales' gradient: as a vector, or entry by entry. */
export type ClipPer = (typeof CLIP_PER)[number];

/** Which objective a GradInit iteration minimised: the loss after the virtual step, or the gradient norm. */
export type GradInitObjective = 'loss-after-step' | 'gradient-norm';

/** One GradInit iteration: its objective, the gradient norm before it and the scales after it. */
export interface GradInitStep {
  iteration: number;
  objective: GradInitObjective;
  /** ||∇L_B1|| at the scales before this iteration's update */
  gradNorm: number;
  /** the scales after this iteration's update */
  scales: number[];
}

/** GradInit's learned scales (one per weight tensor) and its iterations. */
export interface GradInitResult {
  /** one per weight tensor */
  scales: number[];
  steps: GradInitStep[];
}

/** Gives a GradientSource over exactly one batch (the source's architecture: activation, biases). */
export type SourceForBatch = (batch: Batch) => GradientSource;

export function checkGradInitOptions(opts: GradInitOptions, what = 'gradinit'): Required<GradInitOptions> {
  return {
    iterations: checkPositiveInt(`${what}.iterations`, opts.iterations ?? 180),
    lr: checkNumberInRange(`${what}.lr`, opts.lr ?? 1e-2, 0, Number.MAX_VALUE, true),
    eta: checkNumberInRange(`${what}.eta`, opts.eta ?? 0.1, 0, Number.MAX_VALUE, true),
    gamma: checkNumberInRange(`${what}.gamma`, opts.gamma ?? 1, 0, Number.MAX_VALUE, true),
    minScale: checkNumberInRange(`${what}.minScale`, opts.minScale ?? 0.01, 0, Number.MAX_VALUE, true),
    clip: checkNumberInRange(`${what}.clip`, opts.clip ?? 1, 0, Number.MAX_VALUE, true),
    virtualStep: checkVirtualStep(`${what}.virtualStep`, opts.virtualStep),
    clipPer: checkClipPer(`${what}.clipPer`, opts.clipPer),
    divideByEta: checkBoolean(`${what}.divideByEta`, opts.divideByEta),
  };
}

function checkClipPer(name: string, value: unknown): ClipPer {
  if (value === undefined) return 'norm';
  if (!(CLIP_PER as readonly unknown[]).includes(value)) throw new RangeError(`${name} must be one of ${CLIP_PER.join(', ')}, got ${String(value)}`);
  return value as ClipPer;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
  return value;
}

function checkVirtualStep(name: string, value: unknown): VirtualStep {
  if (value === undefined) return 'differentiated';
  if (!(VIRTUAL_STEPS as readonly unknown[]).includes(value)) throw new RangeError(`${name} must be one of ${VIRTUAL_STEPS.join(', ')}, got ${String(value)}`);
  return value as VirtualStep;
}

function scaled(weights: readonly WeightsLike[], scales: readonly number[]): WeightsLike[] {
  return weights.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v) => v * scales[l]!) }));
}

function dot(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  let sum = 0;
  a.forEach((x, l) => {
    for (let i = 0; i < x.length; i++) sum += x[i]! * b[l]![i]!;
  });
  return sum;
}

/** <v, W>_l for every layer: the derivative along s_l of anything whose gradient in s·W is v. */
function perLayerDot(v: readonly ArrayLike<number>[], weights: readonly WeightsLike[]): number[] {
  return weights.map((w, l) => dot([v[l]!], [w.values]));
}

/**
 * The GradInit objective's branch at these scales and its gradient in the scales (one entry per
 * layer; exact for virtualStep 'differentiated', the step held for 'detached'). `first` gives g
 * and H; `second` is the batch the loss after the virtual step is measured on.
 */
export async function gradInitGradient(
  weights: readonly WeightsLike[],
  scales: readonly number[],
  first: GradientSource,
  second: GradientSource,
  opts: Pick<GradInitOptions, 'eta' | 'gamma' | 'virtualStep' | 'divideByEta'> = {},
): Promise<{ objective: GradInitObjective; gradNorm: number; gradient: number[] }> {
  const { eta, gamma, virtualStep, divideByEta } = checkGradInitOptions(opts);
  const per = divideByEta ? 1 / eta : 1;
  const at = scaled(weights, scales);
  const g = await summedGradients(first, at);
  const gradNorm = Math.sqrt(dot(g, g));
  if (gradNorm === 0) return { objective: 'loss-after-step', gradNorm, gradient: weights.map(() => 0) };
  if (gradNorm > gamma) {
    const hg = await first.hessianVector(at, g, 1);
    return { objective: 'gradient-norm', gradNorm, gradient: perLayerDot(hg, weights).map((x) => x / gradNorm) };
  }
  const stepped = at.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v, i) => v - (eta * g[l]![i]!) / gradNorm) }));
  const after = await summedGradients(second, stepped);
  if (virtualStep === 'detached') return { objective: 'loss-after-step', gradNorm, gradient: perLayerDot(after, weights).map((x) => x * per) };
  const along = dot(g, after) / gradNorm;
  const u = after.map((a, l) => a.map((x, i) => x - (along * g[l]![i]!) / gradNorm));
  const hu = await first.hessianVector(at, u, 1);
  const total = after.map((a, l) => a.map((x, i) => x - (eta / gradNorm) * hu[l]![i]!));
  return { objective: 'loss-after-step', gradNorm, gradient: perLayerDot(total, weights).map((x) => x * per) };
}

/**
 * Learns the per-layer scales; `batchPair(i)` gives iteration i's B1 and B2. Returns the scales
 * (multiply each layer's stored values by its scale) and every iteration's record.
 */
export async function gradInitScales(
  weights: readonly WeightsLike[],
  batchPair: (iteration: number) => readonly [Batch, Batch],
  sourceFor: SourceForBatch,
  opts: GradInitOptions = {},
  onStep?: (step: GradInitStep, iterations: number) => void,
): Promise<GradInitResult> {
  const o = checkGradInitOptions(opts);
  const scales = new Float64Array(weights.length).fill(1);
  const m = new Float64Array(weights.length);
  const v = new Float64Array(weights.length);
  const steps: GradInitStep[] = [];
  for (let iteration = 0; iteration < o.iterations; iteration++) {
    const [b1, b2] = batchPair(iteration);
    const { objective, gradNorm, gradient } = await gradInitGradient(weights, Array.from(scales), sourceFor(b1), sourceFor(b2), o);
    const norm = Math.sqrt(gradient.reduce((a, x) => a + x * x, 0));
    const clipped = o.clipPer === 'scalar' ? gradient.map((x) => Math.max(-o.clip, Math.min(o.clip, x))) : norm > o.clip ? gradient.map((x) => (x * o.clip) / norm) : gradient;
    adamStepRef(scales, clipped, m, v, { lr: o.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, step: iteration + 1 });
    scales.forEach((s, l) => (scales[l] = Math.max(s, o.minScale)));
    const step = { iteration, objective, gradNorm, scales: Array.from(scales) };
    steps.push(step);
    onStep?.(step, o.iterations);
  }
  return { scales: Array.from(scales), steps };
}
