/**
 * The tile shape both sparse x dense kernels (spmm_csr, spmm_bsr) share: a workgroup of wgB x wgR
 * invocations, wgB along the batch sharing one output (row or quad), each taking bv vec4 groups
 * of the batch, interleaved with its neighbours'.
 */
import batchTilesSource from '../../shaders/batch_tiles.wgsl';
import type { Context } from '../gpu/context.js';
import { checkOneOf, checkPositiveInt } from '../validate.js';
import type { FoldOptions } from './grid.js';

/** Workgroup and per-invocation tile shape of a sparse x dense product kernel. */
export interface SpmmTiles<BV extends number = number> extends FoldOptions {
  wgB: number;
  wgR: number;
  bv: BV;
}

/** Checks a caller-given tile shape against the kernel's bv choices and the device's limits. */
export function checkSpmmTiles(ctx: Context, tiles: SpmmTiles, allowedBv: readonly number[]): void {
  const { maxComputeWorkgroupSizeX, maxComputeWorkgroupSizeY, maxComputeInvocationsPerWorkgroup } = ctx.limits;
  checkPositiveInt('config.wgB', tiles.wgB, maxComputeWorkgroupSizeX);
  checkPositiveInt('config.wgR', tiles.wgR, maxComputeWorkgroupSizeY);
  if (tiles.wgB * tiles.wgR > maxComputeInvocationsPerWorkgroup) {
    throw new RangeError(`config.wgB * config.wgR must be at most ${maxComputeInvocationsPerWorkgroup}, got ${tiles.wgB * tiles.wgR}`);
  }
  checkOneOf('config.bv', tiles.bv, allowedBv);
}

/** Workgroup tiles along the batch (wgB·bv vec4 groups each) for a batch of `groups` vec4 groups. */
export function batchTiles(groups: number, tiles: SpmmTiles): number {
  return Math.ceil(groups / (tiles.wgB * tiles.bv));
}

/** shaders/batch_tiles.wgsl: the WGSL of this tiling (an invocation's slot and batch groups), put in front of the kernels that use it. */
// Typed as a string here: a re-export would make the published declarations import the .wgsl file.
export const batchTilesWgsl: string = batchTilesSource;
