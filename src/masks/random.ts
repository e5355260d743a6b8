/**
 * Random masks: uniform positions inside each layer at its target density (uniform or ERK per-layer
 * densities, or explicit ones), or with 'global' uniform positions over the whole network. Values
 * are initWeights' 'random' sparse Gaussian: N(0, gain² / fan-in) with each row's own sparse fan-in
(a filter's row is one output channel's taps).
 */
import { initWeights } from '../nn/init.js';
import { Rng } from '../random.js';
import { sampleSortedPositions } from '../sparse/structure.js';
import { layerSeed } from '../nn/mlp.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import { layerSizes } from './shapes.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult } from './types.js';

export function randomMasks(network: MaskNetwork, opts: CommonMaskOptions): MaskResult {
  const common = readCommon(network, opts, 'uniform');
  const { targets, seed, gain } = common;
  const sizes = layerSizes(common.network.dims);
  const densities = targets.layers ?? globalLayerDensities(sizes, targets.density, seed);
  // For a convolution this is initConvFilter's 'random' filter (the same call, the same seed).
  const weights = common.network.matrices.map(([rows, cols], l) => initWeights({ rows, cols, density: densities[l]!, init: 'random', gain, seed: layerSeed(seed, l) }));
  return { weights, report: maskReport('random', weights, targets) };
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
