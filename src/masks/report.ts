/** What a generator made, measured from its output rather than taken from its targets. */
import type { CsrMatrix } from '../sparse/csr.js';
import type { Targets } from './budget.js';
import type { MaskReport } from './types.js';

export function maskReport(method: string, weights: readonly CsrMatrix[], targets: Targets, kind: MaskReport['weights'], extra: Partial<MaskReport> = {}): MaskReport {
  const layerNnz = weights.map((w) => w.colIdx.length);
  const sizes = weights.map((w) => w.rows * w.cols);
  return {
    method,
    distribution: targets.distribution,
    targetDensity: targets.density,
    density: layerNnz.reduce((a, b) => a + b, 0) / sizes.reduce((a, b) => a + b, 0),
    layerDensities: layerNnz.map((n, l) => n / sizes[l]!),
    layerNnz,
    weights: kind,
    ...extra,
  };
}
