/** GPU cases for the convolutional network: one training step's gradients, and predictions. */
import { type CnnConfig, buildCnn } from '../../src/nn/cnn.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { Linear } from '../../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { decodeModelFile, encodeModelFile } from '../../src/nn/model-file.js';
import { loadModel, saveModel } from '../../src/nn/model.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { defineCases } from '../harness/case.js';
import { readActivation } from './sparse.js';

export const cnnCases = defineCases({
  /** Predictions (batch x classes) of a built CNN and of the same CNN saved and loaded back; or the load error. */
  cnnSaveLoad: async (ctx, p: { config: CnnConfig; x: Float32Array; batch: number; corrupt?: { tensor: string; index: number; value: string } | null }) => {
    const model = buildCnn(ctx, p.config);
    const predict = async (m: Sequential) => {
      const input = ctx.upload('f32', toActivationLayout(p.x, p.batch, m.inFeatures));
      try {
        return await readActivation(ctx, await m.forward(input, p.batch), p.batch, m.outFeatures);
      } finally {
        input.destroy();
      }
    };
    try {
      let bytes = await saveModel(ctx, model, { ...p.config, kind: 'cnn' });
      if (p.corrupt) {
        const file = decodeModelFile(bytes);
        // As text: JSON, between vitest and the page, has no Infinity.
        file.tensors.get(p.corrupt.tensor)![p.corrupt.index] = Number(p.corrupt.value);
        bytes = encodeModelFile(file);
      }
      const loaded = loadModel(ctx, bytes);
      try {
        return { original: await predict(model), loaded: await predict(loaded.model), config: loaded.config, kinds: loaded.model.layers.map((l) => l.kind) };
      } finally {
        loaded.model.destroy();
      }
    } finally {
      model.destroy();
    }
  },

  /**
   * One forward/loss/backward of a freshly built CNN on x (batch x C·H·W, NCHW). Returns each
   * convolution's and the classifier's mask (dense layers as full rows), the loss, and every
   * parameter with its gradient, in model order.
   */
  cnnGradients: async (ctx, p: { config: CnnConfig; x: Float32Array; labels: Uint32Array; batch: number }) => {
    const model = buildCnn(ctx, p.config);
    const lossFn = new SoftmaxCrossEntropy(ctx, p.config.classes);
    const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, model.inFeatures));
    const labels = ctx.upload('u32', p.labels);
    try {
      const logits = await model.forward(x, p.batch);
      await lossFn.forward(logits, labels, p.batch);
      await model.backward(lossFn.backward(), p.batch);
      const full = (rows: number, cols: number) => ({ rowPtr: Uint32Array.from({ length: rows + 1 }, (_, r) => r * cols), colIdx: Uint32Array.from({ length: rows * cols }, (_, t) => t % cols) });
      const masks = model.layers.flatMap((layer) => {
        if (layer instanceof SparseConv2d) return [layer.mask];
        if (layer instanceof Conv2d) return [full(layer.cOut, layer.shape.cIn * layer.shape.kh * layer.shape.kw)];
        if (layer instanceof Linear) return [full(layer.outFeatures, layer.inFeatures)];
        return [];
      });
      const params = model.parameters();
      const values = await ctx.readAll(params.flatMap((q) => [q.values, q.grad]));
      return {
        loss: await lossFn.readLoss(),
        masks,
        kinds: model.layers.map((l) => l.kind),
        params: params.map((q, i) => ({ name: q.name, value: values[2 * i]!, grad: values[2 * i + 1]! })),
      };
    } finally {
      model.destroy();
      lossFn.destroy();
      x.destroy();
      labels.destroy();
    }
  },
});
