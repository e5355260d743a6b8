/**
 * Random masks: uniform positions inside each layer at its target density (uniform or ERK per-layer
 * densities, or explicit ones), or with 'global' uniform positions over the whole network. Values
 * by default ('rescaled-gaussian') are initWeights' 'random' sparse Gaussian: N(0, gain² / fan-in)
 * with each row's own sparse fan-in (a filter's row is one output channel's taps). The other
 * weight kinds keep the same positions and take the dense starting point's values there
 * (dense-init.ts): 'masked-orthogonal' is the EOI paper's uniform / ERK baseline, mask ⊙ Q (for a
 * convolution mask ⊙ delta-orthogonal: at uniform densities the CNN init 'masked-delta-orthogonal').
 */
import { initWeights } from '../nn/init.js';
import { denseInit, maskedWeights } from './dense-init.js';
import { streamSeed } from '../eoi/conv.js';
import { Rng } from '../random.js';
import { sampleSortedPositions } from '../sparse/structure.js';
import type { CsrStructure } from '../sparse/csr.js';
import { layerSeed } from '../nn/mlp.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import { layerSizes } from './shapes.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult } from './types.js';

/**
 * Method 'random': uniformly random masks at each layer's density, Gaussian weights scaled to each row's sparse fan-in.
 * @throws RangeError or TypeError naming the option when out of range
 */
export function randomMasks(network: MaskNetwork, opts: CommonMaskOptions): MaskResult {
  const common = readCommon(network, opts, 'uniform', 'rescaled-gaussian');
  const { targets, seed, gain } = common;
  const sizes = layerSizes(common.network.dims);
  const densities = targets.layers ?? globalLayerDensities(sizes, targets.density, seed);
  // For a convolution this is initConvFilter's 'random' filter (the same call, the same seed).
  const rescaled = common.weights === 'rescaled-gaussian';
  // Masks over a dense starting point draw their positions from a second stream of the layer's
  // seed, apart from the one its dense values come from (as initConvFilter's masked-delta-orthogonal).
  const sparse = common.network.matrices.map(([rows, cols], l) => {
    const layer = layerSeed(seed, l);
    return initWeights({ rows, cols, density: densities[l]!, init: 'random', gain, seed: rescaled ? layer : streamSeed(layer) });
  });
  const weights = rescaled ? sparse : maskedWeights(denseInit(common.network, gain, seed, common.weights), sparse.map(positionMask));
  return { weights, report: maskReport('random', weights, targets, common.weights) };
}

/** The row-major 0/1 mask of a CSR pattern. */
function positionMask(w: CsrStructure): Uint8Array {
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) mask[r * w.cols + w.colIdx[t]!] = 1;
  return mask;
}

/**
 * Per-layer densities of a uniform draw of round(d·total) positions over all weights: the draw fixes
 * how many land in each layer; where they lie inside a layer is uniform given that count, which is
 * what initWeights then draws.
 */
function globalLayerDensities(sizes: readonly number[], density: number, seed: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const positions = sampleSortedPositions(new Rng(seed), total, Math.round(density * total));
  const counts = sizes.map(() => 0);
  let layer = 0;
  let end = sizes[0]!;
  for (const p of positions) {
    while (p >= end) end += sizes[++layer]!;
    counts[layer]!++;
  }
  return counts.map((c, l) => c / sizes[l]!);
}
