/**
 * Workgroup grids for kernels over a 1-D list of workgroups. One grid dimension holds at most
 * maxComputeWorkgroupsPerDimension (65535 by default), so longer lists are folded into y; the
 * kernel recovers its linear index as wid.x + wid.y * nwg.x (@builtin(num_workgroups)) and returns
 * when it is past the end.
 */
import type { Context } from '../gpu/context.js';

/** How a long 1-D list of workgroups is folded into a 2-D grid within the device's per-dimension limit. */
export interface FoldOptions {
  /** Widest grid row, below the device limit only to exercise the fold in tests. */
  maxGroupsX?: number;
}

/** [x, y] workgroup counts covering `groups` workgroups; x * y - groups of them return at once. */
export function gridFor(ctx: Context, groups: number, opts: FoldOptions = {}): [number, number] {
  const limit = Math.min(opts.maxGroupsX ?? Infinity, ctx.limits.maxComputeWorkgroupsPerDimension);
  const x = Math.max(1, Math.min(groups, limit));
  return [x, Math.ceil(groups / x)];
}
