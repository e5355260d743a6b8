/**
 * Softmax cross-entropy as a training-loop object: forward() encodes the fused loss/gradient/argmax
 * kernel for a batch, backward() hands the gradient to the model, and the per-example losses and
 * predictions stay on the GPU until someone asks (readLoss, readCorrect), so a training step needs
 * no readback.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { countCorrect, meanOf, type SoftmaxXentOptions, smoothedTarget, softmaxXentInto } from '../kernels/softmax-xent.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { checkClassCount } from '../validate.js';
import { Workspace } from './workspace.js';

/**
 * Mean softmax cross-entropy over a batch of `classes` logits (activation layout), with optional
 * label smoothing: forward() computes the per-example losses, dL/dlogits and the predictions on the
 * GPU; the gradient is what the model's backward pass takes.
 *
 * @throws RangeError (constructor) when classes is not an integer >= 2, or the options are out of range
 */
export class SoftmaxCrossEntropy {
  private readonly ws: Workspace;
  private predictions: GpuTensor<'u32'> | undefined;
  private last: { batch: number; loss: GpuTensor<'f32'>; dLogits: GpuTensor<'f32'> } | undefined;

  constructor(
    private readonly ctx: Context,
    readonly classes: number,
    /** Label smoothing; may be changed between steps (a schedule). */
    public options: SoftmaxXentOptions = {},
  ) {
    checkClassCount('classes', classes);
    smoothedTarget(classes, options);
    this.ws = new Workspace(ctx, 'xent');
  }

  /** Encode loss and gradient for logits (classes rows, the activation layout) against labels (batch, on the GPU). */
  async forward(logits: GpuTensor<'f32'>, labels: GpuTensor<'u32'>, batch: number): Promise<void> {
    const loss = this.ws.get('loss', batch);
    const dLogits = this.ws.get('dLogits', this.classes * featureMajorStride(batch));
    if (!this.predictions || this.predictions.length !== batch) {
      this.predictions?.destroy();
      this.predictions = this.ctx.zeros('u32', batch, 'xent.predictions');
    }
    await softmaxXentInto(this.ctx, logits, labels, { loss, dLogits, predictions: this.predictions }, { batch, classes: this.classes }, this.options);
    this.last = { batch, loss, dLogits };
  }

  /** dL/dlogits of the batch-mean loss from the last forward(). */
  backward(): GpuTensor<'f32'> {
    if (!this.last) throw new Error('SoftmaxCrossEntropy.backward before forward');
    return this.last.dLogits;
  }

  /** Mean loss of the last forward() (reads back: call it every few steps, not every step). */
  async readLoss(): Promise<number> {
    if (!this.last) throw new Error('SoftmaxCrossEntropy.readLoss before forward');
    return meanOf(await this.ctx.read(this.last.loss));
  }

  /** Correct predictions of the last forward() against host labels. */
  async readCorrect(labels: ArrayLike<number>): Promise<number> {
    if (!this.predictions) throw new Error('SoftmaxCrossEntropy.readCorrect before forward');
    return countCorrect(await this.ctx.read(this.predictions), labels);
  }

  /** Frees the loss's GPU buffers. */
  destroy(): void {
    this.ws.destroy();
    this.predictions?.destroy();
  }
}
