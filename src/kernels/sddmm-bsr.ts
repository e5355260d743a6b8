/**
 * The BSR weight gradient (shaders/sddmm_bsr.wgsl): dW laid out like W.values, (dYᵀ·X)[r][c] at
 * every in-pattern element of every stored block and exactly 0 elsewhere (padding, elementMask 0).
 * dY and X arrive feature-major (feature-major.ts).
 */
import source from '../../shaders/sddmm_bsr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { GpuBsr } from '../sparse/gpu-bsr.js';
import { checkNoAliasing } from './aliasing.js';
import { checkSddmmOperands, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const sddmmBsrKernel: KernelSource = { name: 'sddmm_bsr', source };

const WORKGROUP = 64;

/** dw (w.values.length) = (dYᵀ·X) at W's stored elements; dyT is w.rows x stride, xT is w.cols x stride. */
export async function bsrSddmmInto(
  ctx: Context,
  w: GpuBsr,
  dyT: GpuTensor<'f32'>,
  xT: GpuTensor<'f32'>,
  dw: GpuTensor<'f32'>,
  batch: number,
  opts: FoldOptions = {},
): Promise<void> {
  checkSddmmOperands(w, { dyT, xT, dw }, { length: w.values.length, name: 'w.values.length' }, batch);
  const stride = featureMajorStride(batch);
  checkNoAliasing({ dw }, { dyT, xT });
  const units = w.nBlocks * (w.blockSize / 4) ** 2;
  await ctx.dispatch(sddmmBsrKernel, {
    constants: { WG: WORKGROUP, BS: w.blockSize, HAS_MASK: w.maskBits !== undefined },
    buffers: { blockRow: w.blockRow, colIdx: w.pattern.colIdx, maskBits: w.maskBits ?? w.pattern.colIdx, dyT, xT, dw },
    uniforms: { units, groups: stride / 4, outFeatures: w.rows, inFeatures: w.cols },
    workgroups: gridFor(ctx, Math.ceil(units / WORKGROUP), opts),
  });
}
