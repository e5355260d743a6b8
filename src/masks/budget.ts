/**
 * From (density, distribution) to what a generator must keep: per-layer target densities, and
 * budgets (entry counts) over the whole network or per layer, also at intermediate densities for
 * methods that prune in steps (lottery, SynFlow).
 */
import { erkDensities, explicitDensities, type LayerShape, overallDensity, uniformDensities } from '../eoi/layer-densities.js';
import { checkNumberInRange } from '../validate.js';
import { layerSizes } from './shapes.js';
import type { Distribution, MaskReport } from './types.js';

/** An explicit density list must give a global density this close to `density` (the EOI paper's assertion). */
const EXPLICIT_TOLERANCE = 0.01;

export interface Targets {
  distribution: MaskReport['distribution'];
  /** the global density asked for */
  density: number;
  /** per-layer densities; absent for 'global', where only the total is fixed */
  layers?: number[];
}

/** `dims`: each layer's weight dims, [out, in] or [cOut, cIn, kh, kw] (ERK's conv formula for the latter). */
export function resolveTargets(dims: readonly LayerShape[], density: number | undefined, distribution: Distribution): Targets {
  if (Array.isArray(distribution)) {
    const layers = explicitDensities(dims, distribution as readonly number[]);
    const overall = overallDensity(dims, layers);
    if (density !== undefined && Math.abs(checkNumberInRange('density', density, 0, 1, true) - overall) > EXPLICIT_TOLERANCE) {
      throw new RangeError(`density must be within ${EXPLICIT_TOLERANCE} of the explicit per-layer densities' global density ${overall}, got ${density}`);
    }
    return { distribution: 'explicit', density: density ?? overall, layers };
  }
  if (density === undefined) throw new TypeError('density must be a number in (0, 1] (it may be left out only when distribution is an array of per-layer densities)');
  checkNumberInRange('density', density, 0, 1, true);
  switch (distribution) {
    case 'global':
      return { distribution, density };
    case 'uniform':
      return { distribution, density, layers: uniformDensities(dims, density) };
    case 'erk':
      return { distribution, density, layers: erkDensities(dims, density) };
    default:
      throw new RangeError(`distribution must be one of global, uniform, erk or an array of per-layer densities, got ${String(distribution)}`);
  }
}

/** The per-layer densities of methods that build each layer on its own (random positions aside). */
export function perLayerTargets(targets: Targets, method: string): number[] {
  if (!targets.layers) throw new RangeError(`distribution must be uniform, erk or per-layer densities for ${method} (it builds each layer at its own density), got global`);
  return targets.layers;
}

/** Entries to keep: one count over the whole network, or one per layer. */
export type Budget = { scope: 'global'; count: number } | { scope: 'layer'; counts: number[] };

/**
 * The budget at density `at(d)` for each target density d (the global one, or each layer's):
 * at = identity gives the final budget; schedules pass their intermediate step.
 */
export function budgetFor(dims: readonly LayerShape[], targets: Targets, at: (d: number) => number = (d) => d): Budget {
  const sizes = layerSizes(dims);
  if (!targets.layers) return { scope: 'global', count: Math.round(at(targets.density) * sizes.reduce((a, b) => a + b, 0)) };
  return { scope: 'layer', counts: targets.layers.map((d, l) => Math.round(at(d) * sizes[l]!)) };
}
