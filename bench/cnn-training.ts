/**
 * CNN training throughput: one full training step (forward, loss, backward, SGD update) of the
 * deep vanilla CNN (buildCnn: stride-2 stem, `depth` k x k convolutions of `channels` channels,
 * tanh after each, global average pooling, dense classifier) on MNIST-shaped random data, with
 * our sparse layers (EOI filters in CSR) and ours dense (delta-orthogonal), and in the browser the
 * same network in TF.js as its users write a sparse net: dense tf.variable filters multiplied by
 * a fixed 0/1 mask in every step (tf.mul, tf.conv2d, tanh, mean over H and W, dense layer,
 * softmax cross-entropy, optimizer.minimize), in the same page after ours.
 *
 * Same network on both sides: TF.js gets our EOI init's filters and masks (OIHW -> HWIO), biases
 * and classifier; zero padding (k - 1) / 2 in every convolution, since tf.conv2d has no circular
 * padding (the conv suite times ours both ways). TF.js runs NHWC, its default.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type { Context } from '../src/gpu/context.js';
import { buildCnn, type CnnConfig, cnnConvs, initCnn } from '../src/nn/cnn.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { Rng } from '../src/random.js';
import { csrToDense } from '../src/sparse/csr.js';
import { Sgd } from '../src/train/optimizers.js';
import { type Dataset, train } from '../src/train/trainer.js';
import { markdownTable } from './conv.js';

/** One measured network shape; every arm trains it for `steps` timed steps after WARMUP_STEPS. */
export interface CnnTrainingCase {
  stem: number;
  depth: number;
  channels: number;
  batch: number;
  density: number;
  steps: number;
}

export const DEFAULT_CNN_TRAINING = { stem: 2, depth: 8, channels: 32, batches: [32, 128], density: 0.1, steps: 5 };

export type CnnArm = 'sparse' | 'dense' | 'masked-dense';

export interface CnnTrainingRow extends CnnTrainingCase {
  backend: string;
  impl: 'orthosparse' | 'tfjs-webgpu';
  arm: CnnArm;
  samplesPerSecond: number;
  msPerStep: number;
  adapter: string;
}

const IMAGE: [number, number, number] = [1, 28, 28];
const CLASSES = 10;
const KERNEL = 3;
const WARMUP_STEPS = 2;
const LR = 0.01;

function cnnConfig(c: CnnTrainingCase, init: CnnConfig['init']): CnnConfig {
  const { stem, depth, channels, density } = c;
  return { inputShape: IMAGE, stem, depth, channels, kernel: KERNEL, paddingMode: 'zeros', classes: CLASSES, density, init, activation: 'tanh', sigmaW: 1, sigmaB: 0, seed: 1 };
}

/** MNIST-shaped random data: enough batches that an epoch never ends inside the timed steps. */
function randomData(c: CnnTrainingCase): Dataset {
  const rng = new Rng(7);
  const features = IMAGE[0] * IMAGE[1] * IMAGE[2];
  const count = c.batch * (WARMUP_STEPS + c.steps);
  return {
    count,
    features,
    inputs: Float32Array.from({ length: count * features }, () => rng.nextNormal()),
    labels: Uint8Array.from({ length: count }, () => rng.nextInt(CLASSES)),
  };
}

function row(c: CnnTrainingCase, backend: string, impl: CnnTrainingRow['impl'], arm: CnnArm, samplesPerSecond: number, adapter: string): CnnTrainingRow {
  return { ...c, backend, impl, arm, samplesPerSecond, msPerStep: (1000 * c.batch) / samplesPerSecond, adapter };
}

const ARM_LABEL: Record<CnnArm, string> = { sparse: 'ours sparse (EOI, CSR)', dense: 'ours dense (delta-orthogonal)', 'masked-dense': 'TF.js masked dense' };

function progressLine(r: CnnTrainingRow): string {
  return `${r.backend} ${ARM_LABEL[r.arm]} depth ${r.depth} ${r.channels}ch b${r.batch} d=${r.arm === 'dense' ? 1 : r.density}: ${r.samplesPerSecond.toFixed(1)} samples/s (${r.msPerStep.toFixed(0)} ms per step)`;
}

/** Ours: the sparse CNN and the same CNN dense, each through train() (batches uploaded every step, loss read back at the end). */
export async function benchOurCnnTraining(ctx: Context, backend: string, c: CnnTrainingCase, log: (line: string) => void): Promise<CnnTrainingRow[]> {
  const data = randomData(c);
  const rows: CnnTrainingRow[] = [];
  for (const [arm, init] of [['sparse', 'eoi'], ['dense', 'delta-orthogonal']] as const) {
    const model = buildCnn(ctx, cnnConfig(c, init));
    const loss = new SoftmaxCrossEntropy(ctx, CLASSES);
    const optimizer = new Sgd(ctx, model.parameters(), { lr: LR });
    try {
      const run = (maxSteps: number) => train(ctx, { model, loss, optimizer, train: data, batchSize: c.batch, maxSteps, epochs: 1000, logEvery: maxSteps });
      await run(WARMUP_STEPS); // pipelines compiled, buffers allocated
      rows.push(row(c, backend, 'orthosparse', arm, (await run(c.steps)).samplesPerSecond, ctx.adapterName));
      log(progressLine(rows.at(-1)!));
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  }
  return rows;
}

/** OIHW (cOut x cIn·k·k, row-major) to TF.js's HWIO. */
function toHwio(oihw: Float32Array, cOut: number, cIn: number, k: number): Float32Array {
  const hwio = new Float32Array(oihw.length);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < cIn; i++) {
      for (let t = 0; t < k * k; t++) hwio[(t * cIn + i) * cOut + o] = oihw[(o * cIn + i) * k * k + t]!;
    }
  }
  return hwio;
}

/**
 * TF.js (browser only): our sparse CNN's initial parameters as dense variables, each filter
 * multiplied by its mask in every step; SGD through optimizer.minimize. Each step builds the
 * batch tensors from host data (as train() uploads ours); the timed steps end with a readback of
 * the last loss (as ours ends with reading its loss).
 */
export async function benchTfjsCnnTraining(tf: typeof Tf, adapter: string, c: CnnTrainingCase, log: (line: string) => void): Promise<CnnTrainingRow> {
  const config = cnnConfig(c, 'eoi');
  const weights = initCnn(config);
  const convs = cnnConvs(config).map(({ cOut, shape }, l) => {
    const filter = weights.filters[l]!;
    const ones = { ...filter, values: new Float32Array(filter.values.length).fill(1) };
    const hwio = [KERNEL, KERNEL, shape.cIn, cOut] as [number, number, number, number];
    return {
      w: tf.variable(tf.tensor4d(toHwio(csrToDense(filter), cOut, shape.cIn, KERNEL), hwio)),
      mask: tf.tensor4d(toHwio(csrToDense(ones), cOut, shape.cIn, KERNEL), hwio),
      b: tf.variable(tf.tensor1d(weights.biases[l]!)),
      stride: shape.stride ?? 1,
      pad: shape.padding ?? 0,
    };
  });
  const wc = tf.variable(tf.tensor2d(weights.classifier, [CLASSES, c.channels]));
  const bc = tf.variable(tf.tensor1d(weights.classifierBias));
  const optimizer = tf.train.sgd(LR);
  const data = randomData(c);
  const pixels = IMAGE[1] * IMAGE[2];
  const step = (index: number, returnCost: boolean): Tf.Scalar | null => {
    const start = (index % (data.count / c.batch)) * c.batch;
    const xs = tf.tensor4d(data.inputs.subarray(start * pixels, (start + c.batch) * pixels), [c.batch, IMAGE[1], IMAGE[2], IMAGE[0]]);
    const onehot = new Float32Array(c.batch * CLASSES);
    for (let b = 0; b < c.batch; b++) onehot[b * CLASSES + data.labels[start + b]!] = 1;
    const ys = tf.tensor2d(onehot, [c.batch, CLASSES]);
    const cost = optimizer.minimize(() => {
      let a = xs as Tf.Tensor4D;
      for (const l of convs) a = tf.tanh(tf.add(tf.conv2d(a, tf.mul(l.w, l.mask) as Tf.Tensor4D, l.stride, l.pad), l.b));
      const pooled = tf.mean(a, [1, 2]) as Tf.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, wc, false, true), bc);
      return tf.losses.softmaxCrossEntropy(ys, logits) as Tf.Scalar;
    }, returnCost);
    xs.dispose();
    ys.dispose();
    return cost;
  };
  try {
    const run = async (steps: number, first: number) => {
      const t0 = performance.now();
      for (let s = 0; s < steps - 1; s++) step(first + s, false);
      const cost = step(first + steps - 1, true)!;
      await cost.data();
      cost.dispose();
      return performance.now() - t0;
    };
    await run(WARMUP_STEPS, 0); // shaders compiled, buffers allocated
    const ms = await run(c.steps, WARMUP_STEPS);
    const r = row(c, 'chromium', 'tfjs-webgpu', 'masked-dense', (c.steps * c.batch * 1000) / ms, adapter);
    log(progressLine(r));
    return r;
  } finally {
    optimizer.dispose();
    for (const l of convs) for (const t of [l.w, l.mask, l.b]) t.dispose();
    wc.dispose();
    bc.dispose();
  }
}

/** The goal: our sparse CNN trains at least this many times faster than TF.js masked dense. */
const GOAL_VS_TFJS = 5;

export function cnnTrainingMarkdown(rows: CnnTrainingRow[]): string {
  const same = (a: CnnTrainingRow, b: CnnTrainingRow) => a.backend === b.backend && a.depth === b.depth && a.channels === b.channels && a.batch === b.batch && a.stem === b.stem;
  const lines = rows.map((r) => {
    const dense = rows.find((x) => same(x, r) && x.arm === 'dense');
    const tfjs = rows.find((x) => same(x, r) && x.arm === 'masked-dense');
    const vs = (other: CnnTrainingRow | undefined) => (other ? `${(r.samplesPerSecond / other.samplesPerSecond).toFixed(2)}×` : '—');
    const goal = r.arm === 'sparse' && tfjs ? `≥ ${GOAL_VS_TFJS}× TF.js: ${r.samplesPerSecond / tfjs.samplesPerSecond >= GOAL_VS_TFJS ? 'met' : '**missed**'}` : '';
    return [r.backend, String(r.depth), String(r.channels), String(r.batch), ARM_LABEL[r.arm], r.arm === 'dense' ? '1' : String(r.density), r.samplesPerSecond.toFixed(1), r.msPerStep.toFixed(0), vs(dense), vs(tfjs), goal];
  });
  const c = rows[0];
  const adapters = [...new Map(rows.map((r) => [r.backend, r.adapter]))].map(([backend, adapter]) => `Adapter (${backend}): ${adapter}`);
  return [
    markdownTable(['backend', 'depth', 'channels', 'batch', 'model', 'conv density', 'samples/s', 'ms per step', 'vs ours dense', 'vs TF.js masked dense', 'goal'], lines),
    '',
    `Network: ${IMAGE.join(' x ')} input, ${c?.stem ?? DEFAULT_CNN_TRAINING.stem} stride-2 stem convolutions then \`depth\` stride-1 ${KERNEL}x${KERNEL} convolutions, zero padding, tanh, global average pooling, dense ${CLASSES}-way classifier; one step = forward + softmax cross-entropy + backward + plain SGD update (lr ${LR}), batch uploaded from the host every step; ${WARMUP_STEPS} warm-up steps, then ${c?.steps ?? DEFAULT_CNN_TRAINING.steps} timed steps ending with a loss readback.`,
    adapters.join('  \n'),
  ].join('\n') + '\n';
}
