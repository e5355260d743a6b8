/** Small networks, seeded synthetic data and a CPU trainer shared by the mask tests. */
import { mlpShapes } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import { referenceGradients, referenceGradientSource } from '../../src/masks/reference-mlp.js';
import type { CnnFrame, CnnNetwork, NetworkFrame } from '../../src/masks/network.js';
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

/** An MLP by its activation, or any network by its frame (a CNN's: `cnn` set). */
type Frame = 'tanh' | 'relu' | NetworkFrame;
const frameOf = (frame: Frame): NetworkFrame => (typeof frame === 'string' ? { activation: frame } : frame);

export function cpuSource(batches: Batch[], frame: Frame = 'tanh'): GradientSource {
  return referenceGradientSource({ ...frameOf(frame), batches });
}

/** A CPU TrainFn: `steps` full-batch gradient steps on the float64 reference, cycling through the batches. */
export function cpuTrainer(batches: Batch[], steps: number, lr: number, frame: Frame = 'tanh'): TrainFn {
  return async (weights) => {
    const values = weights.map((w) => Float64Array.from(w.values));
    for (let s = 0; s < steps; s++) {
      const net = { ...frameOf(frame), weights: weights.map((w, l) => ({ ...w, values: values[l]! })) };
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

/**
 * A tiny CNN: a stride-2 stem from 2 channels of 7 x 6 to 4 x 4 x 3, two 3x3 convolutions of 4
 * channels, 3 classes. Filters 4 x 18, 4 x 36, 4 x 36: 360 weights.
 */
export const TINY_CNN: CnnNetwork = { kind: 'cnn', inputShape: [2, 7, 6], stem: 1, depth: 2, channels: 4, kernel: 3, classes: 3 };
export const TINY_CNN_FEATURES = 2 * 7 * 6;

/** The CNN's fixed parts, seeded: a Gaussian classifier over `readoutFeatures` inputs and small nonzero biases (so they are exercised). */
export function cnnFrame(network: Omit<CnnNetwork, 'kind'>, activation: 'tanh' | 'relu', seed = 3, readoutFeatures = network.channels): NetworkFrame & { cnn: CnnFrame } {
  const rng = new Rng(seed);
  const convs = network.stem + (network.architecture === 'vgg' ? 2 : 1) * network.depth;
  const width = (l: number) => (network.architecture === 'vgg' ? network.channels * 2 ** Math.max(0, Math.floor((l - network.stem) / 2)) : network.channels);
  return {
    activation,
    biases: Array.from({ length: convs }, (_, l) => Float32Array.from({ length: width(l) }, () => 0.1 * rng.nextNormal())),
    cnn: {
      ...network,
      classifier: Float32Array.from({ length: network.classes * readoutFeatures }, () => rng.nextNormal() / Math.sqrt(readoutFeatures)),
      classifierBias: Float32Array.from({ length: network.classes }, () => 0.1 * rng.nextNormal()),
    },
  };
}
