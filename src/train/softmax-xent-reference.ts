/**
 * Float64 reference of the fused softmax cross-entropy (src/kernels/softmax-xent.ts): the same
 * smoothed targets, per-row loss, gradient of the batch-mean loss and argmax (lowest class on ties).
 */
import { type SoftmaxXentOptions, type XentDims, checkXentDims, smoothedTarget } from '../kernels/softmax-xent.js';
import { checkLabels, checkLength, checkNumberArray } from '../validate.js';

export interface SoftmaxXentReference {
  loss: Float64Array;
  dLogits: Float64Array;
  predictions: Uint32Array;
}

export function softmaxXentRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  dims: XentDims,
  opts: SoftmaxXentOptions = {},
): SoftmaxXentReference {
  checkXentDims(dims);
  const { batch, classes } = dims;
  checkLength('logits', checkNumberArray('logits', logits), batch * classes, 'batch*classes');
  checkLength('labels', checkNumberArray('labels', labels), batch, 'batch');
  checkLabels('labels', labels, classes);
  const { onTarget, offTarget } = smoothedTarget(classes, opts);
  const loss = new Float64Array(batch);
  const dLogits = new Float64Array(batch * classes);
  const predictions = new Uint32Array(batch);
  for (let b = 0; b < batch; b++) {
    const z = (c: number) => logits[b * classes + c]!;
    let best = 0;
    for (let c = 1; c < classes; c++) if (z(c) > z(best)) best = c;
    const m = z(best);
    let sum = 0;
    let targetDistance = 0;
    for (let c = 0; c < classes; c++) {
      sum += Math.exp(z(c) - m);
      targetDistance += (c === labels[b] ? onTarget : offTarget) * (m - z(c));
    }
    loss[b] = Math.log(sum) + targetDistance;
    predictions[b] = best;
    for (let c = 0; c < classes; c++) {
      dLogits[b * classes + c] = (Math.exp(z(c) - m) / sum - (c === labels[b] ? onTarget : offTarget)) / batch;
    }
  }
  return { loss, dLogits, predictions };
}
