/**
 * BSR sparse x dense products: the forward pass Y = X·Wᵀ (+ b) and the backward-data pass
 * dX = dY·W, both on shaders/spmm_bsr.wgsl (the second walks Wᵀ's block pattern and uses W's own
 * blocks transposed). Operands and results are in the activation layout (feature-major.ts).
 * Host side: tile choice, validation, dispatch shape.
 */
import source from '../../shaders/spmm_bsr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { GpuBsr } from '../sparse/gpu-bsr.js';
import type { GpuCsrPattern } from '../sparse/gpu-csr.js';
import { checkPositiveInt } from '../validate.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { gridFor } from './grid.js';
import { batchTiles, checkSpmmTiles, type SpmmTiles } from './spmm-tiles.js';

export const spmmBsrKernel: KernelSource = { name: 'spmm_bsr', source };

/** The vec4 groups per invocation (bv) the kernel is written for. */
export const SPMM_BSR_GROUPS_PER_INVOCATION = [1, 2] as const;

/**
 * wgB invocations along the batch share a quad (4 output features of a block row), wgR (block
 * row, quad) units per workgroup; see spmm-tiles.ts.
 */
export type SpmmBsrConfig = SpmmTiles<(typeof SPMM_BSR_GROUPS_PER_INVOCATION)[number]>;

/** 64 invocations per workgroup; two groups per invocation once the batch has more than one per lane. */
export function chooseSpmmBsrConfig(batch: number): SpmmBsrConfig {
  const groups = featureMajorStride(batch) / 4;
  const wgB = groups >= 4 ? 4 : 1;
  return { wgB, wgR: 64 / wgB, bv: groups > wgB ? 2 : 1 };
}

interface SpmmOperands {
  pattern: GpuCsrPattern;
  blockPerm?: GpuTensor<'u32'>;
  aT: GpuTensor<'f32'>;
  c: GpuTensor<'f32'>;
  bias?: GpuTensor<'f32'>;
  inFeatures: number;
  outFeatures: number;
}

async function spmm(ctx: Context, w: GpuBsr, op: SpmmOperands, batch: number, config: SpmmBsrConfig): Promise<void> {
  const { pattern, blockPerm, aT, c, bias } = op;
  checkSpmmTiles(ctx, config, SPMM_BSR_GROUPS_PER_INVOCATION);
  checkNoAliasing({ c }, { aT, ...(bias && { bias }) });
  const groups = featureMajorStride(batch) / 4;
  const tilesB = batchTiles(groups, config);
  const units = pattern.rows * (w.blockSize / 4);
  const tiles = tilesB * Math.ceil(units / config.wgR);
  await ctx.dispatch(spmmBsrKernel, {
    constants: {
      WG_B: config.wgB,
      WG_R: config.wgR,
      BV: config.bv,
      BS: w.blockSize,
      TRANSPOSE_W: blockPerm !== undefined,
      HAS_BIAS: bias !== undefined,
    },
    buffers: {
      rowPtr: pattern.rowPtr,
      colIdx: pattern.colIdx,
      // Unused bindings still need a buffer: they get one the kernel already reads.
      blockPerm: blockPerm ?? pattern.colIdx,
      rowOrder: pattern.rowOrder,
      values: w.values,
      aT,
      bias: bias ?? w.values,
      cT: c,
    },
    uniforms: { batch, groups, outFeatures: op.outFeatures, inFeatures: op.inFeatures, blockRows: pattern.rows, tilesB, tiles },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/**
 * Forward pass: y (batch x w.rows, batch-major) = X·Wᵀ (+ bias), from xT = X feature-major
 * (w.cols x featureMajorStride(batch), padding 0).
 */
export async function bsrForwardInto(
  ctx: Context,
  w: GpuBsr,
  xT: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  batch: number,
  bias?: GpuTensor<'f32'>,
  config: SpmmBsrConfig = chooseSpmmBsrConfig(batch),
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkFeatureMajor('xT', xT, w.cols, 'w.cols', batch);
  checkFeatureMajor('y', y, w.rows, 'w.rows', batch);
  if (bias) checkTensor('bias', bias, 'f32', w.rows, 'w.rows');
  await spmm(ctx, w, { pattern: w.pattern, aT: xT, c: y, bias, inFeatures: w.cols, outFeatures: w.rows }, batch, config);
}

/**
 * Backward-data pass: dx (batch x w.cols, batch-major) = dY·W, from dyT = dY feature-major
 * (w.rows x featureMajorStride(batch), padding 0).
 */
export async function bsrBackwardDataInto(
  ctx: Context,
  w: GpuBsr,
  dyT: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  batch: number,
  config: SpmmBsrConfig = chooseSpmmBsrConfig(batch),
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkFeatureMajor('dyT', dyT, w.rows, 'w.rows', batch);
  checkFeatureMajor('dx', dx, w.cols, 'w.cols', batch);
  const t = w.transposed;
  await spmm(ctx, w, { pattern: t, blockPerm: t.perm, aT: dyT, c: dx, inFeatures: w.rows, outFeatures: w.cols }, batch, config);
}
