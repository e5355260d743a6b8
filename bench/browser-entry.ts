/**
 * The browser side of the benchmarks: the library, TF.js's WebGPU backend and the benchmark bodies
 * in one bundle; bench/run.ts calls window.orthosparseBench.* through puppeteer. Progress lines go
 * to console.log, which run.ts forwards to the terminal.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients (tf.grads, optimizer.minimize) are registered by the tfjs umbrella package; tfjs-core alone needs this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { createContext } from '../src/gpu/context.js';
import { type MatmulBenchOptions, benchOurMatmul, benchTfjsMatmul, type Tfjs } from './matmul.js';
import { benchOurCnnTraining, benchTfjsCnnTraining, type CnnTrainingCase } from './cnn-training.js';
import { benchConvCase, benchTfjsConv, type ConvCase, tfjsTimesCase } from './conv.js';
import { benchConvBsrCase, type ConvBsrCase } from './conv-bsr.js';
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

/** One case of the conv suite: our sparse and dense conv, then (zero padding only) TF.js's conv2d and its gradients on the same shape. */
async function conv(c: ConvCase) {
  const log = (line: string) => console.log(line);
  const ctx = await createContext();
  const ours = await benchConvCase(ctx, 'chromium', c, log);
  ctx.destroy();
  if (!tfjsTimesCase(c)) return ours;
  await tf.setBackend('webgpu');
  await tf.ready();
  return [...ours, ...(await benchTfjsConv(tf, ours[0]?.adapter ?? '', c, log))];
}

/** One layer shape of the conv-bsr suite: BSR, CSR and dense conv, interleaved round after round in this page. */
async function convBsr(c: ConvBsrCase) {
  const ctx = await createContext();
  try {
    return await benchConvBsrCase(ctx, 'chromium', c, (line) => console.log(line));
  } finally {
    ctx.destroy();
  }
}

/** One case of the cnn-training suite: our sparse and dense CNN, then the same CNN in TF.js with masked dense filters. */
async function cnnTraining(c: CnnTrainingCase) {
  const log = (line: string) => console.log(line);
  const ctx = await createContext();
  const ours = await benchOurCnnTraining(ctx, 'chromium', c, log);
  ctx.destroy();
  await tf.setBackend('webgpu');
  await tf.ready();
  return [...ours, await benchTfjsCnnTraining(tf, ours[0]?.adapter ?? '', c, log)];
}

(globalThis as Record<string, unknown>).orthosparseBench = { matmul, sparse, conv, convBsr, cnnTraining };
