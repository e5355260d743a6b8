/**
 * The dense starting point of every pruning method (magnitude, lottery, SNIP, GraSP, SynFlow,
 * Taylor): each layer N(0, gain² / fan-in) at density 1 (initWeights 'gaussian'; a convolution's
 * fan-in is cIn·kh·kw, which makes it initConvFilter's 'gaussian' filter), stored as CSR with
 * every weight, so its values are the row-major matrix and score arrays align with them. Pruned
 * masks keep these values: a pruning-at-init method keeps the weights it scored.
 */
import { initWeights } from '../nn/init.js';
import { layerSeed } from '../nn/mlp.js';
import { type CsrMatrix, csrFromMask } from '../sparse/csr.js';
import type { MlpShape } from './types.js';

/** `matrices`: each layer's CSR shape (ResolvedNetwork.matrices; an MLP's shapes are their own). */
export function denseInit(matrices: readonly MlpShape[], gain: number, seed: number): CsrMatrix[] {
  return matrices.map(([rows, cols], l) => initWeights({ rows, cols, density: 1, init: 'gaussian', gain, seed: layerSeed(seed, l) }));
}

/** Each dense layer's values where its mask is 1. */
export function maskedWeights(dense: readonly CsrMatrix[], masks: readonly Uint8Array[]): CsrMatrix[] {
  return dense.map((w, l) => csrFromMask(masks[l]!, w.rows, w.cols, w.values));
}

