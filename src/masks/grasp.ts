/**
 * GraSP (Wang et al. 2020) as the any-mask paper runs it: logits divided by T (default 200),
 * g = Σ_b ∇_w L_b, score = w ⊙ (H g) with H the Hessian of Σ_b L_b in the weights (biases held),
 * and the mask keeps the highest w ⊙ Hg, i.e. removes the top of −w ⊙ Hg as GraSP's code does
 * (exactly `count` kept; ties to the lowest index).
 *
 * Hg, two ways:
 * - 'exact' (default): the source's hessianVector, Pearlmutter's R-operator in float64 on the CPU,
 *   which is what GraSP's double backprop computes (relu'' = 0 almost everywhere).
 * - 'finite-difference': Hg ≈ (g(w + εg) − g(w − εg)) / (2ε), two more gradient passes (on the GPU
 *   with gpuGradientSource), error O(ε²), ε = hessianStep · ||w|| / ||g|| so the step moves the
 *   weights by a fixed fraction of their norm whatever the gradient's scale (tiny at T = 200).
 *   Measured on a 196-128-128-128-10 MLP, 2 batches of 64, against the exact Hg: with tanh the
 *   top 10% of scores agreed to 99.98% at hessianStep 1e-3 (float32 GPU); with ReLU only 35-74% at
 *   any step from 1e-1 to 1e-5, because perturbed pre-activations cross the kink and a gradient
 *   jump divided by ε swamps the curvature. Use it for smooth activations only.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { checkNumberInRange } from '../validate.js';
import { denseInit } from './dense-init.js';
import { type DataScoreOptions, requireGradients, summedGradients } from './gradients.js';
import { readCommon } from './options.js';
import { pruneDense, scoresOf } from './prune.js';
import type { MaskNetwork } from './network.js';
import type { GradientSource, MaskResult, WeightsLike } from './types.js';

/** How GraSP gets H·g: 'exact' (the source's hessianVector) or 'finite-difference' (two gradient passes). */
export const GRASP_HESSIAN_METHODS = ['exact', 'finite-difference'] as const;

/** GraSP's own settings: the logits' temperature and how H·g is computed. */
export interface GraspSettings {
  /** logits are divided by it; default 200 */
  temperature?: number;
  /** how Hg is computed; default 'exact' */
  hessian?: (typeof GRASP_HESSIAN_METHODS)[number];
  /** 'finite-difference' only: ||εg|| / ||w||; default 1e-3 */
  hessianStep?: number;
}

/** Options of graspMasks and graspV2Masks. */
export type GraspOptions = DataScoreOptions & GraspSettings;

/**
 * GraSP's scores −w ⊙ (H·g) per pruned weight (CSR order), H and g of the loss over the source's batches.
 * @throws RangeError naming temperature (> 0) or the hessian method when out of range
 */
export async function graspScores(weights: readonly CsrMatrix[], gradients: GradientSource, settings: GraspSettings = {}): Promise<Float64Array[]> {
  const temperature = checkNumberInRange('temperature', settings.temperature ?? 200, 0, Number.MAX_VALUE, true);
  const hessian = settings.hessian ?? 'exact';
  if (!GRASP_HESSIAN_METHODS.includes(hessian)) throw new RangeError(`hessian must be one of ${GRASP_HESSIAN_METHODS.join(', ')}, got ${String(hessian)}`);
  const step = checkNumberInRange('hessianStep', settings.hessianStep ?? 1e-3, 0, 1, true);
  const g = await summedGradients(gradients, weights, temperature);
  const hg = hessian === 'exact' ? await gradients.hessianVector(weights, g, temperature) : await finiteDifference(weights, g, gradients, temperature, step);
  return weights.map((w, l) => hg[l]!.map((h, i) => w.values[i]! * h));
}

/** H g by a central difference of gradients along g (zero when g is). */
async function finiteDifference(weights: readonly CsrMatrix[], g: readonly Float64Array[], gradients: GradientSource, temperature: number, step: number): Promise<Float64Array[]> {
  const gNorm = norm(g);
  if (gNorm === 0) return g.map((x) => x.slice());
  const eps = (step * norm(weights.map((w) => w.values))) / gNorm;
  const along = (sign: number): WeightsLike[] => weights.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v, i) => v + sign * eps * g[l]![i]!) }));
  const plus = await summedGradients(gradients, along(1), temperature);
  const minus = await summedGradients(gradients, along(-1), temperature);
  return plus.map((p, l) => p.map((v, i) => (v - minus[l]![i]!) / (2 * eps)));
}

/** Euclidean norm of all layers' entries together. */
function norm(layers: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (const a of layers) for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}

/**
 * Method 'grasp': keeps the weights with the highest GraSP scores at the target density.
 * @throws RangeError or TypeError naming the option when a density, the distribution or a setting is out of range
 */
export async function graspMasks(network: MaskNetwork, opts: GraspOptions): Promise<MaskResult> {
  return graspKeeping('grasp', 1, network, opts);
}

/**
 * 'grasp-v2', GraSP as the EOI paper's code runs it (its GraSP_v2): the same scores w ⊙ Hg
 * (T = 200, g and then Hg over the source's batches), but the mask keeps the *lowest* w ⊙ Hg.
 */
export async function graspV2Masks(network: MaskNetwork, opts: GraspOptions): Promise<MaskResult> {
  return graspKeeping('grasp-v2', -1, network, opts);
}

/** Keeps the budget's highest sign·(w ⊙ Hg). */
async function graspKeeping(method: string, sign: 1 | -1, network: MaskNetwork, opts: GraspOptions): Promise<MaskResult> {
  const common = readCommon(network, opts, 'global');
  const gradients = requireGradients(opts, method);
  const dense = denseInit(common.network, common.gain, common.seed, common.weights);
  const scores = await graspScores(dense, gradients, opts);
  return pruneDense(method, common, dense, scoresOf(dense, (l, i) => sign * scores[l]![i]!));
}
