/**
 * Dynamical isometry at initialisation: the singular values of the input-output Jacobian J = dh/dx
 * of a stack of layers at an input x. J is built with one backward pass: a batch of n copies of x
 * (n = output width) and dY = the identity, so row i of dX is row i of J. Its singular values come
 * from the float64 eigenvalues of J·Jᵀ. Two protocols (JACOBIAN_PROTOCOLS) say where it is taken:
 * - 'logits-train-batch' (the EOI paper's): the whole network to the logits, at each example of the
 *   first training batch of 128, the singular values of all of them pooled;
 * - 'hidden-test-example': the network up to its last hidden activation, at the first test example.
 */
import type { Context } from '../gpu/context.js';
import { singularValues } from '../linalg.js';
import { fromActivationLayout, toActivationLayout } from '../sparse/activation-layout.js';
import { checkLength, checkPositiveInt } from '../validate.js';
import type { Layer } from './layer.js';

/** Where the Jacobian is taken, by name (see the file comment). */
export const JACOBIAN_PROTOCOLS = ['logits-train-batch', 'hidden-test-example'] as const;
/**
 * 'logits-train-batch': input-to-logits Jacobians at the first training batch, pooled;
 * 'hidden-test-example': input-to-last-hidden Jacobian at the first test example.
 */
export type JacobianProtocol = (typeof JACOBIAN_PROTOCOLS)[number];

/** Examples of the 'logits-train-batch' protocol: the paper's first training batch. */
export const JACOBIAN_BATCH = 128;

/** A protocol name, or 'logits-train-batch' when undefined; a RangeError listing the names otherwise. */
export function checkJacobianProtocol(protocol: unknown): JacobianProtocol {
  if (protocol === undefined) return 'logits-train-batch';
  if (!(JACOBIAN_PROTOCOLS as readonly unknown[]).includes(protocol)) throw new RangeError(`jacobianProtocol must be one of ${JACOBIAN_PROTOCOLS.join(', ')}, got ${String(protocol)}`);
  return protocol as JacobianProtocol;
}

/** Summary statistics of a set of singular values. */
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
  return (await jacobiansOf(ctx, stack, x, 1))[0]!;
}

/** Rows of the backward passes of one call: the examples go in groups of at most this many rows. */
const ROWS_PER_PASS = 512;

/**
 * J of `stack` at each of `count` examples (`inputs` batch-major, count x stack.inFeatures): one
 * out x in row-major float64 matrix per example. Examples go `floor(512 / out)` at a time (at
 * least one) through one forward and one backward pass each.
 */
export async function inputOutputJacobians(ctx: Context, stack: Layer, inputs: Float32Array, count: number): Promise<Float64Array[]> {
  checkPositiveInt('count', count);
  checkLength('inputs', inputs, count * stack.inFeatures, 'count*stack.inFeatures');
  return jacobiansOf(ctx, stack, inputs, count);
}

async function jacobiansOf(ctx: Context, stack: Layer, inputs: Float32Array, count: number): Promise<Float64Array[]> {
  const n = stack.outFeatures;
  const features = stack.inFeatures;
  const group = Math.max(1, Math.floor(ROWS_PER_PASS / n));
  const out: Float64Array[] = [];
  for (let first = 0; first < count; first += group) {
    const examples = Math.min(group, count - first);
    const rows = examples * n;
    const xs = new Float32Array(rows * features);
    const identity = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const e = first + Math.floor(r / n);
      xs.set(inputs.subarray(e * features, (e + 1) * features), r * features);
      identity[r * n + (r % n)] = 1;
    }
    const input = ctx.upload('f32', toActivationLayout(xs, rows, features), 'jacobian.x');
    const dy = ctx.upload('f32', toActivationLayout(identity, rows, n), 'jacobian.dy');
    try {
      await stack.forward(input, rows);
      const dx = fromActivationLayout(await ctx.read(await stack.backward(dy, rows)), rows, features);
      for (let e = 0; e < examples; e++) out.push(Float64Array.from(dx.subarray(e * n * features, (e + 1) * n * features)));
    } finally {
      input.destroy();
      dy.destroy();
    }
  }
  return out;
}

/** The mean, min, max and variance of singular values. */
export function spectrumStats(values: number[]): SpectrumStats {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length;
  return { mean, max: sorted.at(-1)!, min: sorted[0]!, variance, values: sorted };
}

/** Statistics of the singular values of every example's Jacobian, pooled (the EOI paper's protocol on its first training batch). */
export async function pooledJacobianSpectrum(ctx: Context, stack: Layer, inputs: Float32Array, count: number): Promise<SpectrumStats> {
  const js = await inputOutputJacobians(ctx, stack, inputs, count);
  return spectrumStats(js.flatMap((j) => singularValues(j, stack.outFeatures, stack.inFeatures)));
}

/** Singular-value statistics of the stack's Jacobian at x. */
export async function jacobianSpectrum(ctx: Context, stack: Layer, x: Float32Array): Promise<SpectrumStats> {
  const j = await inputOutputJacobian(ctx, stack, x);
  return spectrumStats(singularValues(j, stack.outFeatures, stack.inFeatures));
}
