/**
 * orthosparse inside an ONNX Runtime Web app, on ONNX Runtime's own WebGPU device: a sparse layer
 * (EOI weights, CSR kernel) computes Y = X·Wᵀ on the GPU, Y's GPUBuffer goes into an ONNX model
 * (a Relu) as a GPU tensor, the model's output stays on the GPU and orthosparse reads it back; the
 * result is checked against orthosparse's float64 CPU reference. Nothing goes through the CPU
 * between the frameworks. docs/interop.md walks through it; test/e2e/onnx-interop.test.ts runs it
 * in Node on Dawn. In your own code, import from 'orthosparse' instead of '../src/index.js'.
 */
import type * as Ort from 'onnxruntime-web/webgpu';
import { createContext, type CsrMatrix, csrForwardInto, eoi, featureMajorStride, GpuCsr, spmmForwardRef, toFeatureMajorInto } from '../src/index.js';

export interface OnnxInteropResult {
  batch: number;
  /** the sparse weight W (outFeatures x inFeatures) */
  weight: CsrMatrix;
  /** relu(X·Wᵀ), batch x outFeatures: our kernel's product through ONNX Runtime's Relu, read back by orthosparse */
  gpu: Float32Array;
  /** relu(X·Wᵀ) on the CPU in float64 from the same float32 inputs */
  reference: Float64Array;
  /** whether ONNX Runtime's device and orthosparse's context's device are one object */
  sameDevice: boolean;
}

/**
 * A one-node ONNX model, y = Relu(x) on float32 [rows, cols], as protobuf bytes (ModelProto with
 * IR version 8 and opset 13). Real apps load a .onnx file; this keeps the example self-contained.
 */
export function reluModel(rows: number, cols: number): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 128);
    out.push(n);
    return out;
  };
  const int = (field: number, value: number) => [...varint(field << 3), ...varint(value)];
  const bytes = (field: number, payload: number[]) => [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
  const text = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)]);
  const dim = (n: number) => bytes(1, int(1, n)); // TensorShapeProto.dim { dim_value }
  // ValueInfoProto { name, type: TypeProto { tensor_type { elem_type FLOAT, shape } } }
  const value = (field: number, name: string) => bytes(field, [...text(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, [...dim(rows), ...dim(cols)])]))]);
  const node = bytes(1, [...text(1, 'x'), ...text(2, 'y'), ...text(4, 'Relu')]);
  const graph = bytes(7, [...node, ...text(2, 'relu'), ...value(11, 'x'), ...value(12, 'y')]);
  return new Uint8Array([...int(1, 8), ...bytes(8, int(2, 13)), ...graph]);
}

/**
 * Runs the example with the given onnxruntime-web/webgpu module (the WebGPU build; in a browser it
 * finds navigator.gpu itself).
 */
export async function sparseLayerOnOnnx(ort: typeof Ort, { batch = 5, inFeatures = 48, outFeatures = 36, density = 0.25, seed = 7 } = {}): Promise<OnnxInteropResult> {
  // 1. An ONNX model whose input is our layer's output in its activation layout: outFeatures rows
  //    of featureMajorStride(batch) columns (padding columns 0). preferredOutputLocation keeps the
  //    output on the GPU. Creating the session also creates ONNX Runtime's GPUDevice.
  const stride = featureMajorStride(batch);
  const session = await ort.InferenceSession.create(reluModel(outFeatures, stride), { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' });

  // 2. Share ONNX Runtime's GPUDevice: both libraries record onto the same device and queue.
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const ctx = await createContext({ device });
  try {
    // 3. Y = X·Wᵀ with W in CSR, on our kernels (X converted to the activation layout first).
    const x = Float32Array.from({ length: batch * inFeatures }, (_, i) => Math.sin(i * 0.37 + seed));
    const weight = eoi(outFeatures, inFeatures, { density, seed });
    const w = GpuCsr.upload(ctx, weight);
    const xRows = ctx.upload('f32', x);
    const xT = ctx.zeros('f32', inFeatures * stride);
    const y = ctx.zeros('f32', outFeatures * stride);
    await toFeatureMajorInto(ctx, xRows, xT, batch, inFeatures);
    await csrForwardInto(ctx, w, xT, y, batch);
    // Submit our work before ONNX Runtime reads Y: the queue runs submissions in order.
    await ctx.sync();

    // 4. Y's GPUBuffer as an ONNX Runtime GPU tensor (no copy), the model run on it, its output
    //    (a GPUBuffer ONNX Runtime owns) viewed by orthosparse without a copy and read back.
    const input = ort.Tensor.fromGpuBuffer(y.buffer, { dataType: 'float32', dims: [outFeatures, stride] });
    const { y: output } = await session.run({ x: input });
    const activated = await ctx.read(ctx.wrap(output!.gpuBuffer as GPUBuffer, 'f32', outFeatures * stride));
    output!.dispose();
    for (const t of [xRows, xT, y]) t.destroy();
    w.destroy();
    await session.release();

    // 5. Feature-major back to batch x outFeatures, and the float64 reference relu(X·Wᵀ).
    const gpu = new Float32Array(batch * outFeatures);
    for (let b = 0; b < batch; b++) for (let o = 0; o < outFeatures; o++) gpu[b * outFeatures + o] = activated[o * stride + b]!;
    const reference = spmmForwardRef(weight, x, batch).map((v) => Math.max(0, v));
    return { batch, weight, gpu, reference, sameDevice: ctx.device === device };
  } finally {
    ctx.destroy();
  }
}
