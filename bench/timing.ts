/**
 * How benchmarks time GPU work, in Node and in the browser alike: warm-up runs (compilation and
 * first-touch allocation stay out), then repeated runs; the median is reported. `run` must submit
 * its work and resolve when the GPU has finished it.
 */
import type { Context } from '../src/gpu/context.js';
import { Rng } from '../src/random.js';

export interface Timing {
  /** median wall time of one run, ms */
  medianMs: number;
  /** all measured runs, ms */
  samplesMs: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeRuns(run: () => Promise<unknown>, opts: { warmup?: number; reps?: number } = {}): Promise<Timing> {
  const { warmup = 1, reps = 5 } = opts;
  for (let i = 0; i < warmup; i++) await run();
  const samplesMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    samplesMs.push(performance.now() - t0);
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** One measured row of any benchmark: what, on which shape and adapter, how fast. */
export interface BenchRecord {
  suite: string;
  kernel: string;
  impl: string;
  shape: Record<string, number | string>;
  backend: string;
  adapter: string;
  medianMs: number;
  /** GPU time from timestamp queries, where the adapter has them */
  gpuMs?: number;
  gflops: number;
}

/** Uniform values in [-1, 1) from a seeded stream: benchmark operands. */
export function randomValues(length: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length }, () => rng.nextFloat() * 2 - 1);
}

export interface Measured {
  medianMs: number;
  gpuMs?: number;
}

/**
 * One kernel call's time. Wall time: warm-up (compiles the pipeline, builds lazy structures), then
 * the median of `reps`. GPU time, where the adapter has timestamps: the median of `reps` more runs,
 * kept apart so the query resolve and readback stay out of the wall times.
 */
export async function measure(ctx: Context, encode: () => Promise<void>, reps: number): Promise<Measured> {
  const { medianMs } = await timeRuns(
    async () => {
      await encode();
      await ctx.sync();
    },
    { reps },
  );
  if (!ctx.hasTimestamps) return { medianMs };
  const gpuSamples: number[] = [];
  for (let i = 0; i < reps; i++) gpuSamples.push(await ctx.timeGpu(encode));
  return { medianMs, gpuMs: median(gpuSamples) };
}

/**
 * Encodes `work` with every dispatch counted and, with `profile`, each one timed alone on the GPU
 * (timestamp queries, one submit per dispatch): GPU ms per kernel entry point and the count.
 */
export async function dispatchProfile(ctx: Context, work: () => Promise<void>, profile: boolean): Promise<{ dispatches: number; byKernel: Record<string, { n: number; ms: number }> }> {
  const dispatch = ctx.dispatch;
  const byKernel: Record<string, { n: number; ms: number }> = {};
  let dispatches = 0;
  ctx.dispatch = async (kernel, args) => {
    dispatches++;
    const key = `${kernel.name}:${args.entryPoint ?? 'main'}`;
    const row = (byKernel[key] ??= { n: 0, ms: 0 });
    row.n++;
    if (profile) row.ms += await ctx.timeGpu(() => dispatch.call(ctx, kernel, args));
    else await dispatch.call(ctx, kernel, args);
  };
  try {
    await work();
    await ctx.sync();
  } finally {
    ctx.dispatch = dispatch;
  }
  return { dispatches, byKernel };
}

/**
 * The least GPU time of `work` per kernel entry point over `repeats` profiled runs (load on a
 * shared machine only adds to it) and their sum, with the dispatch count; without timestamp
 * queries one unprofiled run gives the count alone (gpuMs undefined).
 */
export async function leastDispatchProfile(ctx: Context, work: () => Promise<void>, repeats: number): Promise<{ dispatches: number; byKernel: Record<string, { n: number; ms: number }>; gpuMs: number | undefined }> {
  const profiles: Array<Awaited<ReturnType<typeof dispatchProfile>>> = [];
  for (let r = 0; r < (ctx.hasTimestamps ? repeats : 1); r++) profiles.push(await dispatchProfile(ctx, work, ctx.hasTimestamps));
  const { dispatches } = profiles[0]!;
  if (!ctx.hasTimestamps) return { dispatches, byKernel: profiles[0]!.byKernel, gpuMs: undefined };
  const byKernel = Object.fromEntries(Object.entries(profiles[0]!.byKernel).map(([key, { n }]) => [key, { n, ms: Math.min(...profiles.map((p) => p.byKernel[key]!.ms)) }]));
  return { dispatches, byKernel, gpuMs: Object.values(byKernel).reduce((sum, k) => sum + k.ms, 0) };
}

/**
 * Medians of wall time (GPU synced) of a training step (forward, loss, backward, SGD) and of SET /
 * RigL updates of all three layers; RigL's dense gradients dW = dYᵀ·X alone (its floor: the update
 * needs them whatever else it does); dispatches per update; and, where the adapter has timestamp
 * queries, GPU time per kernel of one update (each dispatch timed alone).
 */
