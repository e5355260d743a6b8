/**
 * Checks the sparse conv kernels' tests share (CSR and block filters): their inputs, the zero
 * padding of activation-layout results, and the forward and backward-data passes against the
 * float64 references of the filter as CSR, within the float32 bound of their longest sums.
 */
import { expect } from 'vitest';
import { Rng } from '../../src/random.js';
import { type ConvDims, convBackwardDataRef, convForwardRef, convGeometry, type CsrMatrix, fromFeatureMajorRef } from '../../src/sparse/index.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';

export const ones = (length: number) => new Float32Array(length).fill(1);

/** The longest sum behind any output: the reference run on all-ones data counts the terms. */
export const mostTerms = (counts: Float64Array) => counts.reduce((m, c) => Math.max(m, c), 0);

/** Every padding column (example >= batch) of an activation-layout result is exactly 0. */
export function expectZeroPadding(aT: Float32Array, batch: number, features: number): void {
  const stride = Math.ceil(batch / 4) * 4;
  expect(aT.length).toBe(features * stride);
  for (let f = 0; f < features; f++) {
    for (let b = batch; b < stride; b++) {
      if (aT[f * stride + b] !== 0) expect.fail(`padding column ${b} of feature ${f} holds ${aT[f * stride + b]}`);
    }
  }
}

/** The random operands of one case: x, dy and (when asked) a bias, NCHW, from the seeded rng. */
export function convOperands(rng: Rng, dims: ConvDims, cOut: number, bias: boolean | undefined): { x: Float32Array; dy: Float32Array; bias?: Float32Array } {
  const g = convGeometry(dims);
  const x = randomFloat32(rng, g.batch * g.cIn * g.h * g.w);
  const dy = randomFloat32(rng, g.batch * cOut * g.ho * g.wo);
  return { x, dy, bias: bias ? randomFloat32(rng, cOut) : undefined };
}

/** The backward-data result beside its reference: what worstBoundRatio and worstFusedSlopeRatio take. */
export interface BackwardDataCheck {
  got: Float32Array;
  want: Float64Array;
  magnitude: Float64Array;
  terms: number;
}

/**
 * Checks y and dx (activation layout, as the kernels wrote them) for filter w: both zero in their
 * padding, y within the bound of conv(x, w) (+ bias), which must not be all 0. Returns dx beside
 * its reference for the caller's bound (the plain one, or the fused slope's).
 */
export function expectPassesWithinBound(
  w: CsrMatrix,
  dims: ConvDims,
  operands: { x: Float32Array; dy: Float32Array; bias?: Float32Array },
  y: Float32Array,
  dx: Float32Array,
): BackwardDataCheck {
  const g = convGeometry(dims);
  const { x, dy, bias } = operands;
  const inFeatures = g.cIn * g.h * g.w;
  const outFeatures = w.rows * g.ho * g.wo;
  expectZeroPadding(y, g.batch, outFeatures);
  expectZeroPadding(dx, g.batch, inFeatures);
  const onesW = { ...w, values: ones(w.values.length) };
  const forwardTerms = mostTerms(convForwardRef(onesW, ones(x.length), dims, bias && ones(w.rows)));
  const want = convForwardRef(w, x, dims, bias);
  expect(want.some((v) => v !== 0)).toBe(true);
  expect(worstBoundRatio(fromFeatureMajorRef(y, g.batch, outFeatures), want, convForwardRef(w, x, dims, bias, true), forwardTerms)).toBeLessThanOrEqual(1);
  return {
    got: fromFeatureMajorRef(dx, g.batch, inFeatures),
    want: convBackwardDataRef(w, dy, dims),
    magnitude: convBackwardDataRef(w, dy, dims, true),
    terms: mostTerms(convBackwardDataRef(onesW, ones(dy.length), dims)),
  };
}
