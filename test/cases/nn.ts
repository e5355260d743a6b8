import type { SoftmaxXentOptions } from '../../src/kernels/softmax-xent.js';
import { buildCnn, type CnnConfig } from '../../src/nn/cnn.js';
import { Linear } from '../../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { buildMlp, type MlpConfig } from '../../src/nn/mlp.js';
import { Sequential } from '../../src/nn/sequential.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { defineCases } from '../harness/case.js';
import { countDispatches } from '../harness/dispatch-count.js';

export const nnCases = defineCases({
  /**
   * One forward/loss/backward of a freshly built MLP. Returns each linear layer's mask (CSR
   * pattern; dense layers as full rows), the loss, and every parameter with its gradient.
   */
  mlpGradients: async (ctx, p: { config: MlpConfig; x: Float32Array; labels: Uint32Array; batch: number; loss: SoftmaxXentOptions }) => {
    const model = buildMlp(ctx, p.config);
    const lossFn = new SoftmaxCrossEntropy(ctx, p.config.classes, p.loss);
    const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, p.config.inputs));
    const labels = ctx.upload('u32', p.labels);
    try {
      const logits = await model.forward(x, p.batch);
      await lossFn.forward(logits, labels, p.batch);
      await model.backward(lossFn.backward(), p.batch);
      const masks = model.layers.flatMap((layer) => {
        if (layer instanceof SparseLinear) return [layer.mask];
        if (layer instanceof Linear) {
          const { outFeatures: rows, inFeatures: cols } = layer;
          return [{ rowPtr: Uint32Array.from({ length: rows + 1 }, (_, r) => r * cols), colIdx: Uint32Array.from({ length: rows * cols }, (_, t) => t % cols) }];
        }
        return [];
      });
      const params = [];
      for (const param of model.parameters()) params.push({ name: param.name, value: await ctx.read(param.values), grad: await ctx.read(param.grad) });
      return { loss: await lossFn.readLoss(), masks, params };
    } finally {
      model.destroy();
      lossFn.destroy();
      x.destroy();
      labels.destroy();
    }
  },

  /**
   * One forward/loss/backward of a freshly built MLP with activations fused (the default) and then
   * with the same layers in a Sequential that does not fuse: logits, every gradient, and the
   * dispatches each way.
   */
  fusionEffect: async (ctx, p: { model: { kind: 'mlp'; config: MlpConfig } | { kind: 'cnn'; config: CnnConfig }; x: Float32Array; labels: Uint32Array; batch: number }) => {
    const fused = p.model.kind === 'mlp' ? buildMlp(ctx, p.model.config) : buildCnn(ctx, p.model.config);
    const inputs = fused.inFeatures;
    const classes = p.model.config.classes;
    const unfused = new Sequential(fused.layers, { fuseActivations: false });
    const lossFn = new SoftmaxCrossEntropy(ctx, classes);
    const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, inputs));
    const labels = ctx.upload('u32', p.labels);
    try {
      const pass = async (model: Sequential) => {
        const { result: logits, dispatches } = await countDispatches(ctx, async () => {
          const z = await model.forward(x, p.batch);
          await lossFn.forward(z, labels, p.batch);
          await model.backward(lossFn.backward(), p.batch);
          return z;
        });
        const grads = [];
        for (const param of model.parameters()) grads.push(await ctx.read(param.grad));
        return { logits: await ctx.read(logits), grads, dispatches };
      };
      return { fused: await pass(fused), unfused: await pass(unfused) };
    } finally {
      fused.destroy();
      lossFn.destroy();
      x.destroy();
      labels.destroy();
    }
  },
});
