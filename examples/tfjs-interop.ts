/**
 * orthosparse inside a TF.js app, on TF.js's own WebGPU device: a sparse layer (EOI weights, CSR
 * kernel) applied to a TF.js tensor's GPUBuffer, its output handed back to TF.js as a tensor, and
 * the whole thing checked against orthosparse's float64 CPU reference. Nothing goes through the CPU
 * between the frameworks. docs/interop.md walks through it; test/e2e/tfjs-interop.test.ts runs it
 * in Chromium. In your own code, import from 'orthosparse' instead of '../src/index.js'.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { createContext, type CsrMatrix, csrForwardInto, eoi, featureMajorStride, GpuCsr, spmmForwardRef, toFeatureMajorInto } from '../src/index.js';

export interface InteropResult {
  batch: number;
  /** the TF.js input X (batch x inFeatures), read back for the reference */
  x: Float32Array;
  /** the sparse weight W (outFeatures x inFeatures) */
  weight: CsrMatrix;
  /** relu(X·Wᵀ): our kernel's product, finished by TF.js's relu, read back through TF.js */
  gpu: Float32Array;
  /** relu(X·Wᵀ) on the CPU in float64 from the same float32 inputs */
  reference: Float64Array;
}

export async function sparseLayerOnTfjs({ batch = 32, inFeatures = 96, outFeatures = 64, density = 0.25, seed = 7 } = {}): Promise<InteropResult> {
  await tf.setBackend('webgpu');
  await tf.ready();

  // 1. Share TF.js's GPUDevice: both libraries record onto the same device and queue.
  const device = (tf.backend() as WebGPUBackend).device;
  const ctx = await createContext({ device });

  // 2. A TF.js tensor on the GPU (the output of a TF.js op, e.g. a layer's activation; tensors made
  //    from CPU values may still sit on the CPU, and dataToGPU() needs GPU data). dataToGPU() gives
  //    a GPUBuffer with a copy of its data, kept alive by tensorRef; ctx.wrap views it without a copy.
  const x = tf.tidy(() => tf.tanh(tf.randomNormal([batch, inFeatures], 0, 1, 'float32', seed)));
  const { buffer, tensorRef } = x.dataToGPU();
  const xView = ctx.wrap(buffer!, 'f32', batch * inFeatures);

  // 3. Our kernels work on the feature-major activation layout: convert X, then Y = X·Wᵀ with W in CSR.
  const weight = eoi(outFeatures, inFeatures, { density, seed });
  const w = GpuCsr.upload(ctx, weight);
  const xT = ctx.zeros('f32', inFeatures * featureMajorStride(batch));
  const stride = featureMajorStride(batch);
  const y = ctx.zeros('f32', outFeatures * stride);
  await toFeatureMajorInto(ctx, xView, xT, batch, inFeatures);
  await csrForwardInto(ctx, w, xT, y, batch);
  // Submit our work before TF.js reads Y: the queue runs submissions in order. sync() also waits
  // and throws any GPU error our kernels raised; ctx.flush() submits without waiting.
  await ctx.sync();

  // 4. Back to TF.js: Y's GPUBuffer becomes a tensor (TF.js copies it on the GPU and submits at
  //    once, so our buffers may be freed right after), and TF.js carries on with its own ops. Y is
  //    feature-major (outFeatures x stride, padding columns 0): one transpose and slice make it
  //    batch x outFeatures.
  const yTf = tf.tensor({ buffer: y.buffer }, [outFeatures, stride], 'float32');
  for (const t of [xView, xT, y]) t.destroy();
  w.destroy();
  const activated = tf.tidy(() => tf.relu(tf.slice(tf.transpose(yTf), [0, 0], [batch, outFeatures])));
  const gpu = (await activated.data()) as Float32Array;

  // 5. The reference: the same layer on the CPU, in float64, from the same float32 inputs.
  const xHost = (await x.data()) as Float32Array;
  const reference = spmmForwardRef(weight, xHost, batch).map((v) => Math.max(0, v));

  tf.dispose([x, tensorRef, yTf, activated]);
  ctx.destroy(); // leaves TF.js's device alone: the context did not create it
  return { batch, x: xHost, weight, gpu, reference };
}
