/**
 * Fused softmax cross-entropy with label smoothing (shaders/softmax-xent.wgsl): per-example loss,
 * the gradient of the batch-mean loss with respect to the logits, and each row's argmax for
 * accuracy. Host side: targets from the smoothing convention, validation, workgroup choice,
 * dispatch, and a one-shot form that validates labels on the host.
 */
import source from '../../shaders/softmax-xent.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkClassCount, checkLabels, checkLength, checkNumberBelow, checkObject, checkPositiveInt, checkTypedArray } from '../validate.js';
import { fromActivationLayout, toActivationLayout } from '../sparse/activation-layout.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const softmaxXentKernel: KernelSource = { name: 'softmax-xent', source };

/**
 * How label smoothing α spreads over the classes (both keep the target summing to 1):
 * - 'others' (the any-mask recipe's released code): 1 - α on the label, α/(C - 1) on every
 *   other class;
 * - 'uniform' (PyTorch's CrossEntropyLoss(label_smoothing=α)): (1 - α)·onehot + α/C, so the label
 *   gets 1 - α + α/C and every other class α/C.
 */
export const SMOOTHING_CONVENTIONS = ['others', 'uniform'] as const;
/** One of SMOOTHING_CONVENTIONS: how label smoothing spreads α over the classes. */
export type SmoothingConvention = (typeof SMOOTHING_CONVENTIONS)[number];

/** Options of softmaxXent and softmaxXentInto. */
export interface SoftmaxXentOptions {
  /** α in [0, 1); default 0 (one-hot targets). */
  labelSmoothing?: number;
  /** Default 'others'. */
  smoothing?: SmoothingConvention;
}

/** The shape of a softmax cross-entropy: batch rows of `classes` logits. */
export interface XentDims {
  batch: number;
  /** At least 2. */
  classes: number;
}

/** The smoothed target: `onTarget` on the label, `offTarget` on each other class. */
export interface SmoothedTarget {
  onTarget: number;
  offTarget: number;
}

export function checkXentDims(dims: XentDims): void {
  checkObject('dims', dims, 'a { batch, classes }');
  checkPositiveInt('dims.batch', dims.batch);
  checkClassCount('dims.classes', dims.classes);
}

/** Validates the options and derives the target for `classes` classes. */
export function smoothedTarget(classes: number, opts: SoftmaxXentOptions = {}): SmoothedTarget {
  checkObject('opts', opts, 'a softmax cross-entropy options');
  const alpha = checkNumberBelow('opts.labelSmoothing', opts.labelSmoothing ?? 0, 0, 1);
  const smoothing = opts.smoothing ?? 'others';
  if (!SMOOTHING_CONVENTIONS.includes(smoothing)) {
    throw new RangeError(`opts.smoothing must be one of ${SMOOTHING_CONVENTIONS.join(', ')}, got ${String(smoothing)}`);
  }
  if (smoothing === 'others') return { onTarget: 1 - alpha, offTarget: alpha / (classes - 1) };
  return { onTarget: 1 - alpha + alpha / classes, offTarget: alpha / classes };
}

/** One workgroup per row: a power of two from 32 (one pipeline for all small class counts) to 256. */
function xentWorkgroupSize(classes: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(classes))));
}

/** Where softmaxXentInto writes: per-row loss, dL/dlogits and the predicted classes. */
export interface SoftmaxXentOutputs {
  /** batch: each row's loss. */
  loss: GpuTensor<'f32'>;
  /** The gradient of the batch-mean loss, (softmax - target)/batch, in the activation layout (classes rows). */
  dLogits: GpuTensor<'f32'>;
  /** batch: each row's argmax, the lowest class on ties. */
  predictions: GpuTensor<'u32'>;
}

/**
 * Loss, gradient and predictions for logits in the activation layout (classes rows of
 * featureMajorStride(batch) examples) on the GPU. Labels
 * already on the GPU cannot be checked here: a label >= classes makes that row's loss and gradient
 * NaN (checkLabels validates host arrays before upload).
 */
export async function softmaxXentInto(
  ctx: Context,
  logits: GpuTensor<'f32'>,
  labels: GpuTensor<'u32'>,
  out: SoftmaxXentOutputs,
  dims: XentDims,
  opts: SoftmaxXentOptions = {},
  fold: FoldOptions = {},
): Promise<void> {
  checkXentDims(dims);
  const { batch, classes } = dims;
  const target = smoothedTarget(classes, opts);
  const stride = featureMajorStride(batch);
  checkFeatureMajor('logits', logits, classes, 'classes', batch);
  checkTensor('labels', labels, 'u32', batch, 'batch');
  checkTensor('out.loss', out.loss, 'f32', batch, 'batch');
  checkFeatureMajor('out.dLogits', out.dLogits, classes, 'classes', batch);
  checkTensor('out.predictions', out.predictions, 'u32', batch, 'batch');
  checkNoAliasing({ 'out.loss': out.loss, 'out.dLogits': out.dLogits, 'out.predictions': out.predictions }, { logits, labels });
  await ctx.dispatch(softmaxXentKernel, {
    constants: { WORKGROUP_SIZE: xentWorkgroupSize(classes) },
    buffers: { logits, labels, ...out },
    uniforms: { batch, stride, classes, ...target, gradScale: 1 / batch },
    workgroups: gridFor(ctx, stride, fold),
  });
}

/** What softmaxXent returns on the host: per-row losses, their mean, and the gradient. */
export interface SoftmaxXentResult {
  loss: Float32Array;
  /** The batch mean of `loss`, summed in float64. */
  meanLoss: number;
  dLogits: Float32Array;
  predictions: Uint32Array;
  /** How many predictions equal their label. */
  correct: number;
}

/** One-shot: validate (labels included), upload, run on the GPU, read everything back. */
export async function softmaxXent(
  ctx: Context,
  logits: Float32Array,
  labels: Uint32Array,
  dims: XentDims,
  opts: SoftmaxXentOptions = {},
  fold: FoldOptions = {},
): Promise<SoftmaxXentResult> {
  checkXentDims(dims);
  checkTypedArray('logits', logits, Float32Array);
  checkTypedArray('labels', labels, Uint32Array);
  checkLength('logits', logits, dims.batch * dims.classes, 'batch*classes');
  checkLength('labels', labels, dims.batch, 'batch');
  checkLabels('labels', labels, dims.classes);
  const { batch, classes } = dims;
  const tensors = {
    logits: ctx.upload('f32', toActivationLayout(logits, batch, classes), 'xent.logits'),
    labels: ctx.upload('u32', labels, 'xent.labels'),
    loss: ctx.zeros('f32', batch, 'xent.loss'),
    dLogits: ctx.zeros('f32', classes * featureMajorStride(batch), 'xent.dLogits'),
    predictions: ctx.zeros('u32', batch, 'xent.predictions'),
  };
  try {
    const { loss, dLogits, predictions } = tensors;
    await softmaxXentInto(ctx, tensors.logits, tensors.labels, { loss, dLogits, predictions }, dims, opts, fold);
    const [lossValues, dLogitValues] = await ctx.readAll([loss, dLogits]);
    const result = { loss: lossValues!, dLogits: fromActivationLayout(dLogitValues!, batch, classes), predictions: await ctx.read(predictions) };
    return { ...result, meanLoss: meanOf(result.loss), correct: countCorrect(result.predictions, labels) };
  } finally {
    for (const t of Object.values(tensors)) t.destroy();
  }
}

/** Mean of per-example losses, summed in float64. */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** How many predictions equal their label (the accuracy's numerator). */
export function countCorrect(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLength('predictions', predictions, labels.length, 'labels.length');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct;
}
