/**
 * EOI as a mask generator: exact orthogonal sparse layers (src/eoi) at per-layer densities, either
 * those of a distribution ('eoi') or those another method produced ("EOI on top of X",
 * X's nnz / size per layer, then EOI's own mask and weights). A CNN's
 * convolutions get EOI conv filters (eoiConv through initConvFilter 'eoi': EOI at the centre tap,
 * the mask topped up with trainable zeros to round(d·numel) taps), so on top of X each filter keeps
 * X's tap count exactly.
 */
import { eoi } from '../eoi/eoi.js';
import { initConvFilter } from '../nn/conv-init.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { checkSeed } from '../validate.js';
import { perLayerTargets, type Targets } from './budget.js';
import { layerSeed } from '../nn/mlp.js';
import { type MaskNetwork, type ResolvedNetwork, resolveNetwork } from './network.js';
import { type CommonMaskOptions, readCommon, readGain } from './options.js';
import { maskReport } from './report.js';
import type { MaskResult } from './types.js';

/**
 * EOI at each layer's density. EOI cannot go below 1/max(rows, cols) (its start, a partial
 * identity; for a filter 1/max(cOut, cIn), the centre's); a lower density, which another method's
 * layer can have (even 0 after global pruning), is raised to that floor and listed in `notes`.
 */
function eoiLayers(network: ResolvedNetwork, densities: readonly number[], seed: number, gain: number): { weights: CsrMatrix[]; notes: string[] } {
  const notes: string[] = [];
  const weights = network.dims.map((dims, l) => {
    const [rows, cols, kh, kw] = dims as [number, number, number?, number?];
    const longest = Math.max(rows, cols);
    let density = densities[l]!;
    if (density < 1 / longest) {
      notes.push(`layer ${l} (${dims.join(' x ')}): density ${density} raised to EOI's lowest, 1/${longest}`);
      density = 1 / longest;
    }
    if (kh !== undefined) return initConvFilter({ cOut: rows, cIn: cols, kh, kw: kw!, density, init: 'eoi', gain, seed: layerSeed(seed, l) });
    const { rotations: _r, rounds: _n, ...w } = eoi(rows, cols, { density, seed: layerSeed(seed, l), gain });
    return w;
  });
  return { weights, notes };
}

function eoiResult(method: string, network: ResolvedNetwork, targets: Targets, densities: readonly number[], seed: number, gain: number): MaskResult {
  const { weights, notes } = eoiLayers(network, densities, seed, gain);
  return { weights, report: maskReport(method, weights, targets, 'eoi', notes.length ? { notes } : {}) };
}

/**
 * Method 'eoi': EOI weights (exactly orthogonal, sparse) at each layer's density from the
 * distribution (default uniform) for an MLP's linear layers or a CNN's filters.
 * @throws RangeError naming the option when a density is below EOI's lowest for a layer
 */
export function eoiMasks(network: MaskNetwork, opts: CommonMaskOptions): MaskResult {
  const common = readCommon(network, opts, 'uniform');
  return eoiResult('eoi', common.network, common.targets, perLayerTargets(common.targets, 'eoi'), common.seed, common.gain);
}

/**
 * EOI at the per-layer densities (nnz / size) of `source`'s weights; its targets are reported.
 * `network`: what the weights are (a CNN's filters need it); default the MLP of their shapes.
 */
export function eoiOnTop(source: MaskResult, opts: { seed?: number; gain?: number; network?: MaskNetwork } = {}): MaskResult {
  const network = resolveNetwork(opts.network ?? source.weights.map((w) => [w.rows, w.cols] as const));
  if (source.weights.length !== network.matrices.length) throw new RangeError(`source.weights must hold the network's ${network.matrices.length} layers, got ${source.weights.length}`);
  source.weights.forEach((w, l) => {
    const [rows, cols] = network.matrices[l]!;
    if (w.rows !== rows || w.cols !== cols) throw new RangeError(`source.weights[${l}] must be ${rows} x ${cols} (the network's layer ${l}), got ${w.rows} x ${w.cols}`);
  });
  const densities = source.weights.map((w) => w.colIdx.length / (w.rows * w.cols));
  const targets: Targets = { distribution: source.report.distribution, density: source.report.targetDensity };
  return eoiResult(`${source.report.method}+eoi`, network, targets, densities, checkSeed(opts.seed), readGain(opts.gain));
}
