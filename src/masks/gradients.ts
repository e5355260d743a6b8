/** What the data-driven scores (SNIP, GraSP, Taylor) share: their batches, drawn and checked, and gradients summed over them. */
import { Rng } from '../random.js';
import { checkLabels, checkLength, checkPositiveInt, checkSeed } from '../validate.js';
import type { CommonMaskOptions } from './options.js';
import type { Batch, GradientSource, WeightsLike } from './types.js';

/** Options of the data-driven mask methods (SNIP, GraSP, Taylor): the common ones plus a gradient source. */
export interface DataScoreOptions extends CommonMaskOptions {
  /** where gradients come from: gpuGradientSource(ctx, …) or referenceGradientSource(…) */
  gradients: GradientSource;
}

export function requireGradients(opts: { gradients?: unknown } | undefined, method: string): GradientSource {
  const source = opts?.gradients as GradientSource | undefined;
  if (typeof source?.perBatch !== 'function') {
    throw new TypeError(`gradients must be a GradientSource for ${method} (gpuGradientSource(ctx, …) or referenceGradientSource(…)), got ${String(source)}`);
  }
  return source;
}

/**
 * `batches` disjoint batches of `batchSize` examples drawn without replacement from `data` by a
 * seeded shuffle (SNIP and GraSP score on a few random batches).
 */
export function sampleBatches(data: Batch, opts: { batches: number; batchSize: number; seed?: number }): Batch[] {
  const batches = checkPositiveInt('batches', opts.batches);
  const batchSize = checkPositiveInt('batchSize', opts.batchSize);
  if (batches * batchSize > data.count) throw new RangeError(`batches * batchSize must be at most data.count = ${data.count}, got ${batches * batchSize}`);
  const order = new Rng(checkSeed(opts.seed)).shuffle(Uint32Array.from({ length: data.count }, (_, i) => i));
  return Array.from({ length: batches }, (_, b) => {
    const rows = order.subarray(b * batchSize, (b + 1) * batchSize);
    const inputs = new Float32Array(batchSize * data.features);
    rows.forEach((row, i) => inputs.set(data.inputs.subarray(row * data.features, (row + 1) * data.features), i * data.features));
    return { count: batchSize, features: data.features, inputs, labels: Uint32Array.from(rows, (row) => data.labels[row]!) };
  });
}

/** Every batch fits a network taking `features` inputs and giving `classes` logits. */
export function checkBatches(batches: readonly Batch[], features: number, classes: number): void {
  if (!Array.isArray(batches) || batches.length === 0) throw new TypeError('batches must be a non-empty array of { count, features, inputs, labels }');
  batches.forEach((b, i) => {
    checkPositiveInt(`batches[${i}].count`, b.count);
    if (b.features !== features) throw new RangeError(`batches[${i}].features must equal the network's inputs (${features}), got ${b.features}`);
    checkLength(`batches[${i}].inputs`, b.inputs, b.count * features, 'count*features');
    checkLength(`batches[${i}].labels`, b.labels, b.count, 'count');
    checkLabels(`batches[${i}].labels`, b.labels, classes);
  });
}

/** Σ_b dL_b/dW over the source's batches. */
export async function summedGradients(source: GradientSource, weights: readonly WeightsLike[], temperature = 1): Promise<Float64Array[]> {
  const sums = weights.map((w) => new Float64Array(w.values.length));
  await source.perBatch(weights, temperature, (grads) => grads.forEach((g, l) => g.forEach((v, i) => (sums[l]![i]! += v))));
  return sums;
}
