/**
 * Global average pooling over each channel's plane and its backward pass (shaders/pool.wgsl), in
 * the activation layout: an image activation of channels·plane features pools to `channels`
 * features, as a linear layer then reads it.
 */
import source from '../../shaders/pool.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkNoAliasing } from './aliasing.js';
import { checkPlaneDims, type PlaneDims } from './channel-sums.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const poolKernel: KernelSource = { name: 'pool', source };

const WORKGROUP = 64;

async function pool(
  ctx: Context,
  entryPoint: 'forward' | 'backward',
  src: GpuTensor<'f32'>,
  dst: GpuTensor<'f32'>,
  dims: PlaneDims,
  outputVec4s: number,
  opts: FoldOptions,
): Promise<void> {
  const { channels, plane, batch } = dims;
  await ctx.dispatch(poolKernel, {
    entryPoint,
    constants: { WG: WORKGROUP },
    buffers: { src, dst },
    uniforms: { channels, plane, groups: featureMajorStride(batch) / 4, invPlane: 1 / plane },
    workgroups: gridFor(ctx, Math.ceil(outputVec4s / WORKGROUP), opts),
  });
}

/** y (channels features) = the mean of x (channels·plane features) over each channel's plane; y's padding is written 0. */
export async function globalAvgPoolForwardInto(
  ctx: Context,
  x: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  dims: PlaneDims,
  opts: FoldOptions = {},
): Promise<void> {
  const d = checkPlaneDims(dims);
  checkFeatureMajor('x', x, d.channels * d.plane, 'channels*plane', d.batch);
  checkFeatureMajor('y', y, d.channels, 'channels', d.batch);
  checkNoAliasing({ y }, { x });
  await pool(ctx, 'forward', x, y, d, y.length / 4, opts);
}

/** dx (channels·plane features) = dy (channels features) / plane, spread over each channel's plane; dx's padding is written 0. */
export async function globalAvgPoolBackwardInto(
  ctx: Context,
  dy: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  dims: PlaneDims,
  opts: FoldOptions = {},
): Promise<void> {
  const d = checkPlaneDims(dims);
  checkFeatureMajor('dy', dy, d.channels, 'channels', d.batch);
  checkFeatureMajor('dx', dx, d.channels * d.plane, 'channels*plane', d.batch);
  checkNoAliasing({ dx }, { dy });
  await pool(ctx, 'backward', dy, dx, d, dx.length / 4, opts);
}
