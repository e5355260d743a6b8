/**
 * What the conv case families (conv, conv-bsr, conv-grad) share: tensors owned by one case and
 * freed however it ends, NaN-filled outputs (anything a kernel leaves unwritten shows up), a
 * pass's activations converted on the GPU into the activation layout, and the operands of a
 * refusal case with one flaw.
 */
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { featureMajorStride, toFeatureMajorInto } from '../../src/kernels/feature-major.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import type { ConvGeometry } from '../../src/sparse/conv-geometry.js';

/** Takes a tensor into the case's ownership and returns it. */
export type Own = <U extends { destroy(): void }>(t: U) => U;

/** Tensors made for one case, freed however it ends. */
export async function withTensors<T>(body: (own: Own) => Promise<T>): Promise<T> {
  const owned: Array<{ destroy(): void }> = [];
  try {
    return await body((t) => {
      owned.push(t);
      return t;
    });
  } finally {
    for (const t of owned) t.destroy();
  }
}

export const nanFilled = (length: number) => new Float32Array(length).fill(Number.NaN);

/** A pass's activations for a filter of cOut output channels: x and dy converted from NCHW, y and dx NaN-filled. */
export interface PassTensors {
  x: GpuTensor<'f32'>;
  dy: GpuTensor<'f32'>;
  y: GpuTensor<'f32'>;
  dx: GpuTensor<'f32'>;
  /** another NCHW array of `features` per example, converted as x and dy were */
  toLayout(a: Float32Array, features: number): Promise<GpuTensor<'f32'>>;
}

export async function passTensors(ctx: Context, own: Own, g: ConvGeometry, cOut: number, x: Float32Array, dy: Float32Array, fold: FoldOptions | undefined): Promise<PassTensors> {
  const stride = featureMajorStride(g.batch);
  const inFeatures = g.cIn * g.h * g.w;
  const outFeatures = cOut * g.ho * g.wo;
  const toLayout = async (a: Float32Array, features: number) => {
    const aT = own(ctx.upload('f32', nanFilled(features * stride)));
    await toFeatureMajorInto(ctx, own(ctx.upload('f32', a)), aT, g.batch, features, fold);
    return aT;
  };
  return {
    x: await toLayout(x, inFeatures),
    dy: await toLayout(dy, outFeatures),
    y: own(ctx.upload('f32', nanFilled(outFeatures * stride))),
    dx: own(ctx.upload('f32', nanFilled(inFeatures * stride))),
    toLayout,
  };
}

/**
 * Zero tensors of the right lengths for a filter of cOut output channels, but for `flaw`: one 4
 * elements too long, or y made x, or dx made dy. `tensor` makes more (flawed: 4 too long).
 */
export function refusalOperands(ctx: Context, own: Own, g: ConvGeometry, cOut: number, flaw: string) {
  const stride = featureMajorStride(g.batch);
  const inLength = g.cIn * g.h * g.w * stride;
  const outLength = cOut * g.ho * g.wo * stride;
  const tensor = (length: number, flawed: boolean) => own(ctx.zeros('f32', flawed ? length + 4 : length));
  const x = tensor(inLength, flaw === 'xLength');
  const y = flaw === 'yIsX' ? x : tensor(outLength, flaw === 'yLength');
  const bias = tensor(cOut, flaw === 'biasLength');
  const dy = tensor(outLength, flaw === 'dyLength');
  const dx = flaw === 'dxIsDy' ? dy : tensor(inLength, flaw === 'dxLength');
  return { x, y, bias, dy, dx, tensor };
}
