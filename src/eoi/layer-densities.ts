/**
 * Per-layer densities for a network. EOI does not choose them; one of these distributions does,
 * then each layer is initialised at its density. A layer shape is its weight's dims: [out, in] for
 * dense layers, [cOut, cIn, kh, kw] for convolutions; a list may mix both (a CNN's convolutions and
 * its classifier).
 */

import { checkLength, checkNumberInRange, checkPositiveInt } from '../validate.js';

/** A layer's weight shape: [out, in] for a linear layer, [cOut, cIn, kh, kw] for a convolution. */
export type LayerShape = readonly number[];

/** Every layer at the global density d. */
export function uniformDensities(shapes: readonly LayerShape[], density: number): number[] {
  checkShapes(shapes);
  checkNumberInRange('density', density, 0, 1, true);
  return shapes.map(() => density);
}

/**
 * Erdős–Rényi-Kernel (Evci et al., RigL): density_l = eps · sum(dims_l) / prod(dims_l), i.e.
 * (out + in) / (out·in) for a dense layer and (cOut + cIn + kh + kw) / (cOut·cIn·kh·kw) for a
 * convolution, with eps chosen so the total nonzero count is density · (total weights over all
 * layers). A layer whose density would exceed 1 is made dense (the one with the largest ratio first,
 * as in RigL) and eps is solved again over the rest, until no layer exceeds 1.
 */
export function erkDensities(shapes: readonly LayerShape[], density: number): number[] {
  checkShapes(shapes);
  checkNumberInRange('density', density, 0, 1, true);
  const sizes = shapes.map(product);
  const ratios = shapes.map((s, l) => s.reduce((a, b) => a + b, 0) / sizes[l]!);
  const targetNnz = density * sizes.reduce((a, b) => a + b, 0);
  const dense = new Set<number>();
  for (;;) {
    let remaining = targetNnz;
    let divisor = 0;
    let maxRatio = 0;
    shapes.forEach((_, l) => {
      if (dense.has(l)) {
        remaining -= sizes[l]!;
      } else {
        divisor += ratios[l]! * sizes[l]!;
        maxRatio = Math.max(maxRatio, ratios[l]!);
      }
    });
    if (divisor === 0) return shapes.map(() => 1); // every layer dense: only when density is 1
    const eps = remaining / divisor;
    if (eps * maxRatio <= 1) return shapes.map((_, l) => (dense.has(l) ? 1 : eps * ratios[l]!));
    shapes.forEach((_, l) => {
      if (!dense.has(l) && ratios[l] === maxRatio) dense.add(l);
    });
  }
}

/** Given per-layer densities, one per layer in (0, 1], validated and copied. */
export function explicitDensities(shapes: readonly LayerShape[], densities: readonly number[]): number[] {
  checkShapes(shapes);
  checkLength('densities', densities, shapes.length, 'one density per layer shape');
  return densities.map((d, l) => checkNumberInRange(`densities[${l}]`, d, 0, 1, true));
}

/** Total nonzeros over total weights: sum(d_l · numel_l) / sum(numel_l); every density in (0, 1]. */
export function overallDensity(shapes: readonly LayerShape[], densities: readonly number[]): number {
  explicitDensities(shapes, densities);
  let nnz = 0;
  let total = 0;
  shapes.forEach((s, l) => {
    const n = product(s);
    nnz += densities[l]! * n;
    total += n;
  });
  return nnz / total;
}

function checkShapes(shapes: readonly LayerShape[]): void {
  if (!Array.isArray(shapes) || shapes.length === 0) {
    throw new TypeError(`shapes must be a non-empty array of layer shapes (arrays of positive integers)`);
  }
  shapes.forEach((s, l) => {
    if (!Array.isArray(s) || s.length === 0) {
      throw new TypeError(`shapes[${l}] must be a non-empty array of positive integers, got ${String(s)}`);
    }
    s.forEach((dim, k) => checkPositiveInt(`shapes[${l}][${k}]`, dim));
  });
}

function product(dims: LayerShape): number {
  return dims.reduce((a, b) => a * b, 1);
}
