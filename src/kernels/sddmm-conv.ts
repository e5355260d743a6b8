/**
 * The conv weight gradient at the filter's stored taps (shaders/sddmm_conv.wgsl): an SDDMM of dY
 * against the implicit im2col of X, never materialised. dY and X arrive in the activation layout,
 * as the conv forward and backward-data passes read them. The work items are the CSR SDDMM's
 * (GpuCsr.sddmmItems), one workgroup each.
 */
import source from '../../shaders/sddmm_conv.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvDims, convGeometry, convTaps, convUniforms } from '../sparse/conv-geometry.js';
import { CSR_SDDMM_SEGMENT, type GpuCsr } from '../sparse/gpu-csr.js';
import { checkLength } from '../validate.js';
import { checkNoAliasing } from './aliasing.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const sddmmConvKernel: KernelSource = { name: 'sddmm_conv', source };

const WORKGROUP = 64;

/**
 * Invocations sharing one output pixel: 1 while the image has at least a workgroup's worth of
 * pixels, else enough (a power of two) that the workgroup still covers pixels x vec4 groups.
 */
function groupLanes(pixels: number, groups: number): number {
  let lanes = 1;
  while (lanes < WORKGROUP && pixels * lanes < WORKGROUP && lanes < groups) lanes *= 2;
  return lanes;
}

/**
 * dw (filter.nnz, in filter.values order) = the conv weight gradient at the stored taps: for the
 * entry at (co, (ci·kh + ky)·kw + kx), the sum over examples and output pixels of dy[co] times the
 * x[ci] pixel that tap reads (conv-geometry.ts). dy holds filter.rows·ho·wo features and x
 * cIn·h·w, both in the activation layout for geometry.batch.
 */
export async function convSddmmInto(
  ctx: Context,
  filter: GpuCsr,
  dy: GpuTensor<'f32'>,
  x: GpuTensor<'f32'>,
  dw: GpuTensor<'f32'>,
  geometry: ConvDims,
  opts: FoldOptions = {},
): Promise<void> {
  const g = convGeometry(geometry, 'geometry');
  const taps = convTaps(g);
  if (filter.cols !== taps) throw new RangeError(`filter.cols must equal cIn*kh*kw = ${taps}, got ${filter.cols}`);
  checkFeatureMajor('dy', dy, filter.rows * g.ho * g.wo, 'filter.rows*ho*wo', g.batch);
  checkFeatureMajor('x', x, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkLength('dw', dw, filter.nnz, 'filter.nnz');
  checkNoAliasing({ dw }, { dy, x });
  const groups = featureMajorStride(g.batch) / 4;
  const { items, count } = filter.sddmmItems;
  await ctx.dispatch(sddmmConvKernel, {
    constants: { WG: WORKGROUP, SEGMENT: CSR_SDDMM_SEGMENT },
    buffers: { items, rowPtr: filter.pattern.rowPtr, colIdx: filter.pattern.colIdx, dy, x, dw },
    uniforms: { items: count, groups, gLanes: groupLanes(g.ho * g.wo, groups), ...convUniforms(g) },
    workgroups: gridFor(ctx, count, opts),
  });
}
