/**
 * Float32 tolerances with a stated reason. A float32 dot product of length k, accumulated in any
 * order, differs from the exact value by at most gamma_k * sum_p |a_p b_p| with
 * gamma_k = k u / (1 - k u), u = 2^-24 (Higham, Accuracy and Stability, eq. 3.5). Inputs are
 * rounded to float32 before the float64 reference sees them, so this bound is rigorous for every
 * GPU summation order; the tests assert the measured error stays within it.
 */
import type { Activation } from '../../src/kernels/activation.js';
import { activationGradRef } from '../../src/train/activation-reference.js';

const U = 2 ** -24;

export function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

/**
 * Largest |got - want| / (gamma_k * magnitude + tiny) over all elements; <= 1 means every element
 * is inside its bound. `magnitude[i]` is sum_p |a_p b_p| for output i (a reference computed on |A|, |B|).
 */
export function worstBoundRatio(got: ArrayLike<number>, want: ArrayLike<number>, magnitude: ArrayLike<number>, k: number): number {
  if (got.length !== want.length) throw new Error(`length mismatch: got ${got.length}, want ${want.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    // +1e-30 keeps an exact-zero reference with an exact-zero result at ratio 0.
    const ratio = Math.abs(got[i]! - want[i]!) / (gamma(k) * magnitude[i]! + 1e-30);
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Uniform values in [-1, 1) from a seeded stream, already float32. */
export function randomFloat32(rng: { nextFloat(): number }, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextFloat() * 2 - 1;
  return out;
}

/**
 * Elementwise tolerance: |got - want| <= ACTIVATION_ULPS·u·(|want| + floor), u = 2^-24. Each kernel formula is
 * a handful of float32 roundings plus one or two exp/log, which WGSL allows a few ulps each (exp:
 * 3 + 2|x| ulps). Where a value is a difference of O(1) terms (1 - e^-2|x| in tanh, e^x - 1 in
 * ELU/SELU, 1 + e^-|x| in softplus) that error is relative to 1, not to the result: hence the
 * absolute floor, 1 for values and |dy| for gradients (which scale with dy). SwiftShader measures
 * at most ~5 ulps; 16 leaves room for other GPUs' exp and log, while a wrong constant, branch or
 * convention is off by far more.
 */
export const ACTIVATION_ULPS = 16;

/** Largest |got - want| / (u·(|want| + floor(i))): the error in float32 ulps above the floor. */
export function worstUlps(got: ArrayLike<number>, want: ArrayLike<number>, floor: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const ratio = Math.abs(got[i]! - want[i]!) / (U * (Math.abs(want[i]!) + floor(i)));
    worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

/**
 * A backward-data pass with the activation below fused, dz = product ⊙ act'(z), against float64:
 * `product` and `magnitude` are the float64 product and its Σ|a·b| (k terms at most). The bound is
 * the product's float32 bound scaled by |act'(z)|, plus act'(z)'s own elementwise tolerance
 * (ACTIVATION_ULPS ulps above a floor of 1, as for the activation kernel's gradients) times the
 * product's size, plus the final rounding. Returns the largest error / bound (<= 1 passes).
 */
export function worstFusedSlopeRatio(
  dz: ArrayLike<number>,
  product: ArrayLike<number>,
  magnitude: ArrayLike<number>,
  k: number,
  z: ArrayLike<number>,
  activation: Activation,
): number {
  const slope = activationGradRef(activation, z, new Float32Array(z.length).fill(1));
  let worst = 0;
  for (let i = 0; i < dz.length; i++) {
    const want = slope[i]! * product[i]!;
    const productError = gamma(k) * magnitude[i]!;
    const bound = Math.abs(slope[i]!) * productError + ACTIVATION_ULPS * U * (Math.abs(slope[i]!) + 1) * (Math.abs(product[i]!) + productError) + U * Math.abs(want) + 1e-30;
    const ratio = Math.abs(dz[i]! - want) / bound;
    worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}
