/**
 * The training loop: seeded shuffling, batches uploaded into reused GPU tensors, forward, loss,
 * backward, optimizer step; loss and accuracy read back only every `logEvery` steps so the GPU
 * queue stays full; evaluation on a held-out set; progress through callbacks.
 */
import { createDynamicSparsity, type DstUpdateRecord, type StateLookup } from '../dst/dynamic.js';
import type { DstOptions } from '../dst/schedule.js';
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { backwardParametersOf, type Layer } from '../nn/layer.js';
import type { SoftmaxCrossEntropy } from '../nn/loss.js';
import { Rng } from '../random.js';
import { featureMajorStride } from '../sparse/activation-layout.js';
import { checkFiniteFloat32, checkLabels, checkNumberArray, checkObject, checkPositiveInt, checkSeed } from '../validate.js';

/** Examples as rows of a row-major matrix, with integer class labels. */
export interface Dataset {
  count: number;
  features: number;
  /** count x features */
  inputs: Float32Array;
  labels: Uint8Array | Uint32Array;
}

/** What the loop needs of an optimizer: one update of every parameter from its gradient. */
export interface Optimizer {
  /** Updates every parameter from its gradient (one optimizer step). */
  step(): Promise<void>;
  /** where a parameter's state lives; needed by the `dst` option to move it with the weights */
  stateOf?: StateLookup;
}

/** One logged training step: its index, epoch, batch loss and batch accuracy. */
export interface StepRecord {
  step: number;
  epoch: number;
  /** mean loss of the logged batch */
  loss: number;
  /** accuracy of the logged batch */
  accuracy: number;
}

/** One evaluation on the test subset during training. */
export interface EvalRecord {
  step: number;
  loss: number;
  accuracy: number;
}

/** Progress of the training loop, for progress bars. */
export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  accuracy: number;
  elapsedMs: number;
  /** estimated time to finish, from the mean step time so far */
  etaMs: number;
}

/** What train() runs: the model, its loss and optimizer, the data, the budget and what to log. */
export interface TrainOptions {
  model: Layer;
  loss: SoftmaxCrossEntropy;
  optimizer: Optimizer;
  train: Dataset;
  test?: Dataset;
  epochs?: number;
  /** stop after this many steps (a budget), even mid-epoch */
  maxSteps?: number;
  batchSize: number;
  seed?: number;
  /** read back loss and accuracy every this many steps (default 20) */
  logEvery?: number;
  /** evaluate on `test` every this many steps (default: at the end of each epoch) */
  evalEvery?: number;
  /** examples of `test` used per evaluation (default all) */
  evalLimit?: number;
  /** before every step: schedules (learning rate, recipe blends) hook in here */
  beforeStep?: (step: number, totalSteps: number) => void | Promise<void>;
  /** After each logged step. */
  onProgress?: (p: Progress) => void;
  /** After each evaluation on `test`. */
  onEval?: (e: EvalRecord) => void;
  /** dynamic sparse training (SET or RigL) of the model's sparse fully connected layers, after the optimizer's step */
  dst?: DstOptions;
}

/** What train() returns: the logged steps, the evaluations, the throughput and the step count. */
export interface TrainHistory {
  steps: StepRecord[];
  evals: EvalRecord[];
  /** training throughput, examples per second (evaluation excluded) */
  samplesPerSecond: number;
  totalSteps: number;
  /** the mask updates made, when `dst` was given */
  dst?: DstUpdateRecord[];
}

/**
 * The training loop: `opts.epochs` passes over `opts.train` in shuffled mini-batches of
 * `opts.batchSize` (the last partial batch dropped, at most `opts.maxSteps` steps), forward,
 * softmax cross-entropy, backward and one optimizer step per batch, with the loss and accuracy
 * logged every `opts.logEvery` steps and test accuracy every `opts.evalEvery` (on the first
 * `opts.evalLimit` test examples). Deterministic in `opts.seed`. Returns the per-step records,
 * the evaluations and the throughput.
 *
 * @throws RangeError or TypeError naming the option (batchSize, epochs, logEvery, seed, a data set
 * whose features do not match the model's inputs, labels outside the classes) before the first step
 */
export async function train(ctx: Context, opts: TrainOptions): Promise<TrainHistory> {
  const { model, loss, optimizer, train: data, batchSize } = opts;
  checkPositiveInt('batchSize', batchSize);
  checkDataset('train', data, model.inFeatures, loss.classes);
  if (opts.test) checkDataset('test', opts.test, model.inFeatures, loss.classes);
  const epochs = checkPositiveInt('epochs', opts.epochs ?? 1);
  if (opts.maxSteps !== undefined) checkPositiveInt('maxSteps', opts.maxSteps);
  if (opts.evalEvery !== undefined) checkPositiveInt('evalEvery', opts.evalEvery);
  if (opts.evalLimit !== undefined) checkPositiveInt('evalLimit', opts.evalLimit);
  const logEvery = checkPositiveInt('logEvery', opts.logEvery ?? 20);
  const rng = new Rng(checkSeed(opts.seed));
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = Math.min(epochs * stepsPerEpoch, opts.maxSteps ?? Infinity);
  const dst = opts.dst && createDynamicSparsity(ctx, model, optimizer, opts.dst);
  const batches = new BatchUploader(ctx, data.features);
  const history: TrainHistory = { steps: [], evals: [], samplesPerSecond: 0, totalSteps };
  let trainMs = 0;
  let samples = 0;
  let step = 0;
  const t0 = performance.now();
  try {
    for (let epoch = 0; epoch < epochs && step < totalSteps; epoch++) {
      const order = rng.shuffle(Uint32Array.from({ length: data.count }, (_, i) => i));
      for (let start = 0; start < data.count && step < totalSteps; start += batchSize) {
        const tStep = performance.now();
        const indices = order.subarray(start, Math.min(start + batchSize, data.count));
        await opts.beforeStep?.(step, totalSteps);
        const { x, labels, hostLabels } = batches.upload(data, indices);
        const logits = await model.forward(x, indices.length);
        await loss.forward(logits, labels, indices.length);
        // The input's gradient is never read: the bottom layer skips its transposed product.
        await backwardParametersOf(model, loss.backward(), indices.length);
        await optimizer.step();
        step++;
        await dst?.afterStep(step);
        samples += indices.length;
        if (step % logEvery === 0 || step === totalSteps) {
          const record = { step, epoch, loss: await loss.readLoss(), accuracy: (await loss.readCorrect(hostLabels)) / indices.length };
          history.steps.push(record);
          trainMs += performance.now() - tStep;
          const elapsedMs = performance.now() - t0;
          opts.onProgress?.({ ...record, totalSteps, elapsedMs, etaMs: (elapsedMs / step) * (totalSteps - step) });
        } else {
          trainMs += performance.now() - tStep;
        }
        const evalNow = opts.evalEvery ? step % opts.evalEvery === 0 : start + batchSize >= data.count;
        if (opts.test && (evalNow || step === totalSteps)) {
          await ctx.sync();
          const e = { step, ...(await evaluate(ctx, model, loss, opts.test, batchSize, opts.evalLimit)) };
          if (history.evals.at(-1)?.step !== step) {
            history.evals.push(e);
            opts.onEval?.(e);
          }
        }
      }
    }
    await ctx.sync();
  } finally {
    batches.destroy();
    dst?.destroy();
  }
  if (dst) history.dst = dst.updates;
  history.samplesPerSecond = samples / (trainMs / 1000);
  return history;
}

/** Mean loss and accuracy over (the first `limit` examples of) a data set. */
export async function evaluate(
  ctx: Context,
  model: Layer,
  loss: SoftmaxCrossEntropy,
  data: Dataset,
  batchSize: number,
  limit = data.count,
): Promise<{ loss: number; accuracy: number }> {
  const count = Math.min(limit, data.count);
  const batches = new BatchUploader(ctx, data.features);
  let lossSum = 0;
  let correct = 0;
  try {
    for (let start = 0; start < count; start += batchSize) {
      const indices = Uint32Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
      const { x, labels, hostLabels } = batches.upload(data, indices);
      const logits = await model.forward(x, indices.length);
      await loss.forward(logits, labels, indices.length);
      lossSum += (await loss.readLoss()) * indices.length;
      correct += await loss.readCorrect(hostLabels);
    }
  } finally {
    batches.destroy();
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

/** Shapes, finite float32 inputs, and every label a class index below `classes`. */
function checkDataset(name: string, data: Dataset, features: number, classes: number): void {
  checkObject(name, data, 'a { count, features, inputs, labels }');
  checkPositiveInt(`${name}.count`, data.count);
  if (data.features !== features) throw new RangeError(`${name}.features must equal the model's inFeatures (${features}), got ${data.features}`);
  if (data.inputs.length !== data.count * data.features) {
    throw new RangeError(`${name}.inputs must have length count*features = ${data.count * data.features}, got ${data.inputs.length}`);
  }
  if (data.labels.length !== data.count) throw new RangeError(`${name}.labels must have length count = ${data.count}, got ${data.labels.length}`);
  checkFiniteFloat32(`${name}.inputs`, data.inputs);
  checkLabels(`${name}.labels`, checkNumberArray(`${name}.labels`, data.labels), classes);
}

/**
 * Gathers a batch's rows on the CPU straight into the activation layout (the transpose costs
 * nothing there) and writes them into GPU tensors reused while the batch size holds.
 */
class BatchUploader {
  private x: GpuTensor<'f32'> | undefined;
  private labels: GpuTensor<'u32'> | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly features: number,
  ) {}

  upload(data: Dataset, indices: Uint32Array) {
    const n = indices.length;
    const stride = featureMajorStride(n);
    const features = this.features;
    if (this.x?.length !== features * stride) {
      this.destroy();
      this.x = this.ctx.zeros('f32', features * stride, 'batch.x');
      this.labels = this.ctx.zeros('u32', n, 'batch.labels');
    }
    const hostX = new Float32Array(features * stride);
    const hostLabels = new Uint32Array(n);
    indices.forEach((row, b) => {
      const example = data.inputs.subarray(row * features, (row + 1) * features);
      for (let f = 0; f < features; f++) hostX[f * stride + b] = example[f]!;
      hostLabels[b] = data.labels[row]!;
    });
    this.ctx.write(this.x!, hostX);
    this.ctx.write(this.labels!, hostLabels);
    return { x: this.x!, labels: this.labels!, hostLabels };
  }

  destroy(): void {
    this.x?.destroy();
    this.labels?.destroy();
    this.x = undefined;
    this.labels = undefined;
  }
}
