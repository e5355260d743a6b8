import type { Context } from '../../src/gpu/context.js';
import type { SoftmaxXentOptions } from '../../src/kernels/softmax-xent.js';
import { ActivationLayer } from '../../src/nn/activation-layer.js';
import { buildCnn, type CnnConfig } from '../../src/nn/cnn.js';
import { centreTapConv } from '../../src/nn/conv-skip.js';
import { GhostSkip } from '../../src/nn/ghost-skip.js';
import { Linear } from '../../src/nn/linear.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { buildMlp, type MlpConfig } from '../../src/nn/mlp.js';
import { Sequential } from '../../src/nn/sequential.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { defineCases } from '../harness/case.js';
import { countDispatches } from '../harness/dispatch-count.js';

/**
 * The nets the bottom-gradient case builds: an MLP or CNN from its config, that CNN with its bottom
 * convolution wrapped in a ghost skip (a 1x1 projection beside it), or that MLP behind a tanh
 * layer (a bottom layer without parameters).
 */
export type BottomNet = { kind: 'mlp'; config: MlpConfig } | { kind: 'cnn'; config: CnnConfig } | { kind: 'cnn-skip'; config: CnnConfig } | { kind: 'mlp-behind-tanh'; config: MlpConfig };

function buildBottomNet(ctx: Context, net: BottomNet): Sequential {
  if (net.kind === 'mlp') return buildMlp(ctx, net.config);
  if (net.kind === 'mlp-behind-tanh') return new Sequential([new ActivationLayer(ctx, net.config.inputs, 'tanh'), ...buildMlp(ctx, net.config).layers]);
  const cnn = buildCnn(ctx, net.config);
  if (net.kind === 'cnn') return cnn;
  const [conv, ...rest] = cnn.layers;
  if (!(conv instanceof SparseConv2d)) throw new TypeError('cnn-skip needs a sparse bottom convolution');
  const projection = Float32Array.from({ length: conv.cOut * conv.shape.cIn }, (_, i) => ((i % 5) - 2) / 4);
  return new Sequential([new GhostSkip(ctx, conv, centreTapConv(ctx, conv, projection)), ...rest]);
}

export const nnCases = defineCases({
  /**
   * One forward/loss/backward step of a net through backward() and then the same step through
   * backwardParameters(): every parameter gradient (ghost ones included) and the dispatches each way.
   */
  bottomGradients: async (ctx, p: { net: BottomNet; x: Float32Array; labels: Uint32Array; batch: number }) => {
    const model = buildBottomNet(ctx, p.net);
    const lossFn = new SoftmaxCrossEntropy(ctx, p.net.config.classes);
    const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, model.inFeatures));
    const labels = ctx.upload('u32', p.labels);
    const params = [...model.parameters(), ...model.layers.flatMap((l) => (l instanceof GhostSkip ? l.ghostParameters() : []))];
    try {
      const pass = async (form: 'backward' | 'backwardParameters') => {
        await lossFn.forward(await model.forward(x, p.batch), labels, p.batch);
        for (const param of params) ctx.write(param.grad, new Float32Array(param.grad.length).fill(Number.NaN));
        const { dispatches } = await countDispatches(ctx, async () => {
          if (form === 'backward') await model.backward(lossFn.backward(), p.batch);
          else await model.backwardParameters(lossFn.backward(), p.batch);
        });
        return { grads: await ctx.readAll(params.map((param) => param.grad)), dispatches };
      };
      return { names: params.map((param) => param.name), backward: await pass('backward'), backwardParameters: await pass('backwardParameters') };
    } finally {
      model.destroy();
      lossFn.destroy();
      x.destroy();
      labels.destroy();
    }
  },


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
