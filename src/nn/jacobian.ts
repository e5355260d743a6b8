/**
 * Dynamical isometry at initialisation (the EOI paper's measurement): the singular values of the
 * input-output Jacobian J = dh/dx of a stack of layers at an input x. J is built with one backward
 * pass: a batch of n copies of x (n = output width) and dY = the identity, so row i of dX is row i
 * of J. Its singular values come from the float64 eigenvalues of J·Jᵀ.
 */
import type { Context } from '../gpu/context.js';
import { singularValues } from '../linalg.js';
import { fromActivationLayout, toActivationLayout } from '../sparse/activation-layout.js';
import { checkLength } from '../validate.js';
import type { Layer } from './layer.js';

export interface SpectrumStats {
  mean: number;
  max: number;
  min: number;
  variance: number;
  /** all singular values, ascending */
  values: number[];
}

/** J (out x in, row-major, float64) of `stack` at the input x. */
export async function inputOutputJacobian(ctx: Context, stack: Layer, x: Float32Array): Promise<Float64Array> {
  checkLength('x', x, stack.inFeatures, 'stack.inFeatures');
  const n = stack.outFeatures;
  const xs = new Float32Array(n * stack.inFeatures);
  for (let i = 0; i < n; i++) xs.set(x, i * stack.inFeatures);
  const identity = new Float32Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  const input = ctx.upload('f32', toActivationLayout(xs, n, stack.inFeatures), 'jacobian.x');
  const dy = ctx.upload('f32', toActivationLayout(identity, n, n), 'jacobian.dy');
  try {
    await stack.forward(input, n);
    return Float64Array.from(fromActivationLayout(await ctx.read(await stack.backward(dy, n)), n, stack.inFeatures));
  } finally {
    input.destroy();
    dy.destroy();
  }
}

export function spectrumStats(values: number[]): SpectrumStats {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length;
  return { mean, max: sorted.at(-1)!, min: sorted[0]!, variance, values: sorted };
}

/** Singular-value statistics of the stack's Jacobian at x. */
export async function jacobianSpectrum(ctx: Context, stack: Layer, x: Float32Array): Promise<SpectrumStats> {
  const j = await inputOutputJacobian(ctx, stack, x);
  return spectrumStats(singularValues(j, stack.outFeatures, stack.inFeatures));
}
