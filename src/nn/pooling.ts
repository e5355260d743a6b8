/**
 * Pooling and shape layers: GlobalAvgPool (the mean of every channel's plane), AvgPool2d (2x2
 * average pooling at stride 2, a fixed sparse convolution) and Flatten (an image read as a feature
 * vector). In the activation layout an image's features are already its flattened pixels, so
 * Flatten moves no data: it only marks, in the model, where images end.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { avgPool2dBackwardInto, avgPool2dForwardInto, globalAvgPoolBackwardInto, globalAvgPoolForwardInto, type ImageDims } from '../kernels/pool.js';
import { convGeometry } from '../sparse/conv-geometry.js';
import { checkPositiveInt } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

export class GlobalAvgPool implements Layer {
  readonly kind = 'global-avg-pool';
  readonly inFeatures: number;
  private readonly ws: Workspace;

  constructor(
    private readonly ctx: Context,
    readonly channels: number,
    /** pixels per channel (h·w) */
    readonly plane: number,
  ) {
    checkPositiveInt('channels', channels);
    checkPositiveInt('plane', plane);
    this.inFeatures = channels * plane;
    this.ws = new Workspace(ctx, 'avgPool');
  }

  get outFeatures(): number {
    return this.channels;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.channels * featureMajorStride(batch));
    await globalAvgPoolForwardInto(this.ctx, x, y, { batch, channels: this.channels, plane: this.plane });
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await globalAvgPoolBackwardInto(this.ctx, dy, dx, { batch, channels: this.channels, plane: this.plane });
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }

  destroy(): void {
    this.ws.destroy();
  }
}

/** 2x2 average pooling at stride 2 (an odd last row or column is dropped, as in PyTorch). */
export class AvgPool2d implements Layer {
  readonly kind = 'avg-pool2d';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly outSize: readonly [number, number];
  private readonly ws: Workspace;

  constructor(
    private readonly ctx: Context,
    readonly shape: readonly [channels: number, h: number, w: number],
  ) {
    const [channels, h, w] = shape;
    const g = convGeometry({ batch: 1, cIn: channels, h, w, kh: 2, kw: 2, stride: 2 }, 'shape');
    this.inFeatures = channels * h * w;
    this.outFeatures = channels * g.ho * g.wo;
    this.outSize = [g.ho, g.wo];
    this.ws = new Workspace(ctx, 'avgPool2d');
  }

  private dims(batch: number): ImageDims {
    const [channels, h, w] = this.shape;
    return { batch, channels, h, w };
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.ws.get('y', this.outFeatures * featureMajorStride(batch));
    await avgPool2dForwardInto(this.ctx, x, y, this.dims(batch));
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await avgPool2dBackwardInto(this.ctx, dy, dx, this.dims(batch));
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }

  destroy(): void {
    this.ws.destroy();
  }
}

export class Flatten implements Layer {
  readonly kind = 'flatten';
  readonly inFeatures: number;

  constructor(readonly shape: readonly [channels: number, h: number, w: number]) {
    shape.forEach((d, i) => checkPositiveInt(`shape[${i}]`, d));
    this.inFeatures = shape[0] * shape[1] * shape[2];
  }

  get outFeatures(): number {
    return this.inFeatures;
  }

  async forward(x: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>> {
    return x;
  }

  async backward(dy: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>> {
    return dy;
  }

  parameters(): Parameter[] {
    return [];
  }

  destroy(): void {}
}
