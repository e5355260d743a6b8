/**
 * A GradientSource over a built model, in place: what GradInit runs on for networks that have no
 * float64 reference (CNNs). Its weights are those of the model's sparse layers (sparseLayers(),
 * in model order), written into those layers at every call; everything else (biases, dense layers,
 * the classifier, the activations as they are set) is held as it is. Per batch: forward, plain
 * mean cross-entropy, backward on the GPU, the sparse layers' weight gradients read back. The
 * model keeps the weights written last: the caller writes the ones it wants afterwards.
 * Unlike the mask generators' sources, hessianVector is not exact (the GPU has no second-order
 * pass): it is the central difference of two gradient passes, (∇L(θ + εv) − ∇L(θ − εv)) / 2ε
 * with ε·||v|| = 1e-2·||θ||. For a smooth activation that balances float32 rounding (~1e-6 of the
 * gradient, amplified by 1/ε) against the O(ε²) truncation, ~1e-4 relative; across ReLU's kinks
 * it is a difference quotient, not the almost-everywhere Hessian. (src/masks has the exact float64
 * R-operator for CNNs too, but on the CPU: about 2 s per product at batch 32 for a 32-channel,
 * 4 + 2 convolution MNIST CNN here, against two GPU gradient passes.)
 * With `biases` the source's tensors are the sparse layers' weights and then their biases (each a
 * 1 x n row, biasTensor), and the gradients come for both: the released code's LRsI scales both.
 */
import type { Context } from '../gpu/context.js';
import { checkBatches, summedGradients } from '../masks/gradients.js';
import type { Batch, GradientSource, WeightsLike } from '../masks/types.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import type { Sequential } from '../nn/sequential.js';
import { SparseConv2d } from '../nn/sparse-conv2d.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { toActivationLayout } from '../sparse/activation-layout.js';

/** A layer whose weights are stored at a fixed mask: what LRsI scales and the ghost skips wrap. */
export type SparseLayer = SparseLinear | SparseConv2d;

/** The model's SparseLinear and SparseConv2d layers, in order. */
export function sparseLayers(model: Sequential): SparseLayer[] {
  return model.layers.filter((l): l is SparseLayer => l instanceof SparseLinear || l instanceof SparseConv2d);
}

/** The finite-difference step's length relative to the weights' norm. */
const RELATIVE_STEP = 1e-2;

function norm(arrays: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}

/** A bias vector as the 1 x n tensor a GradientSource with biases takes. */
export function biasTensor(values: ArrayLike<number>): WeightsLike {
  const n = values.length;
  return { rows: 1, cols: n, rowPtr: Uint32Array.of(0, n), colIdx: Uint32Array.from({ length: n }, (_, i) => i), values };
}

/**
 * A GradientSource over the model itself on the GPU (its sparse layers' weights), for GradInit on
 * CNNs: gradients exact to float32, hessianVector a central difference of two gradient passes.
 * With `opts.biases` its tensors are the sparse layers' weights, then their biases (biasTensor rows).
 * @throws RangeError when the model has no sparse layers or a batch does not match its inputs and outputs
 */
export function modelGradientSource(ctx: Context, model: Sequential, batches: readonly Batch[], opts: { biases?: boolean } = {}): GradientSource {
  const layers = sparseLayers(model);
  if (layers.length === 0) throw new RangeError('modelGradientSource needs a model with sparse layers (SparseLinear or SparseConv2d); this one has none');
  checkBatches(batches, model.inFeatures, model.outFeatures);
  const param = (name: string) => layers.map((l) => l.parameters().find((p) => p.name === name)!);
  const biases = opts.biases ? param('bias') : [];
  const grads = [...param('weight'), ...biases].map((p) => p.grad);
  const tensors = layers.length + biases.length;

  async function write(weights: readonly WeightsLike[]): Promise<void> {
    if (weights.length !== tensors) throw new RangeError(`weights must hold one matrix per sparse layer (${layers.length})${biases.length ? ', then one bias row per layer' : ''}, got ${weights.length}`);
    biases.forEach((b, l) => {
      const values = weights[layers.length + l]!.values;
      if (values.length !== b.values.length) throw new RangeError(`weights[${layers.length + l}] must be sparse layer ${l}'s ${b.values.length} biases, got ${values.length}`);
      ctx.write(b.values, Float32Array.from(values));
    });
    for (const [l, layer] of layers.entries()) {
      const { rowPtr, colIdx } = layer.mask;
      const w = weights[l]!;
      const same = w.rowPtr.length === rowPtr.length && w.colIdx.length === colIdx.length && w.colIdx.every((c, i) => c === colIdx[i]) && w.rowPtr.every((r, i) => r === rowPtr[i]);
      if (!same) throw new RangeError(`weights[${l}] must have sparse layer ${l}'s mask (its rowPtr and colIdx)`);
      await layer.writeWeight(Float32Array.from(w.values));
    }
  }

  const source: GradientSource = {
    batches: batches.length,
    async perBatch(weights, temperature, visit) {
      if (temperature !== 1) throw new RangeError(`temperature must be 1 for a model's own gradients (its logits are not rescaled), got ${temperature}`);
      await write(weights);
      const loss = new SoftmaxCrossEntropy(ctx, model.outFeatures);
      try {
        for (const [b, batch] of batches.entries()) {
          const x = ctx.upload('f32', toActivationLayout(batch.inputs, batch.count, model.inFeatures));
          const labels = ctx.upload('u32', Uint32Array.from(batch.labels));
          try {
            await loss.forward(await model.forward(x, batch.count), labels, batch.count);
            await model.backwardParameters(loss.backward(), batch.count);
            visit((await ctx.readAll(grads)).map((g) => Float64Array.from(g)), b);
          } finally {
            x.destroy();
            labels.destroy();
          }
        }
      } finally {
        loss.destroy();
      }
    },
    async hessianVector(weights, v, temperature) {
      const vNorm = norm(v);
      if (vNorm === 0) return weights.map((w) => new Float64Array(w.values.length));
      const eps = (RELATIVE_STEP * (norm(weights.map((w) => w.values)) || 1)) / vNorm;
      const shifted = (sign: number) => weights.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (x, i) => x + sign * eps * v[l]![i]!) }));
      const up = await summedGradients(source, shifted(1), temperature);
      const down = await summedGradients(source, shifted(-1), temperature);
      return up.map((u, l) => u.map((x, i) => (x - down[l]![i]!) / (2 * eps)));
    },
  };
  return source;
}
