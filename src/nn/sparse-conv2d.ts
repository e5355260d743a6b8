/**
 * Sparse 2-D convolution layer: y = conv(x, W) + b with the filter W given in CSR (cOut rows,
 * cIn·kh·kw columns, OIHW) and a static mask, stored on the GPU in CSR (default) or in blocks of
 * 4, 8 or 16 output x input channels holding every tap (conv-bsr.ts; the mask's zeros inside
 * stored blocks stay exactly 0: the weight gradient writes 0 there). Only the stored values are
 * parameters, so gradient steps cannot add or move a tap; dynamic sparsity (src/dst) moves the
 * taps of a CSR filter between steps, its count kept. Input and output are images in the activation
 * layout: cIn·h·w features in, cOut·ho·wo out (feature (c·H + y)·W + x), so conv layers chain with
 * no conversion and a linear layer reads a conv's output as it is. Forward is an implicit GEMM over
 * the filter's entries (or blocks), backward-data the transposed convolution on the same pattern,
 * the weight gradient an SDDMM at the stored taps (or blocks) only.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { convBsrBackwardDataInto, convBsrForwardInto } from '../kernels/conv-bsr.js';
import { convCsrBackwardDataInto, convCsrBackwardDataSlopeInto, convCsrForwardActivatedInto, convCsrForwardInto, GpuConvFilter } from '../kernels/conv-csr.js';
import { denseConvWeightGradInto } from '../kernels/conv-dense.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { convBsrWeightGradInto } from '../kernels/sddmm-conv-bsr.js';
import { convSddmmInto } from '../kernels/sddmm-conv.js';
import { checkStorageFormat } from '../sparse/bsr.js';
import { CONV_BSR_BLOCK_SIZES, type ConvBsrBlockSize, convBsrFromCsr, convBsrToCsr } from '../sparse/conv-bsr.js';
import { type ConvDims, type ConvGeometry, convGeometry } from '../sparse/conv-geometry.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { GpuConvBsrFilter } from '../sparse/gpu-conv-bsr.js';
import type { GpuCsr } from '../sparse/gpu-csr.js';
import { checkFiniteElements, checkLength, checkNonNegativeInt, checkPositiveInt, checkTypedArray } from '../validate.js';
import type { MaskPattern } from './host-mask.js';
import { SparseLayerBase, type SparseLayerOps } from './sparse-layer.js';

/** How a sparse conv layer stores its filter on the GPU: CSR, or blocks of bsr x bsr channels. */
export type SparseConvFormat = 'csr' | { bsr: ConvBsrBlockSize };

/** The conv passes a layer needs, for one storage format; the extent is the geometry of a batch. */
interface ConvOps extends SparseLayerOps<ConvGeometry> {
  /** Where each entry of the mask's CSR order sits in `values` (absent: the same order). */
  offsets?: Uint32Array;
  /**
   * The weight dynamic sparsity rewrites (the CSR, or the block pattern of a filter without an
   * element mask), the rest of the filter rebuilt after it, and the moved mask read back as CSR with
   * its offsets into `values` (absent: the same order).
   */
  dynamic?: {
    weight: GpuCsr | GpuConvBsrFilter;
    patternRewritten(): Promise<void>;
    readPattern(): Promise<MaskPattern & { offsets?: Uint32Array }>;
  };
}

/** db (one per output channel) = the sums of dY over each channel's plane and the batch. */
function biasGradInto(ctx: Context, dy: GpuTensor<'f32'>, db: GpuTensor<'f32'>, g: ConvGeometry): Promise<void> {
  return channelSumsInto(ctx, dy, db, { batch: g.batch, channels: db.length, plane: g.ho * g.wo });
}

function csrOps(ctx: Context, weight: CsrMatrix, shape: ConvShape): ConvOps {
  const filter = GpuConvFilter.upload(ctx, weight, shape, 'weight');
  return {
    values: filter.csr.values,
    forward: (x, y, g, bias) => convCsrForwardInto(ctx, filter, x, y, g, bias),
    backwardData: (dy, dx, g) => convCsrBackwardDataInto(ctx, filter, dy, dx, g),
    gradients: async (dy, x, { dw, db }, g) => {
      await convSddmmInto(ctx, filter.csr, dy, x, dw, g);
      await biasGradInto(ctx, dy, db, g);
    },
    dynamic: {
      weight: filter.csr,
      patternRewritten: () => filter.patternRewritten(ctx),
      readPattern: async () => {
        const [rowPtr, colIdx] = await ctx.readAll([filter.csr.pattern.rowPtr, filter.csr.pattern.colIdx]);
        return { rowPtr: rowPtr!, colIdx: colIdx! };
      },
    },
    fused: {
      forward: (x, out, g, activation, bias) => convCsrForwardActivatedInto(ctx, filter, x, out, g, activation, bias),
      backwardData: (dy, below, g, activation) => convCsrBackwardDataSlopeInto(ctx, filter, dy, below, g, activation),
    },
    destroy: () => filter.destroy(),
  };
}

function bsrOps(ctx: Context, weight: CsrMatrix, shape: ConvShape, blockSize: ConvBsrBlockSize): ConvOps {
  // The CSR entries are the pattern: its element mask wherever they do not fill a stored block.
  const host = convBsrFromCsr(weight, shape, blockSize);
  const filter = GpuConvBsrFilter.upload(ctx, host, 'weight');
  const { cOut, cIn, kh, kw, blockRows, blockCols } = host;
  const valueCount = host.values.length;
  return {
    values: filter.values,
    forward: (x, y, g, bias) => convBsrForwardInto(ctx, filter, x, y, g, bias),
    backwardData: (dy, dx, g) => convBsrBackwardDataInto(ctx, filter, dy, dx, g),
    gradients: async (dy, x, { dw, db }, g) => {
      await convBsrWeightGradInto(ctx, filter, dy, x, dw, g);
      await biasGradInto(ctx, dy, db, g);
    },
    offsets: convBsrToCsr(host).offsets,
    // Moving blocks rewrites the pattern, Wᵀ and blockRow, which are all the kernels read: nothing else to rebuild.
    dynamic: host.elementMask
      ? undefined
      : {
          weight: filter,
          patternRewritten: async () => {},
          readPattern: async () => {
            const [rowPtr, colIdx] = await ctx.readAll([filter.pattern.rowPtr, filter.pattern.colIdx]);
            // Every in-range element of the stored blocks, as CSR, and where each sits in the values.
            const blocks = { cOut, cIn, kh, kw, blockSize, blockRows, blockCols, rowPtr: rowPtr!, colIdx: colIdx!, values: new Float32Array(valueCount) };
            const { w, offsets } = convBsrToCsr(blocks);
            return { rowPtr: w.rowPtr, colIdx: w.colIdx, offsets };
          },
        },
    destroy: () => filter.destroy(),
  };
}

/** A conv layer's shape apart from the batch: its input image and its kernel. */
export type ConvShape = Omit<ConvDims, 'batch'>;

/** The checked geometry of `shape` for one batch, named `shape` in errors. */
export function convShapeGeometry(shape: ConvShape, batch: number): ConvGeometry {
  return convGeometry({ ...shape, batch }, 'shape');
}

/** Optional biases: finite Float32Array of cOut values, or zeros. */
export function checkConvBias(bias: Float32Array | undefined, cOut: number): Float32Array {
  if (bias === undefined) return new Float32Array(cOut);
  checkTypedArray('bias', bias, Float32Array);
  checkLength('bias', bias, cOut, 'cOut');
  checkFiniteElements('bias', bias);
  return bias;
}

export class SparseConv2d extends SparseLayerBase<ConvGeometry, ConvOps> {
  readonly kind = 'sparse-conv2d';
  readonly cOut: number;
  /** [ho, wo], the output image. */
  readonly outSize: readonly [number, number];
  readonly format: SparseConvFormat;

  constructor(
    ctx: Context,
    weight: CsrMatrix,
    readonly shape: ConvShape,
    bias?: Float32Array,
    format: SparseConvFormat = 'csr',
  ) {
    const g = convShapeGeometry(shape, 1);
    const initialBias = checkConvBias(bias, weight.rows);
    const checkedFormat = checkStorageFormat(format, CONV_BSR_BLOCK_SIZES);
    const ops = checkedFormat === 'csr' ? csrOps(ctx, weight, shape) : bsrOps(ctx, weight, shape, checkedFormat.bsr);
    super(ctx, ops, weight, g.cIn * g.h * g.w, weight.rows * g.ho * g.wo, initialBias, 'SparseConv2d');
    this.cOut = weight.rows;
    this.format = checkedFormat;
    this.outSize = [g.ho, g.wo];
  }

  protected extent(batch: number): ConvGeometry {
    return convShapeGeometry(this.shape, batch);
  }

  /** Reads the mask back from the GPU if dynamic sparsity has moved it; returns it. */
  refreshMask(): Promise<MaskPattern> {
    return this.hostMask.refresh(async () => {
      const { rowPtr, colIdx, offsets } = await this.ops.dynamic!.readPattern();
      if (offsets) this.ops.offsets = offsets;
      return { rowPtr, colIdx };
    });
  }

  /**
   * Whether the filter is stored in blocks that hold an element mask (a CSR pattern that does not
   * fill them): such blocks cannot move under dynamic sparsity.
   */
  get hasElementMask(): boolean {
    return this.format !== 'csr' && this.ops.dynamic === undefined;
  }

  /**
   * The weight dynamic sparsity rewrites in place: the filter's CSR (nnz kept), or with BSR storage
   * its block pattern (blocks kept). After each rewrite, patternMoved() must run before the next
   * pass (it also marks the host mask stale). Throws a TypeError for blocks holding an element mask.
   */
  dynamicWeight(): GpuCsr | GpuConvBsrFilter {
    const dynamic = this.ops.dynamic;
    if (!dynamic) throw new TypeError(`dynamic sparsity moves whole blocks of a convolution stored in blocks (${JSON.stringify(this.format)}); this one's mask does not fill its blocks (an element mask): build it from whole blocks (randomConvBsr, convBsrToCsr) or use format 'csr'`);
    dynamic.weight.makeDynamic();
    return dynamic.weight;
  }

  /**
   * After dynamic sparsity rewrote the pattern (and Wᵀ): a CSR filter rebuilds its tap table and
   * channel order on the GPU from it (blocks need nothing more); the host mask is stale until
   * refreshMask().
   */
  async patternMoved(): Promise<void> {
    if (!this.ops.dynamic) throw new TypeError('patternMoved: the mask of blocks holding an element mask does not move');
    await this.ops.dynamic.patternRewritten();
    this.hostMask.markMoved();
  }

  /**
   * The dense weight gradient of the last batch, dL/dW at every tap of the output channels [row0,
   * row0 + rows) (default: all of them), rows x cIn·kh·kw, OIHW, the CSR's column order, into dw:
   * what RigL ranks the free taps by, a chunk of filters at a time for a large layer. Throws a
   * RangeError before a forward and backward pass, or for rows outside [0, cOut].
   */
  async denseWeightGradInto(dw: GpuTensor<'f32'>, row0 = 0, rows = this.cOut - row0): Promise<void> {
    const grad = this.lastOutputGrad;
    if (!grad || !this.input) throw new RangeError('the dense weight gradient comes from the last batch: run a training step (forward and backward) first');
    checkNonNegativeInt('row0', row0, this.cOut - 1);
    checkPositiveInt('rows', rows, this.cOut - row0);
    const g = convShapeGeometry(this.shape, grad.batch);
    let dy = grad.dy;
    if (rows < this.cOut) {
      // A channel's output features are contiguous in the activation layout: these rows' dY is one range.
      const plane = g.ho * g.wo * featureMajorStride(grad.batch);
      dy = this.ws.get(`denseGradDy${rows}`, rows * plane);
      this.ctx.copy(grad.dy, dy, { srcOffset: row0 * plane, length: rows * plane });
    }
    await denseConvWeightGradInto(this.ctx, dy, this.input, dw, g, rows);
  }

  /**
   * Fraction of the kernel's cOut·cIn·kh·kw taps in the mask. Blocks moved by dynamic sparsity keep
   * their count, not always their taps' (a block at the padded channel edge holds fewer): then this
   * throws until refreshMask() has read the new mask back.
   */
  get density(): number {
    return this.hostMask.entries(this.format === 'csr', 'reading the density') / (this.cOut * this.shape.cIn * this.shape.kh * this.shape.kw);
  }

  /** The current filter as CSR over the mask, read back from the GPU (the mask too if it moved). */
  async readWeight(): Promise<CsrMatrix> {
    const mask = await this.refreshMask();
    const stored = await this.ctx.read(this.values);
    const { offsets } = this.ops;
    const values = offsets ? Float32Array.from(offsets, (o) => stored[o]!) : stored;
    return { rows: this.cOut, cols: this.shape.cIn * this.shape.kh * this.shape.kw, ...mask, values };
  }

  /**
   * Overwrites the stored taps (same mask; values in the mask's CSR order). Blocks moved by dynamic
   * sparsity need the new mask read back first (refreshMask), or this throws.
   */
  writeWeight(values: Float32Array): void {
    const nnz = this.hostMask.entries(this.format === 'csr', 'writeWeight');
    checkTypedArray('values', values, Float32Array);
    checkLength('values', values, nnz, 'the mask’s nnz');
    checkFiniteElements('values', values);
    const { offsets } = this.ops;
    if (!offsets) return this.ctx.write(this.values, values);
    const stored = new Float32Array(this.values.length);
    offsets.forEach((o, e) => (stored[o] = values[e]!));
    this.ctx.write(this.values, stored);
  }
}
