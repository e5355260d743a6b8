/**
 * Sparse fully connected layer y = x·Wᵀ + b with W (out x in) stored in CSR or in BSR (blocks of
 * 4, 8, 16 or 32) and a static mask. Only the stored values are parameters, so training cannot add
 * or move a weight; with BSR, the mask's zeros inside stored blocks stay exactly 0 (the SDDMM writes
 * 0 there). Activations arrive and leave in the activation layout, the one the sparse kernels
 * read and write, so no pass transposes anything; the weight gradient (SDDMM) reuses the forward
 * pass's input.
 */
import type { Context } from '../gpu/context.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { bsrSddmmInto } from '../kernels/sddmm-bsr.js';
import { csrSddmmInto } from '../kernels/sddmm-csr.js';
import { bsrBackwardDataInto, bsrForwardInto } from '../kernels/spmm-bsr.js';
import { csrBackwardDataInto, csrBackwardDataSlopeInto, csrForwardActivatedInto, csrForwardInto } from '../kernels/spmm-csr.js';
import { BSR_BLOCK_SIZES, type BsrBlockSize, bsrFromCsr, bsrToCsr, bsrToDense, checkStorageFormat } from '../sparse/bsr.js';
import { type CsrMatrix, csrToDense, validateCsr } from '../sparse/csr.js';
import { GpuBsr } from '../sparse/gpu-bsr.js';
import { GpuCsr, type GpuCsrPattern } from '../sparse/gpu-csr.js';
import type { CompressedPattern } from '../sparse/structure.js';
import { checkFiniteFloat32 } from '../validate.js';
import type { MaskPattern } from './host-mask.js';
import { SparseLayerBase, type SparseLayerOps } from './sparse-layer.js';

/** How a sparse layer stores W on the GPU. */
export type SparseFormat = 'csr' | { bsr: BsrBlockSize };

/** The sparse products a layer needs, for one storage format; the extent is the batch size. */
interface SparseOps extends SparseLayerOps<number> {
  /** W as a dense out x in matrix, from the values on the GPU. */
  readDense(): Promise<Float32Array>;
  /** The stored structure as it is on the GPU (CSR entries, or BSR blocks). */
  readStructure(): Promise<CompressedPattern>;
  /** The mask as it is on the GPU, as a CSR pattern over W's elements. */
  readMask(): Promise<MaskPattern>;
  /** the weight on the GPU, whose structure dynamic sparsity rewrites */
  weight: GpuCsr | GpuBsr;
}

async function readPattern(ctx: Context, pattern: GpuCsrPattern): Promise<CompressedPattern> {
  return { rowPtr: await ctx.read(pattern.rowPtr), colIdx: await ctx.read(pattern.colIdx) };
}

function csrOps(ctx: Context, weight: CsrMatrix): SparseOps {
  const w = GpuCsr.upload(ctx, weight, 'sparse.weight');
  return {
    values: w.values,
    forward: (xT, y, batch, bias) => csrForwardInto(ctx, w, xT, y, batch, bias),
    backwardData: (dyT, dx, batch) => csrBackwardDataInto(ctx, w, dyT, dx, batch),
    gradients: (dyT, xT, out, batch) => csrSddmmInto(ctx, w, dyT, xT, out, batch),
    // The structure is read too: dynamic sparsity may have moved it since the upload.
    readDense: async () => csrToDense({ ...weight, ...(await readPattern(ctx, w.pattern)), values: await ctx.read(w.values) }),
    readStructure: () => readPattern(ctx, w.pattern),
    readMask: () => readPattern(ctx, w.pattern),
    destroy: () => w.destroy(),
    weight: w,
    fused: {
      forward: (xT, out, batch, activation, bias) => csrForwardActivatedInto(ctx, w, xT, out, batch, activation, bias),
      backwardData: (dyT, below, batch, activation) => csrBackwardDataSlopeInto(ctx, w, dyT, below, batch, activation),
    },
  };
}

function bsrOps(ctx: Context, weight: CsrMatrix, blockSize: BsrBlockSize): SparseOps {
  const host = bsrFromCsr(weight, blockSize); // keeps the CSR pattern as its element mask
  const w = GpuBsr.upload(ctx, host, 'sparse.weight');
  // The block pattern is read too: dynamic sparsity may have moved the blocks (layers without an element mask only).
  const onGpu = async (values: Float32Array) => ({ ...host, ...(await readPattern(ctx, w.pattern)), values });
  return {
    values: w.values,
    forward: (xT, y, batch, bias) => bsrForwardInto(ctx, w, xT, y, batch, bias),
    backwardData: (dyT, dx, batch) => bsrBackwardDataInto(ctx, w, dyT, dx, batch),
    gradients: async (dyT, xT, { dw, db }, batch) => {
      await bsrSddmmInto(ctx, w, dyT, xT, dw, batch);
      await channelSumsInto(ctx, dyT, db, { batch, channels: weight.rows, plane: 1 });
    },
    readDense: async () => bsrToDense(await onGpu(await ctx.read(w.values))),
    readStructure: () => readPattern(ctx, w.pattern),
    readMask: async () => bsrToCsr(await onGpu(new Float32Array(host.values.length))),
    destroy: () => w.destroy(),
    weight: w,
  };
}

/**
 * Sparse fully connected layer y = x·Wᵀ + b with W (outFeatures x inFeatures) given as CSR and
 * stored on the GPU as CSR or BSR (`format`). Only the stored values (and the bias) are parameters,
 * so training keeps the mask: masked-out weights stay exactly 0. Forward is the SpMM kernel,
 * backward-data its transpose, the weight gradient an SDDMM on the mask.
 *
 * @throws RangeError or TypeError (constructor) when the weight is not valid CSR, the bias has
 * another length than weight.rows or non-finite values, or the format is not 'csr' or a BSR
 * block size; nothing is allocated then
 *
 * @example
 * ```ts
 * const layer = new SparseLinear(ctx, eoi(256, 784, { density: 0.1, seed: 1 }), undefined, { bsr: 16 });
 * ```
 */
export class SparseLinear extends SparseLayerBase<number, SparseOps> {
  readonly kind = 'sparse-linear';
  /** Whether W is stored in BSR blocks (whose moves keep the block count, not the entry count). */
  private readonly blocks: boolean;

  constructor(
    ctx: Context,
    weight: CsrMatrix,
    bias?: Float32Array,
    readonly format: SparseFormat = 'csr',
  ) {
    // Everything is checked before the first buffer is made, so a refused layer leaves nothing behind.
    validateCsr(weight, 'weight');
    if (bias !== undefined) checkFiniteFloat32('bias', bias, { length: weight.rows, why: 'weight.rows' });
    checkStorageFormat(format, BSR_BLOCK_SIZES);
    const ops = format === 'csr' ? csrOps(ctx, weight) : bsrOps(ctx, weight, format.bsr);
    super(ctx, ops, weight, weight.cols, weight.rows, bias ?? new Float32Array(weight.rows), 'SparseLinear');
    this.blocks = format !== 'csr';
  }

  protected extent(batch: number): number {
    return batch;
  }

  /** Reads the mask back from the GPU if dynamic sparsity has moved it; returns it. */
  refreshMask(): Promise<MaskPattern> {
    return this.hostMask.refresh(() => this.ops.readMask());
  }

  /**
   * Whether W is stored as BSR blocks that hold elements outside the mask (an element mask): the
   * mask did not fill whole blocks, e.g. an unstructured one.
   */
  get hasElementMask(): boolean {
    return this.ops.weight instanceof GpuBsr && this.ops.weight.maskBits !== undefined;
  }

  /**
   * The weight on the GPU (CSR, or BSR without an element mask), for dynamic sparsity to rewrite
   * its structure in place (nnz, or the block count, kept); after each rewrite, patternMoved()
   * marks the host mask stale. Throws a TypeError for BSR blocks with an element mask, which moving
   * blocks would not carry along.
   */
  dynamicWeight(): GpuCsr | GpuBsr {
    const w = this.ops.weight;
    if (this.hasElementMask) throw new TypeError(`dynamic sparsity moves whole BSR blocks; this layer's blocks hold an element mask (its mask is not block-structured)`);
    w.makeDynamic();
    return w;
  }

  /** After dynamic sparsity rewrote the pattern: the host mask is stale until refreshMask(). */
  async patternMoved(): Promise<void> {
    this.hostMask.markMoved();
  }

  /**
   * Fraction of W's entries in the mask. Dynamic sparsity keeps it with CSR; with BSR it keeps the
   * block count, and blocks moved onto or off a padded edge change the entries: then this throws
   * until refreshMask() has read the new mask back.
   */
  get density(): number {
    return this.hostMask.entries(!this.blocks, 'reading the density') / (this.inFeatures * this.outFeatures);
  }

  /** The current weights as CSR over the mask, read back from the GPU. */
  async readWeight(): Promise<CsrMatrix> {
    const { rowPtr, colIdx } = await this.refreshMask();
    const dense = await this.ops.readDense();
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
  readStructure(): Promise<CompressedPattern> {
    return this.ops.readStructure();
  }

  /** Overwrites the weights (same mask; values in the mask's CSR order). */
  async writeWeight(values: Float32Array): Promise<void> {
    await this.refreshMask();
    checkFiniteFloat32('values', values, { length: this.mask.colIdx.length, why: 'the mask’s nnz' });
    const weight = { rows: this.outFeatures, cols: this.inFeatures, ...this.mask, values };
    this.ctx.write(this.ops.values, this.format === 'csr' ? values : bsrFromCsr(weight, this.format.bsr).values);
  }
}
