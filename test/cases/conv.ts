/**
 * GPU cases for the CSR convolution kernels. Inputs are NCHW batch-major and go through the GPU
 * feature-major conversion as in training; outputs come back raw, in the activation layout, padding
 * columns included. Every output and converted input starts filled with NaN, so anything a kernel
 * leaves unwritten shows up in the result.
 */
import type { Activation } from '../../src/kernels/activation.js';
import {
  chooseConvCsrConfig,
  conv2dCsr,
  convCsrBackwardDataInto,
  convCsrBackwardDataSlopeInto,
  convCsrForwardActivatedInto,
  convCsrForwardInto,
  type ConvCsrConfig,
  GpuConvFilter,
} from '../../src/kernels/conv-csr.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import { type ConvDims, convGeometry } from '../../src/sparse/conv-geometry.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { defineCases } from '../harness/case.js';
import { nanFilled, passTensors, refusalOperands, withTensors } from './conv-tensors.js';

/** Params cross the wire as JSON-like data, where an absent field arrives as null. */
interface ConvParams {
  w: CsrMatrix;
  dims: ConvDims;
  /** batch x cIn x h x w */
  x: Float32Array;
  /** batch x cOut x ho x wo */
  dy: Float32Array;
  bias?: Float32Array | null;
  config?: ConvCsrConfig | null;
  fold?: FoldOptions | null;
  /**
   * With an activation the passes run with it fused: y holds z and `a` act(z), and dx holds
   * dx ⊙ act'(zBelow) (zBelow batch x cIn x h x w, the pre-activation of the layer below).
   */
  activation?: Activation | null;
  zBelow?: Float32Array | null;
}

/** What a refusal case gets wrong, one thing at a time. */
type Flaw = 'none' | 'geometryKh' | 'xLength' | 'yLength' | 'biasLength' | 'dyLength' | 'dxLength' | 'yIsX' | 'dxIsDy' | 'bv' | 'px' | 'bvTimesPx' | 'flipped';

export const convCases = defineCases({
  /** The one-shot API. */
  conv2dCsr: (ctx, p: { w: CsrMatrix; x: Float32Array; dims: ConvDims }) => conv2dCsr(ctx, p.w, p.x, p.dims),

  /** Forward (with bias if given) and backward-data on one uploaded filter; y and dx in the activation layout. */
  convPasses: (ctx, p: ConvParams) =>
    withTensors(async (own) => {
      const g = convGeometry(p.dims);
      const filter = own(GpuConvFilter.upload(ctx, p.w, g));
      const fold = p.fold ?? undefined;
      const { x, dy, y, dx, toLayout } = await passTensors(ctx, own, g, p.w.rows, p.x, p.dy, fold);
      const config = { ...(p.config ?? chooseConvCsrConfig(g.batch)), ...fold };
      const bias = p.bias ? own(ctx.upload('f32', p.bias)) : undefined;
      if (p.activation) {
        const a = own(ctx.upload('f32', nanFilled(y.length)));
        const zBelow = await toLayout(p.zBelow!, g.cIn * g.h * g.w);
        await convCsrForwardActivatedInto(ctx, filter, x, { z: y, y: a }, g, p.activation, bias, config);
        await convCsrBackwardDataSlopeInto(ctx, filter, dy, { z: zBelow, dz: dx }, g, p.activation, config);
        const [yT, dxT, aT] = await ctx.readAll([y, dx, a]);
        return { y: yT, dx: dxT, a: aT };
      }
      await convCsrForwardInto(ctx, filter, x, y, g, bias, config);
      await convCsrBackwardDataInto(ctx, filter, dy, dx, g, config);
      const [yT, dxT] = await ctx.readAll([y, dx]);
      return { y: yT, dx: dxT };
    }),

  /** Calls the Into functions with one flaw; resolves to 'accepted' only if nothing refused it. */
  convRefusal: (ctx, p: { w: CsrMatrix; dims: ConvDims; flaw: Flaw }) =>
    withTensors(async (own) => {
      const g = convGeometry(p.dims);
      const filter = own(GpuConvFilter.upload(ctx, p.w, g));
      const { x, y, bias, dy, dx } = refusalOperands(ctx, own, g, p.w.rows, p.flaw);
      const geometry = p.flaw === 'geometryKh' ? convGeometry({ ...p.dims, kh: g.kh + 1, padding: g.kh }) : g;
      const flawedConfigs: Partial<Record<Flaw, ConvCsrConfig>> = {
        bv: { wgB: 4, wgR: 16, bv: 3 as 1 },
        px: { wgB: 1, wgR: 64, bv: 1, px: 3 as 1 },
        bvTimesPx: { wgB: 1, wgR: 64, bv: 4, px: 4 },
        flipped: { wgB: 1, wgR: 64, bv: 1, flipped: 'no' as unknown as boolean },
      };
      const config = flawedConfigs[p.flaw] ?? chooseConvCsrConfig(g.batch);
      await convCsrForwardInto(ctx, filter, x, y, geometry, bias, config);
      await convCsrBackwardDataInto(ctx, filter, dy, dx, geometry, config);
      await ctx.sync();
      return 'accepted';
    }),
});
