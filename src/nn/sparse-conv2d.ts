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
import type { Activation } from '../kernels/activation.js';
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
import type { FusedActivationBelow, Layer, Parameter } from './layer.js';
import { HostMask, type MaskPattern } from './host-mask.js';
import { Workspace } from './workspace.js';

/** How a sparse conv layer stores its filter on the GPU: CSR, or blocks of bsr x bsr channels. */
export type SparseConvFormat = 'csr' | { bsr: ConvBsrBlockSize };

/** The three conv passes a layer needs, for one storage format. */
interface ConvOps {
  /** The stored values the optimizer updates: CSR entries, or whole blocks. */
  values: GpuTensor<'f32'>;
  forward(x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, g: ConvGeometry, bias: GpuTensor<'f32'>): Promise<void>;
  backwardData(dy: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, g: ConvGeometry): Promise<void>;
  weightGrad(dy: GpuTensor<'f32'>, x: GpuTensor<'f32'>, dw: GpuTensor<'f32'>, g: ConvGeometry): Promise<void>;
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
  /** The passes with the neighbouring activation fused (CSR storage only). */
  fused?: {
    forward(x: GpuTensor<'f32'>, out: { z: GpuTensor<'f32'>; y: GpuTensor<'f32'> }, g: ConvGeometry, activation: Activation, bias: GpuTensor<'f32'>): Promise<void>;
    backwardData(dy: GpuTensor<'f32'>, below: { z: GpuTensor<'f32'>; dz: GpuTensor<'f32'> }, g: ConvGeometry, activation: Activation): Promise<void>;
  };
  destroy(): void;
}

function csrOps(ctx: Context, weight: CsrMatrix, shape: ConvShape): ConvOps {
  const filter = GpuConvFilter.upload(ctx, weight, shape, 'weight');
  return {
    values: filter.csr.values,
    forward: (x, y, g, bias) => convCsrForwardInto(ctx, filter, x, y, g, bias),
    backwardData: (dy, dx, g) => convCsrBackwardDataInto(ctx, filter, dy, dx, g),
    weightGrad: (dy, x, dw, g) => convSddmmInto(ctx, filter.csr, dy, x, dw, g),
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
    weightGrad: (dy, x, dw, g) => convBsrWeightGradInto(ctx, filter, dy, x, dw, g),
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

export class SparseConv2d implements Layer {
  readonly kind = 'sparse-conv2d';
  readonly cOut: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [ho, wo], the output image. */
  readonly outSize: readonly [number, number];
  private readonly hostMask: HostMask;
  readonly bias: GpuTensor<'f32'>;
  readonly format: SparseConvFormat;
  private readonly ops: ConvOps;
  private readonly weightGrad: GpuTensor<'f32'>;
  private readonly biasGrad: GpuTensor<'f32'>;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;
  private outputGrad: { dy: GpuTensor<'f32'>; batch: number } | undefined;

  constructor(
    private readonly ctx: Context,
    weight: CsrMatrix,
    readonly shape: ConvShape,
    bias?: Float32Array,
    format: SparseConvFormat = 'csr',
  ) {
    const g = convShapeGeometry(shape, 1);
    this.cOut = weight.rows;
    const initialBias = checkConvBias(bias, weight.rows);
    this.format = checkStorageFormat(format, CONV_BSR_BLOCK_SIZES);
    this.ops = this.format === 'csr' ? csrOps(ctx, weight, shape) : bsrOps(ctx, weight, shape, this.format.bsr);
    this.hostMask = new HostMask(weight);
    this.inFeatures = g.cIn * g.h * g.w;
    this.outFeatures = this.cOut * g.ho * g.wo;
    this.outSize = [g.ho, g.wo];
    this.bias = ctx.upload('f32', initialBias, 'conv.bias');
    this.weightGrad = ctx.zeros('f32', this.ops.values.length, 'conv.weightGrad');
    this.biasGrad = ctx.zeros('f32', this.cOut, 'conv.biasGrad');
    this.ws = new Workspace(ctx, 'sparseConv');
  }

  /**
   * The mask (CSR pattern). Fixed unless dynamic sparsity moves it on the GPU; then this throws
   * until refreshMask() has read the new one back.
   */
  get mask(): MaskPattern {
    return this.hostMask.current;
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

  /** dL/dY of the last backward pass (activation layout) and its batch; undefined before any backward. */
  get lastOutputGrad(): { dy: GpuTensor<'f32'>; batch: number } | undefined {
    return this.outputGrad;
  }

  /** The last forward pass's input (activation layout); undefined before any forward. */
  get lastInput(): GpuTensor<'f32'> | undefined {
    return this.input;
  }

  /**
   * The dense weight gradient of the last batch, dL/dW at every tap of the output channels [row0,
   * row0 + rows) (default: all of them), rows x cIn·kh·kw, OIHW, the CSR's column order, into dw:
   * what RigL ranks the free taps by, a chunk of filters at a time for a large layer. Throws a
   * RangeError before a forward and backward pass, or for rows outside [0, cOut].
   */
  async denseWeightGradInto(dw: GpuTensor<'f32'>, row0 = 0, rows = this.cOut - row0): Promise<void> {
    const grad = this.outputGrad;
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

  /** The stored values the optimizer updates: in the mask's CSR order, or whole blocks with BSR. */
  get values(): GpuTensor<'f32'> {
    return this.ops.values;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await this.ops.forward(x, y, convShapeGeometry(this.shape, batch), this.bias);
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const g = await this.parameterGradients(dy, batch);
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await this.ops.backwardData(dy, dx, g);
    return dx;
  }

  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    await this.parameterGradients(dy, batch);
  }

  /** With CSR storage the activation next to this layer can be fused into its passes (ActivationFusing). */
  get fusesActivation(): boolean {
    return this.ops.fused !== undefined;
  }

  /** forward() with the activation that follows fused: writes act(z) into y, returns z (what forward() returns). */
  async forwardActivated(x: GpuTensor<'f32'>, batch: number, activation: Activation, y: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>> {
    if (!this.ops.fused) throw new Error('SparseConv2d.forwardActivated needs CSR storage');
    const z = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await this.ops.fused.forward(x, { z, y }, convShapeGeometry(this.shape, batch), activation, this.bias);
    this.input = x;
    return z;
  }

  /** backward() with the activation below fused: returns dz = dL/dx ⊙ act'(z) in below.dz. */
  async backwardActivated(dy: GpuTensor<'f32'>, batch: number, below: FusedActivationBelow): Promise<GpuTensor<'f32'>> {
    if (!this.ops.fused) throw new Error('SparseConv2d.backwardActivated needs CSR storage');
    const g = await this.parameterGradients(dy, batch);
    await this.ops.fused.backwardData(dy, below, g, below.activation);
    return below.dz;
  }

  /** The weight gradient at the stored taps and the bias gradient, from dY and the saved input. */
  private async parameterGradients(dy: GpuTensor<'f32'>, batch: number): Promise<ConvGeometry> {
    if (!this.input) throw new Error('SparseConv2d.backward before forward');
    const g = convShapeGeometry(this.shape, batch);
    await this.ops.weightGrad(dy, this.input, this.weightGrad, g);
    await channelSumsInto(this.ctx, dy, this.biasGrad, { batch, channels: this.cOut, plane: g.ho * g.wo });
    this.outputGrad = { dy, batch };
    return g;
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

  parameters(): Parameter[] {
    return [
      { name: 'weight', values: this.values, grad: this.weightGrad },
      { name: 'bias', values: this.bias, grad: this.biasGrad },
    ];
  }

  destroy(): void {
    this.ops.destroy();
    for (const t of [this.bias, this.weightGrad, this.biasGrad]) t.destroy();
    this.ws.destroy();
  }
}
