/**
 * A GPU test case is a function of (context, params) that returns plain data. The same function
 * runs in Node on Dawn and in headless Chromium; vitest asserts on what it returns.
 */
import type { Context } from '../../src/gpu/context.js';

export type GpuCase = (ctx: Context, params: any) => Promise<unknown>;
export type CaseFamily = Record<string, GpuCase>;

export function defineCases<F extends CaseFamily>(family: F): F {
  return family;
}
