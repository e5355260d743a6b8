/**
 * GPU cases for CNNs whose sparse convolutions are block-sparse (CnnConfig.format { bsr }): the
 * same network in BSR and in CSR from the same weights, forward, backward and a few SGD steps side
 * by side; and save / load of a BSR CNN (or of a given file).
 */
import type { Context } from '../../src/gpu/context.js';
import { assembleCnn, type CnnConfig, type CnnWeights, cnnConvs, initCnn } from '../../src/nn/cnn.js';
import { loadCnn, saveCnn } from '../../src/nn/cnn-file.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { type ConvBsrBlockSize, convBsrFromCsr, convBsrToCsr, randomConvBsr } from '../../src/sparse/conv-bsr.js';
import { Sgd } from '../../src/train/optimizers.js';
import { defineCases } from '../harness/case.js';
import { readActivation } from './sparse.js';

/**
 * initCnn's weights with every filter replaced by a random block mask (blocks of `blockSize`
 * channels, `blockDensity` of the block grid, values N(0, 1 / taps per output)) written as CSR.
 */
function blockStructuredWeights(config: CnnConfig, blockSize: ConvBsrBlockSize, blockDensity: number): CnnWeights {
  const weights = initCnn(config);
  weights.filters = cnnConvs(config).map(({ cOut, shape }, l) => {
    const dims = { cOut, cIn: shape.cIn, kh: shape.kh, kw: shape.kw };
    const valueScale = 1 / Math.sqrt(Math.max(1, blockDensity * shape.cIn * shape.kh * shape.kw));
    return convBsrToCsr(randomConvBsr(dims, blockDensity, blockSize, 700 + l, { valueScale })).w;
  });
  return weights;
}

/** Every parameter's gradient in a format-free order: conv weight gradients in the mask's CSR order. */
async function gradients(ctx: Context, model: Sequential): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const layer of model.layers) {
    for (const p of layer.parameters()) {
      const grad = await ctx.read(p.grad);
      if (!(layer instanceof SparseConv2d && p.name === 'weight' && layer.format !== 'csr')) {
        out.push(grad);
        continue;
      }
      // BSR stores whole blocks: the mask's entries sit where convBsrToCsr's offsets say, as in the layer.
      const filter = await layer.readWeight();
      const { offsets } = convBsrToCsr(convBsrFromCsr(filter, layer.shape, layer.format.bsr));
      out.push(Float32Array.from(offsets, (o) => grad[o]!));
    }
  }
  return out;
}

export const cnnBsrCases = defineCases({
  /**
   * The CNN of `config` built twice from the same weights, once with config.format (BSR) and once
   * in CSR: block-structured filters (`blockDensity` of the block grid) or, with blockDensity
   * null, initCnn's own element masks. For each: the logits, the loss, dL/dx, every gradient (conv
   * weights in CSR order), then the losses of `steps` SGD steps (lr 0.1) on the same batch and the
   * filters after them (CSR values), plus each conv layer's format.
   */
  twins: async (ctx, p: { config: CnnConfig; blockDensity: number | null; x: Float32Array; labels: Uint32Array; batch: number; steps: number }) => {
    const format = p.config.format;
    if (format === undefined || format === 'csr') throw new RangeError('twins needs a BSR config.format');
    const weights = p.blockDensity === null ? initCnn(p.config) : blockStructuredWeights(p.config, format.bsr, p.blockDensity);
    const run = async (config: CnnConfig) => {
      const model = assembleCnn(ctx, config, weights);
      const loss = new SoftmaxCrossEntropy(ctx, config.classes);
      const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.1 });
      const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, model.inFeatures));
      const labels = ctx.upload('u32', p.labels);
      try {
        const step = async () => {
          const logits = await model.forward(x, p.batch);
          await loss.forward(logits, labels, p.batch);
          return logits;
        };
        const logits = await readActivation(ctx, await step(), p.batch, model.outFeatures);
        const first = await loss.readLoss();
        const dx = await readActivation(ctx, await model.backward(loss.backward(), p.batch), p.batch, model.inFeatures);
        const grads = await gradients(ctx, model);
        const losses = [first];
        for (let s = 0; s < p.steps; s++) {
          await optimizer.step();
          await step();
          losses.push(await loss.readLoss());
          await model.backward(loss.backward(), p.batch);
        }
        const convs = model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d);
        const filters = await Promise.all(convs.map(async (l) => (await l.readWeight()).values));
        return { logits, loss: first, dx, grads, losses, filters, formats: convs.map((l) => l.format) };
      } finally {
        for (const t of [x, labels]) t.destroy();
        optimizer.destroy();
        loss.destroy();
        model.destroy();
      }
    };
    return { bsr: await run(p.config), csr: await run({ ...p.config, format: 'csr' }) };
  },

  /**
   * Saves the CNN assembleCnn builds from `config` with block-structured weights (or loads `file`
   * when given), loads the bytes back: both models' logits on x, the loaded config and each loaded
   * conv layer's format.
   */
  roundTrip: async (ctx, p: { config: CnnConfig; blockDensity: number; x: Float32Array; batch: number; file?: Uint8Array | null }) => {
    const predict = async (model: Sequential) => {
      const input = ctx.upload('f32', toActivationLayout(p.x, p.batch, model.inFeatures));
      try {
        return await readActivation(ctx, await model.forward(input, p.batch), p.batch, model.outFeatures);
      } finally {
        input.destroy();
      }
    };
    const formats = (model: Sequential) => model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d).map((l) => l.format);
    const format = p.config.format ?? 'csr';
    const original = p.file ? undefined : assembleCnn(ctx, p.config, format === 'csr' ? initCnn(p.config) : blockStructuredWeights(p.config, format.bsr, p.blockDensity));
    try {
      const bytes = p.file ?? (await saveCnn(ctx, original!, p.config));
      const loaded = loadCnn(ctx, bytes);
      try {
        return { original: original && (await predict(original)), loaded: await predict(loaded.model), config: loaded.config, formats: formats(loaded.model), kinds: loaded.model.layers.map((l) => l.kind) };
      } finally {
        loaded.model.destroy();
      }
    } finally {
      original?.destroy();
    }
  },
});
