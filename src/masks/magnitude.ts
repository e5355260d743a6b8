/** One-shot magnitude pruning ("OMP"): keep the largest |w| of the dense init. */
import { denseInit } from './dense-init.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { pruneDense, scoresOf } from './prune.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult } from './types.js';

/**
 * Method 'magnitude': keeps the largest |w| of the dense initialisation at the target density (global by default).
 * @throws RangeError or TypeError naming the option when out of range
 */
export function magnitudeMasks(network: MaskNetwork, opts: CommonMaskOptions): MaskResult {
  const common = readCommon(network, opts, 'global');
  const dense = denseInit(common.network, common.gain, common.seed, common.weights);
  return pruneDense('magnitude', common, dense, scoresOf(dense, (l, i) => Math.abs(dense[l]!.values[i]!)));
}
