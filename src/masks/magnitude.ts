/** One-shot magnitude pruning ("OMP"): keep the largest |w| of the dense init. */
import { denseInit } from './dense-init.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { pruneDense, scoresOf } from './prune.js';
import type { MaskResult, MlpShape } from './types.js';

export function magnitudeMasks(shapes: readonly MlpShape[], opts: CommonMaskOptions): MaskResult {
  const common = readCommon(shapes, opts, 'global');
  const dense = denseInit(common.shapes, common.gain, common.seed);
  return pruneDense('magnitude', common, dense, scoresOf(dense, (l, i) => Math.abs(dense[l]!.values[i]!)));
}
