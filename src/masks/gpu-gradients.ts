/**
 * The GradientSource on the GPU: the network assembled from the given weights (gpu-network.ts: an
 * MLP of SparseLinear layers, or a CNN of SparseConv2d layers with its classifier), forward, loss
 * and backward per batch, the pruned layers' weight gradients read back. Its hessianVector is the
 * float64 CPU one on the same batches: there is no second-order pass on the GPU, and finite
 * differences of float32 gradients miss ReLU's kinks (see grasp.ts).
 */
import type { Context } from '../gpu/context.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { toActivationLayout } from '../sparse/activation-layout.js';
import { checkBatches } from './gradients.js';
import { assembleNetwork } from './gpu-network.js';
import type { NetworkFrame } from './network.js';
import { chainOf, summedHessianVector } from './reference-mlp.js';
import type { Batch, GradientSource } from './types.js';

/** The network's fixed parts (activation, biases; `cnn` for a CNN's filters) and the batches. */
export type GpuGradientOptions = NetworkFrame & { batches: readonly Batch[] };

/**
 * A GradientSource computing loss gradients on the GPU for the given batches; its hessianVector is the exact float64 one on the CPU.
 */
export function gpuGradientSource(ctx: Context, opts: GpuGradientOptions): GradientSource {
  const { batches } = opts;
  return {
    batches: batches.length,
    async perBatch(weights, temperature, visit) {
      const { features, classes } = chainOf(opts, weights);
      checkBatches(batches, features, classes);
      const { model, pruned, gradScale } = assembleNetwork(ctx, opts, weights, temperature);
      const loss = new SoftmaxCrossEntropy(ctx, classes);
      try {
        for (let b = 0; b < batches.length; b++) await visitBatch(batches[b]!, b);
      } finally {
        model.destroy();
        loss.destroy();
      }

      async function visitBatch(batch: Batch, index: number): Promise<void> {
        const x = ctx.upload('f32', toActivationLayout(batch.inputs, batch.count, features));
        const labels = ctx.upload('u32', Uint32Array.from(batch.labels));
        try {
          const logits = await model.forward(x, batch.count);
          await loss.forward(logits, labels, batch.count);
          await model.backwardParameters(loss.backward(), batch.count);
          const grads = (await ctx.readAll(pruned.map((layer) => layer.parameters()[0]!.grad))).map((g, l) => Float64Array.from(g, (v) => v * gradScale[l]!));
          visit(grads, index);
        } finally {
          x.destroy();
          labels.destroy();
        }
      }
    },
    async hessianVector(weights, v, temperature) {
      return summedHessianVector(opts, weights, v, temperature);
    },
  };
}
