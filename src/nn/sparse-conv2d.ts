/**
 * Sparse 2-D convolution layer: y = conv(x, W) + b with the filter W stored in CSR (cOut rows,
 * cIn·kh·kw columns, OIHW) and a static mask. Only the stored taps are parameters, so training
 * cannot add or move one. Input and output are images in the activation layout: cIn·h·w features
 * in, cOut·ho·wo out (feature (c·H + y)·W + x), so conv layers chain with no conversion and a
 * linear layer reads a conv's output as it is. Forward is an implicit GEMM over the filter's
 * entries, backward-data the transposed convolution on the same pattern, the weight gradient an
 * SDDMM at the stored taps only.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { convCsrBackwardDataInto, convCsrForwardInto, GpuConvFilter } from '../kernels/conv-csr.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { convSddmmInto } from '../kernels/sddmm-conv.js';
import { type ConvDims, type ConvGeometry, convGeometry } from '../sparse/conv-geometry.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { checkFiniteElements, checkLength, checkTypedArray } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

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
  /** The mask (CSR pattern), fixed for the layer's life. */
  readonly mask: { rowPtr: Uint32Array; colIdx: Uint32Array };
  readonly bias: GpuTensor<'f32'>;
  private readonly filter: GpuConvFilter;
  private readonly weightGrad: GpuTensor<'f32'>;
  private readonly biasGrad: GpuTensor<'f32'>;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    weight: CsrMatrix,
    readonly shape: ConvShape,
    bias?: Float32Array,
  ) {
    const g = convShapeGeometry(shape, 1);
    this.cOut = weight.rows;
    const initialBias = checkConvBias(bias, weight.rows);
    this.filter = GpuConvFilter.upload(ctx, weight, shape, 'weight');
    this.mask = { rowPtr: weight.rowPtr.slice(), colIdx: weight.colIdx.slice() };
    this.inFeatures = g.cIn * g.h * g.w;
    this.outFeatures = this.cOut * g.ho * g.wo;
    this.outSize = [g.ho, g.wo];
    this.bias = ctx.upload('f32', initialBias, 'conv.bias');
    this.weightGrad = ctx.zeros('f32', weight.colIdx.length, 'conv.weightGrad');
    this.biasGrad = ctx.zeros('f32', this.cOut, 'conv.biasGrad');
    this.ws = new Workspace(ctx, 'sparseConv');
  }

  /** Fraction of the kernel's cOut·cIn·kh·kw taps in the mask. */
  get density(): number {
    return this.mask.colIdx.length / (this.cOut * this.filter.cIn * this.filter.kh * this.filter.kw);
  }

  /** The stored values the optimizer updates, in the mask's CSR order. */
  get values(): GpuTensor<'f32'> {
    return this.filter.csr.values;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await convCsrForwardInto(this.ctx, this.filter, x, y, convShapeGeometry(this.shape, batch), this.bias);
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    if (!this.input) throw new Error('SparseConv2d.backward before forward');
    const g = convShapeGeometry(this.shape, batch);
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await convSddmmInto(this.ctx, this.filter.csr, dy, this.input, this.weightGrad, g);
    await channelSumsInto(this.ctx, dy, this.biasGrad, { batch, channels: this.cOut, plane: g.ho * g.wo });
    await convCsrBackwardDataInto(this.ctx, this.filter, dy, dx, g);
    return dx;
  }

  /** The current filter as CSR over the mask, read back from the GPU. */
  async readWeight(): Promise<CsrMatrix> {
    const values = await this.ctx.read(this.values);
    return { rows: this.cOut, cols: this.filter.csr.cols, ...this.mask, values };
  }

  /** Overwrites the stored taps (same mask; values in the mask's CSR order). */
  writeWeight(values: Float32Array): void {
    checkTypedArray('values', values, Float32Array);
    checkLength('values', values, this.mask.colIdx.length, 'the mask’s nnz');
    checkFiniteElements('values', values);
    this.ctx.write(this.values, values);
  }

  parameters(): Parameter[] {
    return [
      { name: 'weight', values: this.values, grad: this.weightGrad },
      { name: 'bias', values: this.bias, grad: this.biasGrad },
    ];
  }

  destroy(): void {
    this.filter.destroy();
    for (const t of [this.bias, this.weightGrad, this.biasGrad]) t.destroy();
    this.ws.destroy();
  }
}
