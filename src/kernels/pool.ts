/**
 * Average pooling in the activation layout, forward and backward (shaders/pool.wgsl): global, over
 * each channel's plane (an image activation of channels·plane features pools to `channels`
 * features, as a linear layer then reads it), and 2x2 at stride 2 (an h x w image to
 * floor(h / 2) x floor(w / 2)).
 */
import source from '../../shaders/pool.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing } from './aliasing.js';
import { checkPlaneDims, type PlaneDims } from './channel-sums.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const poolKernel: KernelSource = { name: 'pool', source };

const WORKGROUP = 64;

/** An image for 2x2 pooling: batch, and channels of h x w pixels. */
export interface ImageDims {
  batch: number;
  channels: number;
  h: number;
  w: number;
}

/** The kernel's shape: the input image and the pooled one. */
interface PoolShape {
  batch: number;
  channels: number;
  h: number;
  w: number;
  ho: number;
  wo: number;
}

/** One operand: its name in messages, the tensor, its feature count and how that count is named. */
type Operand = [name: string, tensor: GpuTensor<'f32'>, features: number, why: string];

/** Checks both operands (activation layout, no aliasing) and runs `entryPoint`, one invocation per output vec4. */
async function pool(ctx: Context, entryPoint: string, [inName, src, inFeatures, inWhy]: Operand, [outName, dst, outFeatures, outWhy]: Operand, s: PoolShape, opts: FoldOptions): Promise<void> {
  checkFeatureMajor(inName, src, inFeatures, inWhy, s.batch);
  checkFeatureMajor(outName, dst, outFeatures, outWhy, s.batch);
  checkNoAliasing({ [outName]: dst }, { [inName]: src });
  await ctx.dispatch(poolKernel, {
    entryPoint,
    constants: { WG: WORKGROUP },
    buffers: { src, dst },
    uniforms: { channels: s.channels, groups: featureMajorStride(s.batch) / 4, h: s.h, w: s.w, ho: s.ho, wo: s.wo, invPlane: 1 / (s.h * s.w) },
    workgroups: gridFor(ctx, Math.ceil(dst.length / 4 / WORKGROUP), opts),
  });
}

/** Global pooling's shape: the plane as one row, pooled to 1 x 1. */
function globalShape(dims: PlaneDims): PoolShape {
  const d = checkPlaneDims(dims);
  return { batch: d.batch, channels: d.channels, h: 1, w: d.plane, ho: 1, wo: 1 };
}

/** Checks `dims` (named `name` in messages): positive integers, h and w at least 2 (one whole window). */
function pairShape(dims: unknown, name = 'dims'): PoolShape {
  const d = checkObject(name, dims, 'a { batch, channels, h, w }');
  const batch = checkPositiveInt(`${name}.batch`, d.batch);
  const channels = checkPositiveInt(`${name}.channels`, d.channels);
  const [h, w] = (['h', 'w'] as const).map((side) => {
    const n = checkPositiveInt(`${name}.${side}`, d[side]);
    if (n < 2) throw new RangeError(`${name}.${side} must be at least 2 (one 2x2 window), got ${n}`);
    return n;
  }) as [number, number];
  return { batch, channels, h, w, ho: Math.floor(h / 2), wo: Math.floor(w / 2) };
}

/** y (channels features) = the mean of x (channels·plane features) over each channel's plane; y's padding is written 0. */
export async function globalAvgPoolForwardInto(ctx: Context, x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, dims: PlaneDims, opts: FoldOptions = {}): Promise<void> {
  const s = globalShape(dims);
  await pool(ctx, 'forward', ['x', x, s.channels * s.w, 'channels*plane'], ['y', y, s.channels, 'channels'], s, opts);
}

/** dx (channels·plane features) = dy (channels features) / plane, spread over each channel's plane; dx's padding is written 0. */
export async function globalAvgPoolBackwardInto(ctx: Context, dy: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, dims: PlaneDims, opts: FoldOptions = {}): Promise<void> {
  const s = globalShape(dims);
  await pool(ctx, 'backward', ['dy', dy, s.channels, 'channels'], ['dx', dx, s.channels * s.w, 'channels*plane'], s, opts);
}

/**
 * y (channels·ho·wo features) = 2x2 average pooling of x (channels·h·w) at stride 2, ho x wo =
 * floor(h / 2) x floor(w / 2) (an odd last row or column is dropped, as in PyTorch); y's padding is written 0.
 */
export async function avgPool2dForwardInto(ctx: Context, x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, dims: ImageDims, opts: FoldOptions = {}): Promise<void> {
  const s = pairShape(dims);
  await pool(ctx, 'avg2x2_forward', ['x', x, s.channels * s.h * s.w, 'channels*h*w'], ['y', y, s.channels * s.ho * s.wo, 'channels*ho*wo'], s, opts);
}

/** dx (channels·h·w features) = dy (channels·ho·wo) / 4 spread over each window, 0 in a dropped row or column; dx's padding is written 0. */
export async function avgPool2dBackwardInto(ctx: Context, dy: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, dims: ImageDims, opts: FoldOptions = {}): Promise<void> {
  const s = pairShape(dims);
  await pool(ctx, 'avg2x2_backward', ['dy', dy, s.channels * s.ho * s.wo, 'channels*ho*wo'], ['dx', dx, s.channels * s.h * s.w, 'channels*h*w'], s, opts);
}
