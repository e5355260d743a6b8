/**
 * EOI as a mask generator: exact orthogonal sparse layers (src/eoi) at per-layer densities, either
 * those of a distribution ('eoi') or those another method produced ("EOI on top of X",
 * reference/eoi.md: X's nnz / size per layer, then EOI's own mask and weights).
 */
import { eoi } from '../eoi/eoi.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { checkSeed } from '../validate.js';
import { perLayerTargets, type Targets } from './budget.js';
import { layerSeed } from '../nn/mlp.js';
import { type CommonMaskOptions, readCommon, readGain } from './options.js';
import { maskReport } from './report.js';
import { checkMlpShapes } from './shapes.js';
import type { MaskResult, MlpShape } from './types.js';

/**
 * EOI at each layer's density. EOI cannot go below 1/max(rows, cols) (its start, a partial
 * identity); a lower density, which another method's layer can have (even 0 after global
 * pruning), is raised to that floor and listed in `notes`.
 */
function eoiLayers(shapes: readonly MlpShape[], densities: readonly number[], seed: number, gain: number): { weights: CsrMatrix[]; notes: string[] } {
  const notes: string[] = [];
  const weights = shapes.map(([rows, cols], l) => {
    const floor = 1 / Math.max(rows, cols);
    let density = densities[l]!;
    if (density < floor) {
      notes.push(`layer ${l} (${rows} x ${cols}): density ${density} raised to EOI's lowest, 1/${Math.max(rows, cols)}`);
      density = floor;
    }
    const { rotations: _r, rounds: _n, ...w } = eoi(rows, cols, { density, seed: layerSeed(seed, l), gain });
    return w;
  });
  return { weights, notes };
}

function eoiResult(method: string, shapes: readonly MlpShape[], targets: Targets, densities: readonly number[], seed: number, gain: number): MaskResult {
  const { weights, notes } = eoiLayers(shapes, densities, seed, gain);
  return { weights, report: maskReport(method, weights, targets, notes.length ? { notes } : {}) };
}

export function eoiMasks(shapes: readonly MlpShape[], opts: CommonMaskOptions): MaskResult {
  const common = readCommon(shapes, opts, 'uniform');
  return eoiResult('eoi', common.shapes, common.targets, perLayerTargets(common.targets, 'eoi'), common.seed, common.gain);
}

/** EOI at the per-layer densities (nnz / size) of `source`'s weights; its targets are reported. */
export function eoiOnTop(source: MaskResult, opts: { seed?: number; gain?: number } = {}): MaskResult {
  const shapes = checkMlpShapes(source.weights.map((w) => [w.rows, w.cols]));
  const densities = source.weights.map((w) => w.colIdx.length / (w.rows * w.cols));
  const targets: Targets = { distribution: source.report.distribution, density: source.report.targetDensity };
  return eoiResult(`${source.report.method}+eoi`, shapes, targets, densities, checkSeed(opts.seed), readGain(opts.gain));
}
