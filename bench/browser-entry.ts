/**
 * The browser side of the benchmarks: the library, TF.js's WebGPU backend and the benchmark bodies
 * in one bundle; bench/run.ts calls window.orthosparseBench.* through puppeteer. Progress lines go
 * to console.log, which run.ts forwards to the terminal.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { createContext } from '../src/gpu/context.js';
import { type MatmulBenchOptions, benchOurMatmul, benchTfjsMatmul, type Tfjs } from './matmul.js';
import { benchSparseCase, benchTfjsDense, type SparseCase, type TfjsWithTranspose } from './sparse.js';

async function matmul(opts: Omit<MatmulBenchOptions, 'log'>) {
  const log = (line: string) => console.log(line);
  const ctx = await createContext();
  const ours = await benchOurMatmul(ctx, 'chromium', { ...opts, log });
  ctx.destroy();
  await tf.setBackend('webgpu');
  await tf.ready();
  const theirs = await benchTfjsMatmul(tf as unknown as Tfjs, ours[0]?.adapter ?? '', { ...opts, log });
  return [...ours, ...theirs];
}

/** One (size, batch) cell of the sparse suite: our kernels, then tf.matMul on the same dense products. */
async function sparse(c: SparseCase) {
  const log = (line: string) => console.log(line);
  const ctx = await createContext();
  const ours = await benchSparseCase(ctx, 'chromium', c, log);
  ctx.destroy();
  await tf.setBackend('webgpu');
  await tf.ready();
  const theirs = await benchTfjsDense(tf as unknown as TfjsWithTranspose, ours[0]?.adapter ?? '', c, log);
  return [...ours, ...theirs];
}

(globalThis as Record<string, unknown>).orthosparseBench = { matmul, sparse };
