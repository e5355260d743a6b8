/**
 * First-order Taylor importance (Molchanov et al. 2019): score = Σ_b |w ⊙ g_b|, the loss change
 * from removing each weight, accumulated per batch. Where SNIP scores the dense init, Taylor is a
 * criterion for trained weights: with `train`, the dense network is trained first and scored
 * there (without it, at the init). Either way the kept weights start from their initial values,
 * so the mask is trained from scratch like every other one.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { denseInit } from './dense-init.js';
import { type DataScoreOptions, requireGradients } from './gradients.js';
import { readCommon } from './options.js';
import { pruneDense, scoresOf } from './prune.js';
import { checkTrained } from './train-check.js';
import type { MaskNetwork } from './network.js';
import type { GradientSource, MaskResult, TrainFn } from './types.js';

/** Options of taylorMasks: the data-score options plus an optional pre-training. */
export interface TaylorOptions extends DataScoreOptions {
  /** trains the dense network before scoring (e.g. gpuTrainer(ctx, …)); default: score at the init */
  train?: TrainFn;
}

/** Σ_b |w ⊙ g_b| per layer, aligned with each layer's values. */
export async function taylorScores(weights: readonly CsrMatrix[], gradients: GradientSource): Promise<Float64Array[]> {
  const sums = weights.map((w) => new Float64Array(w.values.length));
  await gradients.perBatch(weights, 1, (grads) => grads.forEach((g, l) => g.forEach((gi, i) => (sums[l]![i]! += Math.abs(gi * weights[l]!.values[i]!)))));
  return sums;
}

/**
 * Method 'taylor': keeps the weights with the highest first-order Taylor score |w·g|, optionally after training the dense network.
 * @throws RangeError or TypeError naming the option when out of range
 */
export async function taylorMasks(network: MaskNetwork, opts: TaylorOptions): Promise<MaskResult> {
  const common = readCommon(network, opts, 'global');
  const gradients = requireGradients(opts, 'taylor');
  const dense = denseInit(common.network, common.gain, common.seed, common.weights);
  let scored = dense;
  if (opts.train !== undefined) {
    if (typeof opts.train !== 'function') throw new TypeError(`train must be a TrainFn or left out, got ${String(opts.train)}`);
    const trained = await opts.train(dense, 0);
    checkTrained(trained, dense);
    scored = trained;
  }
  const scores = await taylorScores(scored, gradients);
  return pruneDense('taylor', common, dense, scoresOf(dense, (l, i) => scores[l]![i]!));
}
