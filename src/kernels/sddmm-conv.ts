/**
 * The conv weight gradient at the filter's stored taps (shaders/sddmm_conv.wgsl): an SDDMM of dY
 * against the implicit im2col of X, never materialised. dY and X arrive in the activation layout,
 * as the conv forward and backward-data passes read them. The work items are the CSR SDDMM's
 * (GpuCsr.sddmmItems), each reduced by a few invocations (its lanes).
 */
import source from '../../shaders/sddmm_conv.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvDims, convGeometry, convTaps, convUniforms } from '../sparse/conv-geometry.js';
import { CSR_SDDMM_SEGMENT, type GpuCsr } from '../sparse/gpu-csr.js';
import { checkOneOf } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const sddmmConvKernel: KernelSource = { name: 'sddmm_conv', source };

const WORKGROUP = 64;

/** The invocations per work item the kernel takes: powers of two up to the workgroup. */
export const CONV_SDDMM_LANES = [1, 2, 4, 8, 16, 32, 64] as const;

/** Options of convSddmmInto (the masked weight gradient of a CSR convolution). */
export interface ConvSddmmOptions extends FoldOptions {
  /** Invocations per work item (default: chooseConvSddmmLanes). */
  lanes?: (typeof CONV_SDDMM_LANES)[number];
}

/** A dispatch with fewer invocations than this leaves a GPU idle: items then get more lanes. */
const TARGET_INVOCATIONS = 4096;
/** Pixel·vec4-group steps a lane keeps at least, so splitting never leaves lanes nearly idle. */
const MIN_STEPS_PER_LANE = 64;

/**
 * Lanes per work item: 1 (no workgroup reduction, the fastest on SwiftShader) unless `items`
 * invocations are too few to occupy a GPU, then doubled while each lane keeps MIN_STEPS_PER_LANE of
 * the item's `steps` (output pixels x vec4 groups).
 */
export function chooseConvSddmmLanes(items: number, steps: number): (typeof CONV_SDDMM_LANES)[number] {
  let lanes = 1;
  while (lanes < WORKGROUP && items * lanes < TARGET_INVOCATIONS && steps >= 2 * lanes * MIN_STEPS_PER_LANE) lanes *= 2;
  return lanes as (typeof CONV_SDDMM_LANES)[number];
}

/** Lanes of an item sharing a pixel: 1 unless the image has fewer pixels than the item has lanes. */
function groupLanes(lanes: number, pixels: number, groups: number): number {
  let shared = 1;
  while (shared < lanes && pixels * shared < lanes && shared < groups) shared *= 2;
  return shared;
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
  opts: ConvSddmmOptions = {},
): Promise<void> {
  const g = convGeometry(geometry, 'geometry');
  const taps = convTaps(g);
  if (filter.cols !== taps) throw new RangeError(`filter.cols must equal cIn*kh*kw = ${taps}, got ${filter.cols}`);
  checkFeatureMajor('dy', dy, filter.rows * g.ho * g.wo, 'filter.rows*ho*wo', g.batch);
  checkFeatureMajor('x', x, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkTensor('dw', dw, 'f32', filter.nnz, 'filter.nnz');
  checkNoAliasing({ dw }, { dy, x });
  if (opts.lanes !== undefined) checkOneOf('opts.lanes', opts.lanes, CONV_SDDMM_LANES);
  const groups = featureMajorStride(g.batch) / 4;
  const pixels = g.ho * g.wo;
  const { items, count } = filter.sddmmItems;
  const lanes = opts.lanes ?? chooseConvSddmmLanes(count, pixels * groups);
  const workgroups = Math.ceil(count / (WORKGROUP / lanes));
  await ctx.dispatch(sddmmConvKernel, {
    constants: { WG: WORKGROUP, SEGMENT: CSR_SDDMM_SEGMENT, LANES: lanes },
    buffers: { items, rowPtr: filter.pattern.rowPtr, colIdx: filter.pattern.colIdx, dy, x, dw },
    uniforms: { items: count, workgroups, groups, gLanes: groupLanes(lanes, pixels, groups), ...convUniforms(g) },
    workgroups: gridFor(ctx, workgroups, opts),
  });
}
