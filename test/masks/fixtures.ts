/** Small networks, seeded synthetic data and a CPU trainer shared by the mask tests. */
import { mlpShapes } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import { referenceGradients, referenceGradientSource } from '../../src/masks/reference-mlp.js';
import type { Batch, GradientSource, MlpShape, TrainFn } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';

/** 16x20, 16x16, 16x16, 4x16 = 896 weights: big enough for densities within 0.01, small enough for exact references. */
export const NET = { inputs: 20, width: 16, depth: 4, classes: 4 };
export const SHAPES: MlpShape[] = mlpShapes(NET);

/** 5x6, 5x5, 3x5 = 70 weights: small enough for a full float64 Hessian by finite differences. */
export const TINY = { inputs: 6, width: 5, depth: 3, classes: 3 };
export const TINY_SHAPES: MlpShape[] = mlpShapes(TINY);

/** `count` batches of `size` Gaussian examples with labels from a fixed random linear rule (so there is something to learn). */
export function syntheticBatches(features: number, classes: number, count: number, size: number, seed = 1): Batch[] {
  const rng = new Rng(seed);
  const rule = Float64Array.from({ length: classes * features }, () => rng.nextNormal());
  return Array.from({ length: count }, () => {
    const inputs = Float32Array.from({ length: size * features }, () => rng.nextNormal());
    const labels = Uint32Array.from({ length: size }, (_, b) => {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        let s = 0;
        for (let f = 0; f < features; f++) s += rule[c * features + f]! * inputs[b * features + f]!;
        if (s > bestScore) [best, bestScore] = [c, s];
      }
      return best;
    });
    return { count: size, features, inputs, labels };
  });
}

export function cpuSource(batches: Batch[], activation: 'tanh' | 'relu' = 'tanh'): GradientSource {
  return referenceGradientSource({ activation, batches });
}

/** A CPU TrainFn: `steps` full-batch gradient steps on the float64 reference, cycling through the batches. */
export function cpuTrainer(batches: Batch[], steps: number, lr: number, activation: 'tanh' | 'relu' = 'tanh'): TrainFn {
  return async (weights) => {
    const values = weights.map((w) => Float64Array.from(w.values));
    for (let s = 0; s < steps; s++) {
      const net = { weights: weights.map((w, l) => ({ ...w, values: values[l]! })), activation };
      const grads = referenceGradients(net, batches[s % batches.length]!);
      grads.forEach((g, l) => g.forEach((v, i) => (values[l]![i]! -= lr * v)));
    }
    return weights.map((w, l): CsrMatrix => ({ ...w, rowPtr: w.rowPtr.slice(), colIdx: w.colIdx.slice(), values: Float32Array.from(values[l]!) }));
  };
}

/** Row-major 0/1 mask of a CSR pattern. */
export function maskOf(w: CsrMatrix): Uint8Array {
  const mask = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) mask[r * w.cols + w.colIdx[t]!] = 1;
  return mask;
}

/** Row degrees and column degrees of a CSR pattern. */
export function degrees(w: CsrMatrix): { rows: number[]; cols: number[] } {
  const rows = Array.from({ length: w.rows }, (_, r) => w.rowPtr[r + 1]! - w.rowPtr[r]!);
  const cols = new Array<number>(w.cols).fill(0);
  w.colIdx.forEach((c) => cols[c]!++);
  return { rows, cols };
}
