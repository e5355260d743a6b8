/**
 * The network of a NetworkFrame on the GPU with given pruned weights, for the GPU gradient source
 * and trainer: an MLP of SparseLinear layers (a dense layer is density 1), or a CNN whose every
 * convolution is a SparseConv2d, so each pattern holds exactly.
 */
import type { Context } from '../gpu/context.js';
import { assembleCnn } from '../nn/cnn.js';
import { assembleMlp } from '../nn/mlp.js';
import type { Sequential } from '../nn/sequential.js';
import { SparseConv2d } from '../nn/sparse-conv2d.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { cnnConfigFor, type NetworkFrame } from './network.js';
import { chainOf } from './reference-mlp.js';
import { mlpConfigFor } from './shapes.js';
import type { WeightsLike } from './types.js';

export interface GpuNetwork {
  model: Sequential;
  /** the layers holding the pruned weights, in order */
  pruned: Array<SparseLinear | SparseConv2d>;
  /** input features and logits per example */
  features: number;
  classes: number;
  /** what each pruned layer's weight gradient is multiplied by to be the gradient of the loss on logits / temperature */
  gradScale: number[];
}

/**
 * Logits / T without a kernel for it: the layer giving the logits has its weights and bias divided
 * by T, which gives exactly that output. For an MLP that layer is the last pruned one, whose
 * gradient is then dL/d(W / T) = T·dL/dW, hence its gradScale 1 / T; a CNN's is the classifier,
 * which no caller reads. Everything is checked (chainOf) before anything is allocated.
 */
export function assembleNetwork(ctx: Context, frame: NetworkFrame, weights: readonly WeightsLike[], temperature = 1): GpuNetwork {
  const { features, classes } = chainOf(frame, weights);
  const last = weights.length - 1;
  const logitScale = (l: number) => (!frame.cnn && l === last ? 1 / temperature : 1);
  const filters = weights.map((w, l): CsrMatrix => ({ rows: w.rows, cols: w.cols, rowPtr: w.rowPtr, colIdx: w.colIdx, values: Float32Array.from(w.values, (v) => v * logitScale(l)) }));
  const biases = weights.map((w, l) => Float32Array.from(frame.biases?.[l] ?? new Float32Array(w.rows), (v) => v * logitScale(l)));
  let model: Sequential;
  if (frame.cnn) {
    const { classifier, classifierBias } = frame.cnn;
    model = assembleCnn(ctx, cnnConfigFor(frame.cnn, frame.activation), {
      filters,
      biases,
      classifier: Float32Array.from(classifier, (v) => v / temperature),
      classifierBias: Float32Array.from(classifierBias ?? new Float32Array(classes), (v) => v / temperature),
    });
  } else {
    model = assembleMlp(ctx, mlpConfigFor(weights.map((w) => [w.rows, w.cols] as const), frame.activation), filters, biases);
  }
  const pruned = model.layers.filter((l): l is SparseLinear | SparseConv2d => l instanceof SparseLinear || l instanceof SparseConv2d);
  return { model, pruned, features, classes, gradScale: weights.map((_, l) => logitScale(l)) };
}
