/**
 * Average pooling in the activation layout, forward and backward: global, over each channel's
 * plane (shaders/pool.wgsl: an image activation of channels·plane features pools to `channels`
 * features, as a linear layer then reads it), and 2x2 at stride 2 (shaders/avg_pool2d.wgsl: an
 * h x w image to floor(h / 2) x floor(w / 2)).
 */
import avgPool2dSource from '../../shaders/avg_pool2d.wgsl';
import source from '../../shaders/pool.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkNoAliasing } from './aliasing.js';
import { checkPlaneDims, type PlaneDims } from './channel-sums.js';
import { checkObject, checkPositiveInt } from '../validate.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const poolKernel: KernelSource = { name: 'pool', source };
export const avgPool2dKernel: KernelSource = { name: 'avg_pool2d', source: avgPool2dSource };

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

/** An image for 2x2 pooling: batch, and channels of h x w pixels. */
export interface ImageDims {
  batch: number;
  channels: number;
  h: number;
  w: number;
}

/** Checks `dims` (named `name` in messages): positive integers, h and w at least 2 (one whole window). */
function checkPoolImage(dims: unknown, name = 'dims'): ImageDims & { ho: number; wo: number } {
  const d = checkObject(name, dims, 'a { batch, channels, h, w }');
  const image = { batch: checkPositiveInt(`${name}.batch`, d.batch), channels: checkPositiveInt(`${name}.channels`, d.channels), h: 0, w: 0 };
  for (const side of ['h', 'w'] as const) {
    image[side] = checkPositiveInt(`${name}.${side}`, d[side]);
    if (image[side] < 2) throw new RangeError(`${name}.${side} must be at least 2 (one 2x2 window), got ${image[side]}`);
  }
  return { ...image, ho: Math.floor(image.h / 2), wo: Math.floor(image.w / 2) };
}

async function avgPool2d(ctx: Context, entryPoint: 'forward' | 'backward', src: GpuTensor<'f32'>, dst: GpuTensor<'f32'>, d: ReturnType<typeof checkPoolImage>, opts: FoldOptions): Promise<void> {
  await ctx.dispatch(avgPool2dKernel, {
    entryPoint,
    constants: { WG: WORKGROUP },
    buffers: { src, dst },
    uniforms: { channels: d.channels, h: d.h, w: d.w, ho: d.ho, wo: d.wo, groups: featureMajorStride(d.batch) / 4 },
    workgroups: gridFor(ctx, Math.ceil(dst.length / 4 / WORKGROUP), opts),
  });
}

/**
 * y (channels·ho·wo features) = 2x2 average pooling of x (channels·h·w) at stride 2, ho x wo =
 * floor(h / 2) x floor(w / 2) (an odd last row or column is dropped, as in PyTorch); y's padding is written 0.
 */
export async function avgPool2dForwardInto(ctx: Context, x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, dims: ImageDims, opts: FoldOptions = {}): Promise<void> {
  const d = checkPoolImage(dims);
  checkFeatureMajor('x', x, d.channels * d.h * d.w, 'channels*h*w', d.batch);
  checkFeatureMajor('y', y, d.channels * d.ho * d.wo, 'channels*ho*wo', d.batch);
  checkNoAliasing({ y }, { x });
  await avgPool2d(ctx, 'forward', x, y, d, opts);
}

/** dx (channels·h·w features) = dy (channels·ho·wo) / 4 spread over each window, 0 in a dropped row or column; dx's padding is written 0. */
export async function avgPool2dBackwardInto(ctx: Context, dy: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, dims: ImageDims, opts: FoldOptions = {}): Promise<void> {
  const d = checkPoolImage(dims);
  checkFeatureMajor('dy', dy, d.channels * d.ho * d.wo, 'channels*ho*wo', d.batch);
  checkFeatureMajor('dx', dx, d.channels * d.h * d.w, 'channels*h*w', d.batch);
  checkNoAliasing({ dx }, { dy });
  await avgPool2d(ctx, 'backward', dy, dx, d, opts);
}
