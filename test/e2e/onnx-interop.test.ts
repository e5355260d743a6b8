/**
 * The ONNX Runtime Web interop example of docs/interop.md (examples/onnx-interop.ts), run as written
 * in Node on Dawn (the `webgpu` package) with onnxruntime-web's WebGPU build: our CSR kernel's output
 * GPUBuffer into an ONNX model, its output GPUBuffer read by orthosparse, checked against the
 * float64 CPU reference.
 */
import { describe, expect, it } from 'vitest';
import { sparseLayerOnOnnx } from '../../examples/onnx-interop.js';
import { spmmForwardRef } from '../../src/index.js';
import { BACKENDS } from '../harness/backends-config.js';
import { worstBoundRatio } from '../harness/tolerance.js';

/**
 * What a browser gives ONNX Runtime and Node does not: navigator.gpu (here Dawn's GPU object), and
 * GPUQueue.writeBuffer from views of a SharedArrayBuffer (ONNX Runtime writes from its threaded
 * WebAssembly memory; Dawn for Node 0.6 throws "Invalid argument" for those, so they are copied).
 */
async function nodeWebGpuForOnnx(): Promise<void> {
  const dawn = (await import('webgpu')) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  const gpu = dawn.create([]);
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as Record<string, unknown>;
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  const queue = (GPUQueue as unknown as { prototype: GPUQueue }).prototype;
  const writeBuffer = queue.writeBuffer;
  queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number) {
    const copy = ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer ? (data as Uint8Array).slice() : data;
    return writeBuffer.call(this, buffer, offset, copy as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
}

describe.skipIf(!BACKENDS.includes('node'))('ONNX Runtime Web interop example (Node, Dawn, onnxruntime-web WebGPU)', () => {
  it('runs an ONNX model on our sparse kernel\'s GPUBuffer, on one shared device, and matches the CPU reference', async () => {
    await nodeWebGpuForOnnx();
    const ort = await import('onnxruntime-web/webgpu');
    ort.env.wasm.numThreads = 1;
    const r = await sparseLayerOnOnnx(ort, { batch: 5, inFeatures: 48, outFeatures: 36, density: 0.25, seed: 7 });
    expect(r.sameDevice).toBe(true);
    expect(r.gpu.length).toBe(5 * 36);
    expect(r.gpu.some((v) => v > 0)).toBe(true);
    expect(r.gpu.some((v, i) => v === 0 && r.reference[i] === 0)).toBe(true); // relu ran
    // Tolerance: each output is a float32 dot product of a row's stored weights with X, within
    // gamma_k · Σ|w·x| of the exact value, k = the largest row's stored count; relu only shrinks
    // differences (test/harness/tolerance.ts).
    const x = Float32Array.from({ length: 5 * 48 }, (_, i) => Math.sin(i * 0.37 + 7));
    const magnitude = spmmForwardRef({ ...r.weight, values: r.weight.values.map(Math.abs) }, x.map(Math.abs), r.batch);
    const k = Math.max(...r.weight.rowPtr.slice(1).map((end, row) => end - r.weight.rowPtr[row]!));
    expect(worstBoundRatio(r.gpu, r.reference, magnitude, k)).toBeLessThanOrEqual(1);
  });
});
