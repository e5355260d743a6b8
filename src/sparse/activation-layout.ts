/**
 * The one activation layout every layer and kernel shares: an activation of `features` features
 * for a batch of `batch` examples is a features x S matrix, S = featureMajorStride(batch), element
 * (feature f, example b) at f·S + b. Each row is padded with zeros to a multiple of 4 examples so
 * kernels read it as whole vec4s of 4 consecutive examples; every kernel writes exactly 0 into the
 * padding. An image batch of C x H x W uses feature (c·H + y)·W + x, so NCHW data converts with a
 * plain transpose and flattening a convolution's output is the identity. This module holds the
 * host side: the stride and the conversions from and to batch-major arrays.
 */

/** Row length of the layout: batch rounded up to a multiple of 4. */
export function featureMajorStride(batch: number): number {
  return Math.ceil(batch / 4) * 4;
}

/** Batch-major (batch x features, row-major) to the activation layout, padding 0. */
export function toActivationLayout(a: ArrayLike<number>, batch: number, features: number): Float32Array {
  const stride = featureMajorStride(batch);
  const out = new Float32Array(features * stride);
  for (let b = 0; b < batch; b++) for (let f = 0; f < features; f++) out[f * stride + b] = a[b * features + f]!;
  return out;
}

/** The activation layout back to batch-major (batch x features); the padding is dropped. */
export function fromActivationLayout(aT: ArrayLike<number>, batch: number, features: number): Float32Array {
  const stride = featureMajorStride(batch);
  const out = new Float32Array(batch * features);
  for (let b = 0; b < batch; b++) for (let f = 0; f < features; f++) out[b * features + f] = aT[f * stride + b]!;
  return out;
}
