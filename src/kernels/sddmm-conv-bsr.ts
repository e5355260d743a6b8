/**
 * The block-sparse conv weight gradient (shaders/sddmm_conv_bsr.wgsl): dW laid out like the block
 * filter's values, the sum over examples and output pixels of dY times the X pixel each tap reads,
 * at every in-pattern element of every stored block, and exactly 0 elsewhere (channel padding,
 * elementMask 0). dY and X arrive in the activation layout, as the conv passes read them.
 */
import source from '../../shaders/sddmm_conv_bsr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvDims, convUniforms } from '../sparse/conv-geometry.js';
import type { GpuConvBsrFilter } from '../sparse/gpu-conv-bsr.js';
import { checkOneOf } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { checkConvBsrShapes } from './conv-bsr.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { gridFor } from './grid.js';
import { CONV_SDDMM_LANES, type ConvSddmmOptions, chooseConvSddmmLanes } from './sddmm-conv.js';

export const sddmmConvBsrKernel: KernelSource = { name: 'sddmm_conv_bsr', source };

const WORKGROUP = 64;

/** The output and input channel quads per work unit the kernel is written for (each dividing blockSize / 4). */
export const CONV_BSR_GRAD_QUADS = [1, 2, 4] as const;

/** Options of convBsrWeightGradInto: the SDDMM's, plus the unit of output quads per invocation. */
export interface ConvBsrWeightGradOptions extends ConvSddmmOptions {
  /** Output quads per unit (default blockSize / 4). */
  qo?: (typeof CONV_BSR_GRAD_QUADS)[number];
  /** Input quads per unit (default blockSize / 4). */
  qi?: (typeof CONV_BSR_GRAD_QUADS)[number];
}

/** opts[name] checked against the kernel's quad counts and the block; blockSize / 4 when absent. */
function quadsPerUnit(opts: ConvBsrWeightGradOptions, name: 'qo' | 'qi', blockSize: number): number {
  if (opts[name] === undefined) return blockSize / 4;
  const q = checkOneOf(`opts.${name}`, opts[name], CONV_BSR_GRAD_QUADS);
  if (q > blockSize / 4) throw new RangeError(`opts.${name} must be at most blockSize / 4 = ${blockSize / 4}, got ${q}`);
  return q;
}

/**
 * dw (filter.values.length) = the conv weight gradient at the filter's stored elements, in its
 * values layout: for tap (ky, kx) from input channel ci into output channel co, the sum over
 * examples and output pixels of dy[co] times the x[ci] pixel that tap reads (conv-geometry.ts); 0
 * where the element mask is 0 and at channel padding. dy holds filter.cOut·ho·wo features and x
 * cIn·h·w, both in the activation layout for geometry.batch. A work unit is opts.qo x opts.qi
 * 4x4 sub-blocks of one tap of one block (default: the whole block's channels), reduced by
 * opts.lanes invocations (default chooseConvSddmmLanes, at most the output pixels).
 */
export async function convBsrWeightGradInto(
  ctx: Context,
  filter: GpuConvBsrFilter,
  dy: GpuTensor<'f32'>,
  x: GpuTensor<'f32'>,
  dw: GpuTensor<'f32'>,
  geometry: ConvDims,
  opts: ConvBsrWeightGradOptions = {},
): Promise<void> {
  const g = checkConvBsrShapes(filter, geometry);
  checkFeatureMajor('dy', dy, filter.cOut * g.ho * g.wo, 'cOut*ho*wo', g.batch);
  checkFeatureMajor('x', x, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkTensor('dw', dw, 'f32', filter.values.length, 'filter.values.length');
  checkNoAliasing({ dw }, { dy, x });
  if (opts.lanes !== undefined) checkOneOf('opts.lanes', opts.lanes, CONV_SDDMM_LANES);
  const qo = quadsPerUnit(opts, 'qo', filter.blockSize);
  const qi = quadsPerUnit(opts, 'qi', filter.blockSize);
  const groups = featureMajorStride(g.batch) / 4;
  const pixels = g.ho * g.wo;
  const units = filter.nBlocks * g.kh * g.kw * (filter.blockSize / (4 * qo)) * (filter.blockSize / (4 * qi));
  let lanes: number = opts.lanes ?? chooseConvSddmmLanes(units, pixels * groups);
  // Lanes take whole pixels: more lanes than pixels would idle.
  if (opts.lanes === undefined) while (lanes > pixels) lanes /= 2;
  const workgroups = Math.ceil(units / (WORKGROUP / lanes));
  await ctx.dispatch(sddmmConvBsrKernel, {
    constants: { WG: WORKGROUP, BS: filter.blockSize, LANES: lanes, QO: qo, QI: qi, HAS_MASK: filter.maskRows !== undefined },
    buffers: { blockRow: filter.blockRow, colIdx: filter.pattern.colIdx, maskRows: filter.maskRows ?? filter.blockRow, dy, x, dw },
    uniforms: { units, workgroups, groups, cOut: filter.cOut, ...convUniforms(g) },
    workgroups: gridFor(ctx, workgroups, opts),
  });
}
