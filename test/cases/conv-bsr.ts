/**
 * GPU cases for the block-sparse convolution kernels: forward, backward-data and weight gradient
 * on one uploaded block filter. Inputs are NCHW batch-major and go through the GPU feature-major
 * conversion as in training; outputs come back raw (y and dx in the activation layout, padding
 * columns included; dw in the filter's values layout). Every output and converted input starts
 * filled with NaN, so anything a kernel leaves unwritten shows up in the result.
 */
import { type ConvBsrConfig, convBsrBackwardDataInto, convBsrForwardInto } from '../../src/kernels/conv-bsr.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import { type ConvBsrWeightGradOptions, convBsrWeightGradInto } from '../../src/kernels/sddmm-conv-bsr.js';
import type { ConvBsrFilter } from '../../src/sparse/conv-bsr.js';
import { type ConvDims, convGeometry } from '../../src/sparse/conv-geometry.js';
import { GpuConvBsrFilter } from '../../src/sparse/gpu-conv-bsr.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { type ConvShape, SparseConv2d, type SparseConvFormat } from '../../src/nn/sparse-conv2d.js';
import { Adam } from '../../src/train/optimizers.js';
import { defineCases } from '../harness/case.js';
import { nanFilled, passTensors, refusalOperands, withTensors } from './conv-tensors.js';

/** Params cross the wire as JSON-like data, where an absent field arrives as null. */
type Wired<T> = { [K in keyof T]: T[K] | null };

/** The filter as sent: an absent elementMask arrives as null. */
const unwire = (f: Wired<ConvBsrFilter>): ConvBsrFilter => ({ ...f, elementMask: f.elementMask ?? undefined }) as ConvBsrFilter;

interface ConvBsrParams {
  f: Wired<ConvBsrFilter>;
  dims: ConvDims;
  /** batch x cIn x h x w */
  x: Float32Array;
  /** batch x cOut x ho x wo */
  dy: Float32Array;
  bias?: Float32Array | null;
  config?: ConvBsrConfig | null;
  /** The weight gradient's lanes and quads per unit. */
  grad?: ConvBsrWeightGradOptions | null;
  fold?: FoldOptions | null;
}

interface LayerParams {
  w: CsrMatrix;
  shape: ConvShape;
  batch: number;
  /** batch x cIn x h x w and batch x cOut x ho x wo */
  x: Float32Array;
  dy: Float32Array;
  bias: Float32Array;
  format: SparseConvFormat;
  /** Written with writeWeight before two Adam steps (weight decay on) on the layer's gradients. */
  written: Float32Array;
}

/** What a refusal case gets wrong, one thing at a time. */
type Flaw =
  | 'none'
  | 'geometryCIn'
  | 'xLength'
  | 'yLength'
  | 'biasLength'
  | 'dyLength'
  | 'dxLength'
  | 'dwLength'
  | 'yIsX'
  | 'dxIsDy'
  | 'dwIsX'
  | 'bv'
  | 'px'
  | 'qo'
  | 'qoOverBlock'
  | 'columns'
  | 'flipped'
  | 'lanes'
  | 'gradQo'
  | 'gradQi';

export const convBsrCases = defineCases({
  /** Forward (with bias if given), backward-data and weight gradient on one uploaded block filter. */
  convBsrPasses: (ctx, p: ConvBsrParams) =>
    withTensors(async (own) => {
      const g = convGeometry(p.dims);
      const filter = own(GpuConvBsrFilter.upload(ctx, unwire(p.f)));
      const fold = p.fold ?? undefined;
      const { x, dy, y, dx } = await passTensors(ctx, own, g, filter.cOut, p.x, p.dy, fold);
      const dw = own(ctx.upload('f32', nanFilled(filter.values.length)));
      const config = p.config ? { ...p.config, ...fold } : undefined;
      await convBsrForwardInto(ctx, filter, x, y, g, p.bias ? own(ctx.upload('f32', p.bias)) : undefined, config);
      await convBsrBackwardDataInto(ctx, filter, dy, dx, g, config);
      await convBsrWeightGradInto(ctx, filter, dy, x, dw, g, { ...fold, ...p.grad });
      const [yT, dxT, dwOut] = await ctx.readAll([y, dx, dw]);
      return { y: yT, dx: dxT, dw: dwOut };
    }),

  /**
   * A SparseConv2d in `format`: forward and backward (y, dx and the raw weight gradient), the
   * weight read back, then `written` written back and read again, then two Adam steps: the raw
   * stored values and the weight read back after them.
   */
  sparseConvLayer: async (ctx, p: LayerParams) => {
    const layer = new SparseConv2d(ctx, p.w, p.shape, p.bias, p.format);
    const tensors: Array<{ destroy(): void }> = [];
    try {
      const g = convGeometry({ ...p.shape, batch: p.batch });
      const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, layer.inFeatures));
      const dy = ctx.upload('f32', toActivationLayout(p.dy, p.batch, layer.outFeatures));
      tensors.push(x, dy);
      const y = await ctx.read(await layer.forward(x, g.batch));
      const dx = await ctx.read(await layer.backward(dy, g.batch));
      const [weight] = layer.parameters();
      const grad = await ctx.read(weight!.grad);
      const initial = (await layer.readWeight()).values;
      layer.writeWeight(p.written);
      const afterWrite = (await layer.readWeight()).values;
      const adam = new Adam(ctx, layer.parameters(), { lr: 0.01, weightDecay: 0.01 });
      tensors.push(adam);
      for (let step = 0; step < 2; step++) await adam.step();
      const trained = await layer.readWeight();
      return { y, dx, grad, initial, afterWrite, stored: await ctx.read(layer.values), trained, density: layer.density, format: layer.format };
    } finally {
      for (const t of tensors) t.destroy();
      layer.destroy();
    }
  },

  /** A SparseConv2d refusing `format`; resolves to 'accepted' when it does not. */
  sparseConvFormatRefusal: async (ctx, p: { w: CsrMatrix; shape: ConvShape; format: unknown }) => {
    new SparseConv2d(ctx, p.w, p.shape, undefined, p.format as SparseConvFormat).destroy();
    return 'accepted';
  },

  /** Calls the three passes with one flaw; resolves to 'accepted' only if nothing refused it. */
  convBsrRefusal: (ctx, p: { f: Wired<ConvBsrFilter>; dims: ConvDims; flaw: Flaw }) =>
    withTensors(async (own) => {
      const g = convGeometry(p.dims);
      const filter = own(GpuConvBsrFilter.upload(ctx, unwire(p.f)));
      const { x, y, bias, dy, dx, tensor } = refusalOperands(ctx, own, g, filter.cOut, p.flaw);
      const dw = p.flaw === 'dwIsX' ? x : tensor(filter.values.length, p.flaw === 'dwLength');
      const geometry = p.flaw === 'geometryCIn' ? { ...g, cIn: g.cIn + 1 } : g;
      const flawedConfigs: Partial<Record<Flaw, ConvBsrConfig>> = {
        bv: { wgB: 1, wgR: 64, bv: 3 as 1 },
        px: { wgB: 1, wgR: 64, bv: 1, px: 3 as 1 },
        qo: { wgB: 1, wgR: 64, bv: 1, qo: 3 as 1 },
        qoOverBlock: { wgB: 1, wgR: 64, bv: 1, qo: 4 },
        columns: { wgB: 1, wgR: 64, bv: 4, px: 2 },
        flipped: { wgB: 1, wgR: 64, bv: 1, flipped: 1 as unknown as boolean },
      };
      const config = flawedConfigs[p.flaw];
      await convBsrForwardInto(ctx, filter, x, y, geometry, bias, config);
      await convBsrBackwardDataInto(ctx, filter, dy, dx, geometry, config);
      const flawedGrad: Partial<Record<Flaw, ConvBsrWeightGradOptions>> = { lanes: { lanes: 3 as 1 }, gradQo: { qo: 4 }, gradQi: { qi: 3 as 1 } };
      await convBsrWeightGradInto(ctx, filter, dy, x, dw, geometry, flawedGrad[p.flaw]);
      await ctx.sync();
      return 'accepted';
    }),
});
