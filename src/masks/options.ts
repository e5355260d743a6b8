/** The options every generator shares, checked once. */
import { checkNumberInRange, checkSeed } from '../validate.js';
import { resolveTargets, type Targets } from './budget.js';
import { type MaskNetwork, type ResolvedNetwork, resolveNetwork } from './network.js';
import type { Distribution } from './types.js';

export interface CommonMaskOptions {
  /** global density in (0, 1]; may be left out when `distribution` lists per-layer densities */
  density?: number;
  /** default: 'global' for score-based methods, 'uniform' for the others */
  distribution?: Distribution;
  /** integer in [0, 2^53); default 0 */
  seed?: number;
  /** sigma_w: the gain of the initial weights (dense Gaussian std × sqrt(fan-in), EOI/SAO gain, AI's g); default 1 */
  gain?: number;
}

export interface CommonSettings {
  network: ResolvedNetwork;
  targets: Targets;
  seed: number;
  gain: number;
}

export function readCommon(network: MaskNetwork, opts: CommonMaskOptions | undefined, defaultDistribution: Distribution): CommonSettings {
  const resolved = resolveNetwork(network);
  const o = opts ?? {};
  return {
    network: resolved,
    targets: resolveTargets(resolved.dims, o.density, o.distribution ?? defaultDistribution),
    seed: checkSeed(o.seed),
    gain: readGain(o.gain),
  };
}

/** A gain > 0; default 1. */
export function readGain(gain: unknown): number {
  return gain === undefined ? 1 : checkNumberInRange('gain', gain, 0, Number.MAX_VALUE, true);
}
