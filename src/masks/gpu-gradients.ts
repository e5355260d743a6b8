/**
 * The GradientSource on the GPU: the MLP assembled from the given weights (SparseLinear layers; a
 * dense layer is density 1), forward, loss and backward per batch, weight gradients read back.
 * Its hessianVector is the float64 CPU one on the same batches: there is no second-order pass on
 * the GPU, and finite differences of float32 gradients miss ReLU's kinks (see grasp.ts).
 */
import type { Context } from '../gpu/context.js';
import type { Activation } from '../kernels/activation.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { assembleMlp } from '../nn/mlp.js';
import { toActivationLayout } from '../sparse/activation-layout.js';
import { checkBatches } from './gradients.js';
import { summedHessianVector } from './reference-mlp.js';
import { mlpConfigFor } from './shapes.js';
import type { Batch, GradientSource } from './types.js';

export interface GpuGradientOptions {
  activation: Activation;
  batches: readonly Batch[];
  /** one per layer; zeros when omitted */
  biases?: readonly Float32Array[];
}

export function gpuGradientSource(ctx: Context, opts: GpuGradientOptions): GradientSource {
  const { activation, batches } = opts;
  return {
    batches: batches.length,
    async perBatch(weights, temperature, visit) {
      const last = weights.length - 1;
      const config = mlpConfigFor(
        weights.map((w) => [w.rows, w.cols] as const),
        activation,
      );
      checkBatches(batches, config.inputs, config.classes);
      // Logits / T without a kernel for it: the last layer's weights and bias divided by T give
      // exactly that output, and dL/dW_last = (dL/d(W_last / T)) / T.
      const scale = (l: number) => (l === last ? 1 / temperature : 1);
      const scaled = weights.map((w, l) => ({ ...w, values: Float32Array.from(w.values, (v) => v * scale(l)) }));
      const biases = weights.map((w, l) => Float32Array.from(opts.biases?.[l] ?? new Float32Array(w.rows), (v) => v * scale(l)));
      const model = assembleMlp(ctx, config, scaled, biases);
      const loss = new SoftmaxCrossEntropy(ctx, config.classes);
      const weightParams = model.parameters().filter((p) => p.name.endsWith('.weight'));
      try {
        for (let b = 0; b < batches.length; b++) await visitBatch(batches[b]!, b);
      } finally {
        model.destroy();
        loss.destroy();
      }

      async function visitBatch(batch: Batch, index: number): Promise<void> {
        const x = ctx.upload('f32', toActivationLayout(batch.inputs, batch.count, config.inputs));
        const labels = ctx.upload('u32', Uint32Array.from(batch.labels));
        try {
          const logits = await model.forward(x, batch.count);
          await loss.forward(logits, labels, batch.count);
          await model.backward(loss.backward(), batch.count);
          const grads = (await ctx.readAll(weightParams.map((p) => p.grad))).map((g, l) => Float64Array.from(g, (v) => v * scale(l)));
          visit(grads, index);
        } finally {
          x.destroy();
          labels.destroy();
        }
      }
    },
    async hessianVector(weights, v, temperature) {
      return summedHessianVector({ activation, batches, biases: opts.biases }, weights, v, temperature);
    },
  };
}

