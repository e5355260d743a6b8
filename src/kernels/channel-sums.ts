/**
 * Per-channel sums of an activation (shaders/channel_sums.wgsl): the conv bias gradient (plane =
 * ho·wo) and a linear layer's (plane = 1), from dY in the activation layout. Also home of the
 * { batch, channels, plane } shape the pooling kernels share.
 */
import source from '../../shaders/channel_sums.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';

export const channelSumsKernel: KernelSource = { name: 'channel_sums', source };

const WORKGROUP = 64;
/** vec4s each lane should add at least, before more lanes share a channel. */
const MIN_RUN_PER_LANE = 8;

/** An activation of `channels` planes of `plane` features each (channel c: features c·plane .. (c+1)·plane - 1). */
export interface PlaneDims {
  batch: number;
  channels: number;
  plane: number;
}

/** Checks `dims` (named `name` in messages): three positive integers. */
export function checkPlaneDims(dims: unknown, name = 'dims'): PlaneDims {
  const d = checkObject(name, dims, 'a { batch, channels, plane }');
  return {
    batch: checkPositiveInt(`${name}.batch`, d.batch),
    channels: checkPositiveInt(`${name}.channels`, d.channels),
    plane: checkPositiveInt(`${name}.plane`, d.plane),
  };
}

/** Lanes per channel: a power of two up to the workgroup, so each lane adds about MIN_RUN_PER_LANE vec4s or more. */
function lanesFor(run: number): number {
  let lanes = 1;
  while (lanes < WORKGROUP && run > lanes * MIN_RUN_PER_LANE) lanes *= 2;
  return lanes;
}

/** db (channels) = Σ of dy (channels·plane features, activation layout) over each channel's plane and the batch. */
export async function channelSumsInto(
  ctx: Context,
  dy: GpuTensor<'f32'>,
  db: GpuTensor<'f32'>,
  dims: PlaneDims,
  opts: FoldOptions = {},
): Promise<void> {
  const { batch, channels, plane } = checkPlaneDims(dims);
  checkFeatureMajor('dy', dy, channels * plane, 'channels*plane', batch);
  checkTensor('db', db, 'f32', channels, 'channels');
  checkNoAliasing({ db }, { dy });
  const run = plane * (featureMajorStride(batch) / 4);
  const lanes = lanesFor(run);
  const workgroups = Math.ceil(channels / (WORKGROUP / lanes));
  await ctx.dispatch(channelSumsKernel, {
    constants: { WG: WORKGROUP, LANES: lanes },
    buffers: { dy, db },
    uniforms: { channels, run, workgroups },
    workgroups: gridFor(ctx, workgroups, opts),
  });
}
