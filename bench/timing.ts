/**
 * How benchmarks time GPU work, in Node and in the browser alike: warm-up runs (compilation and
 * first-touch allocation stay out), then repeated runs; the median is reported. `run` must submit
 * its work and resolve when the GPU has finished it.
 */
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
