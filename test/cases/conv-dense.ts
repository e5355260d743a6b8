/**
 * GPU cases for the dense convolution baseline. Activations arrive already in the activation layout
 * (converted on the host) and outputs come back raw, padding columns included. Every output starts
 * filled with NaN, and the case counts the non-finite values it reads back itself (NaN does not
 * survive the JSON from Chromium), so an element a kernel leaves unwritten shows up either way.
 */
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import {
  type DenseConvConfig,
  denseConvBackwardDataInto,
  denseConvForwardInto,
  denseConvWeightGradInto,
} from '../../src/kernels/conv-dense.js';
import { featureMajorStride } from '../../src/kernels/feature-major.js';
import { type ConvDims, type ConvGeometry, convGeometry } from '../../src/sparse/conv-geometry.js';
import { defineCases } from '../harness/case.js';
import { nanFilled } from './conv-tensors.js';

/** Tensors made for one case, freed however it ends. */
async function withTensors<T>(ctx: Context, body: (upload: (a: Float32Array) => GpuTensor<'f32'>) => Promise<T>): Promise<T> {
  const owned: GpuTensor<'f32'>[] = [];
  try {
    return await body((a) => {
      const t = ctx.upload('f32', a);
      owned.push(t);
      return t;
    });
  } finally {
    for (const t of owned) t.destroy();
  }
}

const nonFinite = (a: Float32Array) => a.reduce((n, v) => n + (Number.isFinite(v) ? 0 : 1), 0);

/** Per pass, a tile configuration (folded grids included); absent means the kernel's own choice. */
interface PassConfigs {
  forward?: DenseConvConfig | null;
  backwardData?: DenseConvConfig | null;
  weightGrad?: DenseConvConfig | null;
}

/** The tensors a pass takes, by argument name. */
const PASS_TENSORS = {
  forward: ['w', 'x', 'y', 'bias'],
  backwardData: ['w', 'dy', 'dx'],
  weightGrad: ['dy', 'x', 'dw'],
} as const;

export type DenseConvPassName = keyof typeof PASS_TENSORS;

export const convDenseCases = defineCases({
  /**
   * Forward (with bias if given), backward-data and weight gradient with one filter. w is cOut x
   * cIn·kh·kw; x and dy are in the activation layout; y, dx (activation layout) and dw come back.
   */
  passes: (
    ctx,
    p: { dims: ConvDims; cOut: number; w: Float32Array; x: Float32Array; dy: Float32Array; bias?: Float32Array | null; config?: PassConfigs | null },
  ) =>
    withTensors(ctx, async (upload) => {
      const g = convGeometry(p.dims);
      const stride = featureMajorStride(g.batch);
      const w = upload(p.w);
      const x = upload(p.x);
      const dy = upload(p.dy);
      const y = upload(nanFilled(p.cOut * g.ho * g.wo * stride));
      const dx = upload(nanFilled(g.cIn * g.h * g.w * stride));
      const dw = upload(nanFilled(p.w.length));
      const config = p.config ?? {};
      await denseConvForwardInto(ctx, w, x, y, g, p.cOut, p.bias ? upload(p.bias) : undefined, config.forward ?? undefined);
      await denseConvBackwardDataInto(ctx, w, dy, dx, g, p.cOut, config.backwardData ?? undefined);
      await denseConvWeightGradInto(ctx, dy, x, dw, g, p.cOut, config.weightGrad ?? undefined);
      const [yT, dxT, dwT] = await ctx.readAll([y, dx, dw]);
      return { y: yT, dx: dxT, dw: dwT, nonFinite: { y: nonFinite(yT!), dx: nonFinite(dxT!), dw: nonFinite(dwT!) } };
    }),

  /**
   * One pass called with zero-filled tensors of the given lengths (the test states them, right or
   * wrong), `alias` making the first named tensor the second; the geometry is passed unchecked.
   */
  misuse: (
    ctx,
    p: {
      pass: DenseConvPassName;
      geometry: unknown;
      cOut: number;
      lengths: Record<string, number>;
      alias?: [string, string] | null;
      config?: DenseConvConfig | null;
    },
  ) =>
    withTensors(ctx, async (upload) => {
      const t: Record<string, GpuTensor<'f32'>> = {};
      for (const name of PASS_TENSORS[p.pass]) {
        const length = p.lengths[name];
        if (length !== undefined) t[name] = upload(new Float32Array(length));
      }
      if (p.alias) t[p.alias[0]] = t[p.alias[1]]!;
      const geometry = p.geometry as ConvGeometry;
      const config = p.config ?? undefined;
      if (p.pass === 'forward') return denseConvForwardInto(ctx, t.w!, t.x!, t.y!, geometry, p.cOut, t.bias, config);
      if (p.pass === 'backwardData') return denseConvBackwardDataInto(ctx, t.w!, t.dy!, t.dx!, geometry, p.cOut, config);
      return denseConvWeightGradInto(ctx, t.dy!, t.x!, t.dw!, geometry, p.cOut, config);
    }),
});
