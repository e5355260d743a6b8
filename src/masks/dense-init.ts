/**
 * The weights a mask is applied to. Every pruning method (magnitude, lottery, SNIP, GraSP, SynFlow,
 * Taylor) scores a dense starting point and keeps its values where the mask is 1; random masks
 * take their values from one too. Which starting point, and whether the kept values are rescaled,
 * is the mask's weight kind (MaskWeights):
 * - 'masked-gaussian': each layer N(0, gain² / fan-in) at density 1 (initWeights 'gaussian'; a
 *   convolution's fan-in is cIn·kh·kw), the kept values unchanged;
 * - 'rescaled-gaussian': the same, each row's kept values then scaled by sqrt(fan-in / kept in the
 *   row), so they are N(0, gain² / sparse fan-in), as initWeights 'random' draws them;
 * - 'masked-orthogonal': W = mask ⊙ Q with Q dense Haar orthogonal times the gain (a convolution:
 *   the delta-orthogonal kernel, Q at the centre tap), no rescaling: the EOI paper's baselines.
 * Dense layers are CSR with every weight stored, so score arrays align with their values.
 */
import { initConvFilter } from '../nn/conv-init.js';
import { initWeights } from '../nn/init.js';
import { layerSeed } from '../nn/mlp.js';
import { type CsrMatrix, csrFromMask } from '../sparse/csr.js';
import type { ResolvedNetwork } from './network.js';
import type { MlpShape } from './types.js';

/** The weight kinds a mask can be applied to, by name. */
export const MASK_WEIGHTS = ['masked-orthogonal', 'masked-gaussian', 'rescaled-gaussian'] as const;
/** How a mask's stored weights are valued (see the file comment). */
export type MaskWeights = (typeof MASK_WEIGHTS)[number];

/** A weight kind, or `fallback` when undefined; a RangeError naming the kinds otherwise. */
export function readMaskWeights(weights: unknown, fallback: MaskWeights): MaskWeights {
  if (weights === undefined) return fallback;
  if (!(MASK_WEIGHTS as readonly unknown[]).includes(weights)) throw new RangeError(`weights must be one of ${MASK_WEIGHTS.join(', ')}, got ${String(weights)}`);
  return weights as MaskWeights;
}

/**
 * Each layer's dense starting point for the weight kind (the Gaussian for both Gaussian kinds):
 * `network` a resolved network, or an MLP's [out, in] shapes.
 */
export function denseInit(network: ResolvedNetwork | readonly MlpShape[], gain: number, seed: number, weights: MaskWeights = 'masked-gaussian'): CsrMatrix[] {
  const { dims, matrices } = Array.isArray(network) ? { dims: network, matrices: network } : (network as ResolvedNetwork);
  return dims.map((dims, l) => {
    const [rows, cols] = matrices[l]!;
    const layer = layerSeed(seed, l);
    if (weights !== 'masked-orthogonal') return initWeights({ rows, cols, density: 1, init: 'gaussian', gain, seed: layer });
    if (dims.length === 4) return initConvFilter({ cOut: dims[0]!, cIn: dims[1]!, kh: dims[2]!, kw: dims[3]!, density: 1, init: 'delta-orthogonal', gain, seed: layer });
    return initWeights({ rows, cols, density: 1, init: 'orthogonal', gain, seed: layer });
  });
}

/** Each dense layer's values where its mask is 1, rescaled to the sparse fan-in for 'rescaled-gaussian'. */
export function maskedWeights(dense: readonly CsrMatrix[], masks: readonly Uint8Array[], weights: MaskWeights = 'masked-gaussian'): CsrMatrix[] {
  return dense.map((w, l) => {
    const kept = csrFromMask(masks[l]!, w.rows, w.cols, w.values);
    if (weights === 'rescaled-gaussian') {
      for (let r = 0; r < kept.rows; r++) {
        const start = kept.rowPtr[r]!;
        const end = kept.rowPtr[r + 1]!;
        const scale = Math.sqrt(w.cols / (end - start));
        for (let t = start; t < end; t++) kept.values[t]! *= scale;
      }
    }
    return kept;
  });
}
