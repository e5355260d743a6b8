/**
 * Dense 2-D convolution layer y = conv(x, W) + b, W a dense OIHW kernel (cOut x cIn·kh·kw): the
 * baseline every sparse conv layer is measured against, on our dense conv kernels. Same shapes
 * and activation layout as SparseConv2d.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { denseConvBackwardDataInto, denseConvForwardInto, denseConvWeightGradInto } from '../kernels/conv-dense.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { convTaps } from '../sparse/conv-geometry.js';
import { checkFiniteElements, checkLength, checkPositiveInt, checkTypedArray } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { checkConvBias, type ConvShape, convShapeGeometry } from './sparse-conv2d.js';
import { DenseParameters } from './dense-parameters.js';
import { Workspace } from './workspace.js';

export class Conv2d implements Layer {
  readonly kind = 'conv2d';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly outSize: readonly [number, number];
  private readonly params: DenseParameters;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    readonly cOut: number,
    readonly shape: ConvShape,
    /** cOut·cIn·kh·kw, OIHW row-major */
    weight: Float32Array,
    bias?: Float32Array,
  ) {
    checkPositiveInt('cOut', cOut);
    const g = convShapeGeometry(shape, 1);
    checkTypedArray('weight', weight, Float32Array);
    checkLength('weight', weight, cOut * convTaps(g), 'cOut*cIn*kh*kw');
    checkFiniteElements('weight', weight);
    const initialBias = checkConvBias(bias, cOut);
    this.inFeatures = g.cIn * g.h * g.w;
    this.outFeatures = cOut * g.ho * g.wo;
    this.outSize = [g.ho, g.wo];
    this.params = new DenseParameters(ctx, 'conv2d', weight, initialBias);
    this.ws = new Workspace(ctx, 'conv2d');
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await denseConvForwardInto(this.ctx, this.weight, x, y, convShapeGeometry(this.shape, batch), this.cOut, this.bias);
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    await this.backwardParameters(dy, batch);
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await denseConvBackwardDataInto(this.ctx, this.weight, dy, dx, convShapeGeometry(this.shape, batch), this.cOut);
    return dx;
  }

  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    if (!this.input) throw new Error('Conv2d.backward before forward');
    const g = convShapeGeometry(this.shape, batch);
    await denseConvWeightGradInto(this.ctx, dy, this.input, this.params.weightGrad, g, this.cOut);
    await channelSumsInto(this.ctx, dy, this.params.biasGrad, { batch, channels: this.cOut, plane: g.ho * g.wo });
  }

  /** The kernel (cOut x cIn·kh·kw, OIHW row-major) on the GPU. */
  get weight(): GpuTensor<'f32'> {
    return this.params.weight;
  }

  get bias(): GpuTensor<'f32'> {
    return this.params.bias;
  }

  parameters(): Parameter[] {
    return this.params.list();
  }

  destroy(): void {
    this.params.destroy();
    this.ws.destroy();
  }
}
