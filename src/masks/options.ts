/** The options every generator shares, checked once. */
import { checkNumberInRange, checkSeed } from '../validate.js';
import { resolveTargets, type Targets } from './budget.js';
import { type MaskWeights, readMaskWeights } from './dense-init.js';
import { type MaskNetwork, type ResolvedNetwork, resolveNetwork } from './network.js';
import type { Distribution } from './types.js';

/** Options every mask method takes: density or distribution, seed and gain. */
export interface CommonMaskOptions {
  /** global density in (0, 1]; may be left out when `distribution` lists per-layer densities */
  density?: number;
  /** default: 'global' for score-based methods, 'uniform' for the others */
  distribution?: Distribution;
  /** integer in [0, 2^53); default 0 */
  seed?: number;
  /** sigma_w: the gain of the initial weights (dense Gaussian std × sqrt(fan-in), EOI/SAO gain, AI's g); default 1 */
  gain?: number;
  /**
   * the weights the mask is applied to (dense-init.ts): 'masked-orthogonal' (mask ⊙ dense
   * orthogonal, the EOI paper's baselines), 'masked-gaussian' or 'rescaled-gaussian' (to the
   * sparse fan-in); default 'rescaled-gaussian' for random masks, 'masked-gaussian' for the
   * pruning methods. EOI and SAO build their own weights and do not read it.
   */
  weights?: MaskWeights;
}

export interface CommonSettings {
  network: ResolvedNetwork;
  targets: Targets;
  seed: number;
  gain: number;
  weights: MaskWeights;
}

export function readCommon(network: MaskNetwork, opts: CommonMaskOptions | undefined, defaultDistribution: Distribution, defaultWeights: MaskWeights = 'masked-gaussian'): CommonSettings {
  const resolved = resolveNetwork(network);
  const o = opts ?? {};
  return {
    network: resolved,
    targets: resolveTargets(resolved.dims, o.density, o.distribution ?? defaultDistribution),
    seed: checkSeed(o.seed),
    gain: readGain(o.gain),
    weights: readMaskWeights(o.weights, defaultWeights),
  };
}

/** A gain > 0; default 1. */
export function readGain(gain: unknown): number {
  return gain === undefined ? 1 : checkNumberInRange('gain', gain, 0, Number.MAX_VALUE, true);
}
