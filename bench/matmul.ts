/**
 * Dense matmul benchmark body, run in Node (Dawn) and in the browser page: ours (`matmulInto`)
 * and, in the browser, TF.js's WebGPU backend `tf.matMul` on the same shapes in the same run.
 */
import type { Context } from '../src/gpu/context.js';
import { matmulInto } from '../src/kernels/matmul.js';
import { Rng } from '../src/random.js';
import { type BenchRecord, type Timing, timeRuns } from './timing.js';

export interface MatmulBenchOptions {
  sizes: number[];
  reps: number;
  log: (line: string) => void;
}

function randomMatrix(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * n }, () => rng.nextFloat() * 2 - 1);
}

export async function benchOurMatmul(ctx: Context, backend: string, opts: MatmulBenchOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  for (const n of opts.sizes) {
    const a = ctx.upload('f32', randomMatrix(n, 1), 'a');
    const b = ctx.upload('f32', randomMatrix(n, 2), 'b');
    const c = ctx.zeros('f32', n * n, 'c');
    const dims = { m: n, k: n, n };
    const run = async () => {
      await matmulInto(ctx, a, b, c, dims);
      await ctx.sync();
    };
    const timing = await timeRuns(run, { reps: opts.reps });
    const gpuMs = ctx.hasTimestamps ? await ctx.timeGpu(() => matmulInto(ctx, a, b, c, dims)) : undefined;
    for (const t of [a, b, c]) t.destroy();
    const record: BenchRecord = {
      suite: 'matmul',
      kernel: 'matmul',
      impl: 'orthosparse',
      shape: { m: n, k: n, n },
      backend,
      adapter: ctx.adapterName,
      medianMs: timing.medianMs,
      gpuMs,
      gflops: (2 * n * n * n) / (timing.medianMs * 1e6),
    };
    opts.log(`matmul ${n}^3 orthosparse on ${backend}: ${timing.medianMs.toFixed(1)} ms, ${record.gflops.toFixed(2)} GFLOP/s`);
    records.push(record);
  }
  return records;
}

/** The subset of TF.js this benchmark touches. */
export interface Tfjs {
  tensor2d(values: Float32Array, shape: [number, number]): { dispose(): void };
  matMul(a: unknown, b: unknown): { dispose(): void };
  backend(): unknown;
}

/**
 * Time one TF.js WebGPU op: TF.js batches dispatches in an open compute pass, so each run ends it
 * and submits (as its own readback does), then waits for the queue.
 */
export function timeTfjs(tf: Tfjs, op: () => { dispose(): void }, reps: number): Promise<Timing> {
  const backend = tf.backend() as { device: GPUDevice; endComputePassEncoder(): void; submitQueue(): void };
  return timeRuns(
    async () => {
      const out = op();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await backend.device.queue.onSubmittedWorkDone();
      out.dispose();
    },
    { reps },
  );
}

export async function benchTfjsMatmul(tf: Tfjs, adapter: string, opts: MatmulBenchOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  for (const n of opts.sizes) {
    const a = tf.tensor2d(randomMatrix(n, 1), [n, n]);
    const b = tf.tensor2d(randomMatrix(n, 2), [n, n]);
    const timing = await timeTfjs(tf, () => tf.matMul(a, b), opts.reps);
    a.dispose();
    b.dispose();
    const record: BenchRecord = {
      suite: 'matmul',
      kernel: 'matmul',
      impl: 'tfjs-webgpu',
      shape: { m: n, k: n, n },
      backend: 'chromium',
      adapter,
      medianMs: timing.medianMs,
      gflops: (2 * n * n * n) / (timing.medianMs * 1e6),
    };
    opts.log(`matmul ${n}^3 tf.matMul on chromium: ${timing.medianMs.toFixed(1)} ms, ${record.gflops.toFixed(2)} GFLOP/s`);
    records.push(record);
  }
  return records;
}
