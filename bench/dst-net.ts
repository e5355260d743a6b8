/**
 * LeNet-300-100 (784-300-100-10, ReLU) for the dynamic-sparsity benchmark, shared by its Node runs
 * (bench/dst.ts) and its Chromium page (bench/dst-browser.ts): the weights of each arm, the
 * network, and training throughput on random data for ours (dense, static sparse, SET, RigL) and
 * for TF.js with masked dense weights (the form a TF.js user trains a sparse net in).
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type { DstMethod } from '../src/dst/schedule.js';
import type { Context } from '../src/gpu/context.js';
import { generateMasks } from '../src/masks/index.js';
import { ActivationLayer } from '../src/nn/activation-layer.js';
import { Linear } from '../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { Sequential } from '../src/nn/sequential.js';
import { type SparseFormat, SparseLinear } from '../src/nn/sparse-linear.js';
import { Rng } from '../src/random.js';
import { type CsrMatrix, csrToDense } from '../src/sparse/csr.js';
import { createOptimizer } from '../src/train/optimizer-spec.js';
import { type Dataset, train } from '../src/train/trainer.js';

export const SHAPES = [
  [300, 784],
  [100, 300],
  [10, 100],
] as const;
export const BATCH = 128;
/** SGD with momentum 0.9 on a cosine schedule, as both sides train. */
export const LR = 0.05;

/** Dense Kaiming-normal weights (ReLU), as CSR storing every entry. */
export function denseWeights(seed: number): CsrMatrix[] {
  const rng = new Rng(seed);
  return SHAPES.map(([rows, cols]) => {
    const values = Float32Array.from({ length: rows * cols }, () => rng.nextNormal() * Math.sqrt(2 / cols));
    const rowPtr = Uint32Array.from({ length: rows + 1 }, (_, r) => r * cols);
    const colIdx = Uint32Array.from({ length: rows * cols }, (_, i) => i % cols);
    return { rows, cols, rowPtr, colIdx, values };
  });
}

/** Random or EOI masks at a global density spread by ERK (RigL's default), with the method's weights for ReLU. */
export async function sparseWeights(method: 'random' | 'eoi', density: number, seed: number): Promise<CsrMatrix[]> {
  const result = await generateMasks(method, SHAPES, { density, distribution: 'erk', seed, gain: Math.SQRT2, activation: 'relu' });
  return result.weights;
}

/** The net on given weights: Linear layers (dense), or SparseLinear stored in `format` (default CSR). */
export function buildNet(ctx: Context, weights: CsrMatrix[], dense: boolean, format: SparseFormat = 'csr'): Sequential {
  const layers = weights.flatMap((w, l) => {
    const layer = dense ? new Linear(ctx, w.cols, w.rows, { weight: w.values }) : new SparseLinear(ctx, w, undefined, format);
    return l + 1 < weights.length ? [layer, new ActivationLayer(ctx, w.rows, 'relu')] : [layer];
  });
  return new Sequential(layers);
}

export function randomData(count: number): Dataset {
  const rng = new Rng(7);
  return { count, features: 784, inputs: Float32Array.from({ length: count * 784 }, () => rng.nextNormal()), labels: Uint8Array.from({ length: count }, () => rng.nextInt(10)) };
}

export type ThroughputArm = 'dense' | 'static' | DstMethod;

export interface ThroughputRow {
  impl: 'orthosparse' | 'tfjs-webgpu';
  arm: ThroughputArm | 'masked-dense';
  density: number;
  steps: number;
  samplesPerSecond: number;
  adapter: string;
}

/** Our training throughput over `steps` steps after a warm-up; SET / RigL update every `every` steps (their cost included). */
export async function ourThroughput(ctx: Context, arm: ThroughputArm, density: number, steps: number, every: number): Promise<ThroughputRow> {
  const weights = arm === 'dense' ? denseWeights(0) : await sparseWeights('random', density, 0);
  const model = buildNet(ctx, weights, arm === 'dense');
  const loss = new SoftmaxCrossEntropy(ctx, 10);
  const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'sgd', lr: LR, momentum: 0.9, schedule: 'constant' }, steps);
  const data = randomData(16 * BATCH);
  const dst = arm === 'set' || arm === 'rigl' ? { method: arm, every, fraction: 0.3, until: 10 * steps } : undefined;
  try {
    const run = (maxSteps: number) => train(ctx, { model, loss, optimizer, train: data, batchSize: BATCH, maxSteps, epochs: 1000, logEvery: maxSteps, dst });
    await run(3); // pipelines compiled, buffers allocated
    const samplesPerSecond = (await run(steps)).samplesPerSecond;
    return { impl: 'orthosparse', arm, density: arm === 'dense' ? 1 : density, steps, samplesPerSecond, adapter: ctx.adapterName };
  } finally {
    optimizer.destroy();
    loss.destroy();
    model.destroy();
  }
}

/**
 * TF.js (browser): the same net as dense variables, each weight matrix multiplied by its mask in
 * every step, SGD with momentum through optimizer.minimize; batches built from host data each step
 * (as train() uploads ours), the timed steps ending with a readback of the last loss.
 */
export async function tfjsMaskedThroughput(tf: typeof Tf, adapter: string, density: number, steps: number): Promise<ThroughputRow> {
  const weights = await sparseWeights('random', density, 0);
  const layers = weights.map((w) => ({
    w: tf.variable(tf.tensor2d(csrToDense(w), [w.rows, w.cols])),
    mask: tf.tensor2d(csrToDense({ ...w, values: new Float32Array(w.values.length).fill(1) }), [w.rows, w.cols]),
    b: tf.variable(tf.zeros([w.rows])),
  }));
  const optimizer = tf.train.momentum(LR, 0.9);
  const data = randomData(16 * BATCH);
  const step = (index: number, returnCost: boolean): Tf.Scalar | null => {
    const start = (index % 16) * BATCH;
    const xs = tf.tensor2d(data.inputs.subarray(start * 784, (start + BATCH) * 784), [BATCH, 784]);
    const onehot = new Float32Array(BATCH * 10);
    for (let b = 0; b < BATCH; b++) onehot[b * 10 + data.labels[start + b]!] = 1;
    const ys = tf.tensor2d(onehot, [BATCH, 10]);
    const cost = optimizer.minimize(() => {
      let a = xs as Tf.Tensor2D;
      layers.forEach((l, i) => {
        const z = tf.add(tf.matMul(a, tf.mul(l.w, l.mask) as Tf.Tensor2D, false, true), l.b) as Tf.Tensor2D;
        a = i + 1 < layers.length ? tf.relu(z) : z;
      });
      return tf.losses.softmaxCrossEntropy(ys, a) as Tf.Scalar;
    }, returnCost);
    xs.dispose();
    ys.dispose();
    return cost;
  };
  const run = async (n: number, first: number) => {
    const t0 = performance.now();
    for (let s = 0; s < n - 1; s++) step(first + s, false);
    const cost = step(first + n - 1, true)!;
    await cost.data();
    cost.dispose();
    return performance.now() - t0;
  };
  try {
    await run(3, 0);
    const ms = await run(steps, 3);
    return { impl: 'tfjs-webgpu', arm: 'masked-dense', density, steps, samplesPerSecond: (steps * BATCH * 1000) / ms, adapter };
  } finally {
    optimizer.dispose();
    for (const l of layers) for (const t of [l.w, l.mask, l.b]) t.dispose();
  }
}
