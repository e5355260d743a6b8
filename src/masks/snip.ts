/**
 * SNIP (Lee et al. 2019): connection sensitivity |dL/dm| at m = 1, which is |w ⊙ g| with g the
 * loss gradient at the dense init, here accumulated over the source's batches before the absolute
 * value: score = |w ⊙ Σ_b g_b|. Taylor (taylor.ts) differs in taking |·| per batch and in scoring
 * trained weights.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { denseInit } from './dense-init.js';
import { type DataScoreOptions, requireGradients, summedGradients } from './gradients.js';
import { readCommon } from './options.js';
import { pruneDense, scoresOf } from './prune.js';
import type { MaskNetwork } from './network.js';
import type { GradientSource, MaskResult } from './types.js';

/** |w ⊙ Σ_b g_b| per layer, aligned with each layer's values. */
export async function snipScores(weights: readonly CsrMatrix[], gradients: GradientSource): Promise<Float64Array[]> {
  const g = await summedGradients(gradients, weights);
  return weights.map((w, l) => g[l]!.map((gi, i) => Math.abs(gi * w.values[i]!)));
}

/** The one batch of 'snip-128', SNIP as both papers' code runs it. */
export const SNIP_CODE_BATCH = 128;

/**
 * Method 'snip': keeps the weights with the highest |w ⊙ g| (g the loss gradient over the source's batches).
 * @throws RangeError or TypeError naming the option when out of range
 */
export async function snipMasks(network: MaskNetwork, opts: DataScoreOptions): Promise<MaskResult> {
  return snipOn('snip', network, opts);
}

/**
 * 'snip-128': SNIP on one batch of 128 examples, as the papers' code scores it. The gradient
 * source must hold exactly one batch (runTraining draws one of SNIP_CODE_BATCH for it).
 */
export async function snip128Masks(network: MaskNetwork, opts: DataScoreOptions): Promise<MaskResult> {
  const gradients = requireGradients(opts, 'snip-128');
  if (gradients.batches !== 1) throw new RangeError(`gradients must hold exactly one batch (of ${SNIP_CODE_BATCH} examples) for snip-128, got ${gradients.batches}`);
  return snipOn('snip-128', network, opts);
}

async function snipOn(method: string, network: MaskNetwork, opts: DataScoreOptions): Promise<MaskResult> {
  const common = readCommon(network, opts, 'global');
  const gradients = requireGradients(opts, method);
  const dense = denseInit(common.network, common.gain, common.seed, common.weights);
  const scores = await snipScores(dense, gradients);
  return pruneDense(method, common, dense, scoresOf(dense, (l, i) => scores[l]![i]!));
}
