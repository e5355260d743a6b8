/**
 * The CSR layer's parameter gradients in one pass (shaders/sddmm_csr.wgsl): dW at W's stored
 * entries, in W.values order, = (dYᵀ·X)[r][c], and the bias gradient db[r] = Σ over examples of
 * dY[r]. dY and X arrive feature-major (feature-major.ts), as the forward and backward-data passes
 * read them, so one conversion of each serves both.
 */
import source from '../../shaders/sddmm_csr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { CSR_SDDMM_SEGMENT, type GpuCsr } from '../sparse/gpu-csr.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { checkSddmmOperands, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const sddmmCsrKernel: KernelSource = { name: 'sddmm_csr', source };

const WORKGROUP = 64;

/**
 * dw (w.nnz) = (dYᵀ·X) at W's entries and db (w.rows) = dY's sums over the batch; dyT is w.rows x
 * stride, xT is w.cols x stride (stride = featureMajorStride(batch)).
 */
export async function csrSddmmInto(
  ctx: Context,
  w: GpuCsr,
  dyT: GpuTensor<'f32'>,
  xT: GpuTensor<'f32'>,
  out: { dw: GpuTensor<'f32'>; db: GpuTensor<'f32'> },
  batch: number,
  opts: FoldOptions = {},
): Promise<void> {
  const { dw, db } = out;
  checkSddmmOperands(w, { dyT, xT, dw }, { length: w.nnz, name: 'w.nnz' }, batch);
  checkTensor('db', db, 'f32', w.rows, 'w.rows');
  const stride = featureMajorStride(batch);
  checkNoAliasing({ dw, db }, { dyT, xT });
  const { items, count } = w.sddmmItems;
  await ctx.dispatch(sddmmCsrKernel, {
    constants: { WG: WORKGROUP, SEGMENT: CSR_SDDMM_SEGMENT },
    buffers: { items, rowPtr: w.pattern.rowPtr, colIdx: w.pattern.colIdx, dyT, xT, dw, db },
    uniforms: { items: count, rows: w.rows, groups: stride / 4 },
    workgroups: gridFor(ctx, Math.ceil((count + w.rows) / WORKGROUP), opts),
  });
}
