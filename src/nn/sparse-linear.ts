/**
 * Sparse fully connected layer y = x·Wᵀ + b with W (out x in) stored in CSR or in BSR (blocks of
 * 4, 8, 16 or 32) and a static mask. Only the stored values are parameters, so training cannot add
 * or move a weight; with BSR, the mask's zeros inside stored blocks stay exactly 0 (the SDDMM writes
 * 0 there). Activations arrive and leave in the activation layout, the one the sparse kernels
 * read and write, so no pass transposes anything; the weight gradient (SDDMM) reuses the forward
 * pass's input.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { bsrSddmmInto } from '../kernels/sddmm-bsr.js';
import { csrSddmmInto } from '../kernels/sddmm-csr.js';
import { bsrBackwardDataInto, bsrForwardInto } from '../kernels/spmm-bsr.js';
import { csrBackwardDataInto, csrForwardInto } from '../kernels/spmm-csr.js';
import { type BsrBlockSize, bsrFromCsr, bsrToDense } from '../sparse/bsr.js';
import { type CsrMatrix, csrToDense } from '../sparse/csr.js';
import { GpuBsr } from '../sparse/gpu-bsr.js';
import { GpuCsr } from '../sparse/gpu-csr.js';
import { checkLength } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

/** How a sparse layer stores W on the GPU. */
export type SparseFormat = 'csr' | { bsr: BsrBlockSize };

/** The three sparse products a layer needs, for one storage format. */
interface SparseOps {
  values: GpuTensor<'f32'>;
  forward(xT: GpuTensor<'f32'>, y: GpuTensor<'f32'>, batch: number, bias: GpuTensor<'f32'>): Promise<void>;
  backwardData(dyT: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, batch: number): Promise<void>;
  sddmm(dyT: GpuTensor<'f32'>, xT: GpuTensor<'f32'>, dw: GpuTensor<'f32'>, batch: number): Promise<void>;
  /** W as a dense out x in matrix, from the values on the GPU. */
  readDense(): Promise<Float32Array>;
  /** The stored structure as it is on the GPU (CSR entries, or BSR blocks). */
  readStructure(): Promise<{ rowPtr: Uint32Array; colIdx: Uint32Array }>;
  destroy(): void;
}

async function readPattern(ctx: Context, pattern: { rowPtr: GpuTensor<'u32'>; colIdx: GpuTensor<'u32'> }) {
  return { rowPtr: await ctx.read(pattern.rowPtr), colIdx: await ctx.read(pattern.colIdx) };
}

function csrOps(ctx: Context, weight: CsrMatrix): SparseOps {
  const w = GpuCsr.upload(ctx, weight, 'sparse.weight');
  return {
    values: w.values,
    forward: (xT, y, batch, bias) => csrForwardInto(ctx, w, xT, y, batch, bias),
    backwardData: (dyT, dx, batch) => csrBackwardDataInto(ctx, w, dyT, dx, batch),
    sddmm: (dyT, xT, dw, batch) => csrSddmmInto(ctx, w, dyT, xT, dw, batch),
    readDense: async () => csrToDense({ ...weight, values: await ctx.read(w.values) }),
    readStructure: () => readPattern(ctx, w.pattern),
    destroy: () => w.destroy(),
  };
}

function bsrOps(ctx: Context, weight: CsrMatrix, blockSize: BsrBlockSize): SparseOps {
  const host = bsrFromCsr(weight, blockSize); // keeps the CSR pattern as its element mask
  const w = GpuBsr.upload(ctx, host, 'sparse.weight');
  return {
    values: w.values,
    forward: (xT, y, batch, bias) => bsrForwardInto(ctx, w, xT, y, batch, bias),
    backwardData: (dyT, dx, batch) => bsrBackwardDataInto(ctx, w, dyT, dx, batch),
    sddmm: (dyT, xT, dw, batch) => bsrSddmmInto(ctx, w, dyT, xT, dw, batch),
    readDense: async () => bsrToDense({ ...host, values: await ctx.read(w.values) }),
    readStructure: () => readPattern(ctx, w.pattern),
    destroy: () => w.destroy(),
  };
}

export class SparseLinear implements Layer {
  readonly kind = 'sparse-linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The mask (CSR pattern): fixed for the layer's life, whatever the storage format. */
  readonly mask: { rowPtr: Uint32Array; colIdx: Uint32Array };
  readonly bias: GpuTensor<'f32'>;
  private readonly ops: SparseOps;
  private readonly weightGrad: GpuTensor<'f32'>;
  private readonly biasGrad: GpuTensor<'f32'>;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    weight: CsrMatrix,
    bias?: Float32Array,
    readonly format: SparseFormat = 'csr',
  ) {
    this.ops = format === 'csr' ? csrOps(ctx, weight) : bsrOps(ctx, weight, format.bsr);
    this.mask = { rowPtr: weight.rowPtr.slice(), colIdx: weight.colIdx.slice() };
    this.inFeatures = weight.cols;
    this.outFeatures = weight.rows;
    if (bias) checkLength('bias', bias, weight.rows, 'weight.rows');
    this.bias = ctx.upload('f32', bias ?? new Float32Array(weight.rows), 'sparse.bias');
    this.weightGrad = ctx.zeros('f32', this.ops.values.length, 'sparse.weightGrad');
    this.biasGrad = ctx.zeros('f32', weight.rows, 'sparse.biasGrad');
    this.ws = new Workspace(ctx, 'sparse');
  }

  /** Fraction of W's entries in the mask. */
  get density(): number {
    return this.mask.colIdx.length / (this.inFeatures * this.outFeatures);
  }

  /** The stored values the optimizer updates (CSR entries, or whole BSR blocks). */
  get values(): GpuTensor<'f32'> {
    return this.ops.values;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await this.ops.forward(x, y, batch, this.bias);
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    if (!this.input) throw new Error('SparseLinear.backward before forward');
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await this.ops.sddmm(dy, this.input, this.weightGrad, batch);
    await channelSumsInto(this.ctx, dy, this.biasGrad, { batch, channels: this.outFeatures, plane: 1 });
    await this.ops.backwardData(dy, dx, batch);
    return dx;
  }

  /** The current weights as CSR over the mask, read back from the GPU. */
  async readWeight(): Promise<CsrMatrix> {
    const dense = await this.ops.readDense();
    const { rowPtr, colIdx } = this.mask;
    const values = new Float32Array(colIdx.length);
    for (let r = 0; r < this.outFeatures; r++) {
      for (let t = rowPtr[r]!; t < rowPtr[r + 1]!; t++) values[t] = dense[r * this.inFeatures + colIdx[t]!]!;
    }
    return { rows: this.outFeatures, cols: this.inFeatures, rowPtr, colIdx, values };
  }

  /** W as a dense matrix read back from the GPU: exactly zero wherever the mask is not. */
  readDense(): Promise<Float32Array> {
    return this.ops.readDense();
  }

  /** The stored structure as it is on the GPU, for checking that nothing ever rewrites it. */
  readStructure(): Promise<{ rowPtr: Uint32Array; colIdx: Uint32Array }> {
    return this.ops.readStructure();
  }

  /** Overwrites the weights (same mask; values in the mask's CSR order). */
  async writeWeight(values: Float32Array): Promise<void> {
    checkLength('values', values, this.mask.colIdx.length, 'the mask’s nnz');
    const weight = { rows: this.outFeatures, cols: this.inFeatures, ...this.mask, values };
    this.ctx.write(this.ops.values, this.format === 'csr' ? values : bsrFromCsr(weight, this.format.bsr).values);
  }

  parameters(): Parameter[] {
    return [
      { name: 'weight', values: this.ops.values, grad: this.weightGrad },
      { name: 'bias', values: this.bias, grad: this.biasGrad },
    ];
  }

  destroy(): void {
    this.ops.destroy();
    for (const t of [this.bias, this.weightGrad, this.biasGrad]) t.destroy();
    this.ws.destroy();
  }
}
