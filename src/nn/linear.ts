/**
 * Dense fully connected layer y = x·Wᵀ + b (W is out x in, row-major): the comparison every sparse
 * layer is measured against, on our dense matmul kernel.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { channelSumsInto } from '../kernels/channel-sums.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import { matmulInto } from '../kernels/matmul.js';
import { checkFiniteFloat32, checkPositiveInt } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { DenseParameters } from './dense-parameters.js';
import { Workspace } from './workspace.js';

/** Initial weights of a Linear layer. */
export interface LinearInit {
  /** out x in, row-major */
  weight: Float32Array;
  /** out; zeros when omitted */
  bias?: Float32Array;
}

/**
 * Dense fully connected layer y = x·Wᵀ + b, W outFeatures x inFeatures (row-major), on the
 * dense matmul kernel; the baseline sparse layers are measured against. Activations are in the
 * activation layout (features x batch rounded up to 4). Parameters: weight and bias.
 *
 * @throws RangeError or TypeError (constructor) naming inFeatures, outFeatures, init.weight or
 * init.bias when a size is not a positive integer or an array has the wrong length or non-finite
 * values
 */
export class Linear implements Layer {
  readonly kind = 'linear';
  private readonly params: DenseParameters;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    readonly inFeatures: number,
    readonly outFeatures: number,
    init: LinearInit,
  ) {
    checkPositiveInt('inFeatures', inFeatures);
    checkPositiveInt('outFeatures', outFeatures);
    checkFiniteFloat32('init.weight', init.weight, { length: inFeatures * outFeatures, why: 'outFeatures*inFeatures' });
    if (init.bias !== undefined) checkFiniteFloat32('init.bias', init.bias, { length: outFeatures, why: 'outFeatures' });
    this.params = new DenseParameters(ctx, 'linear', init.weight, init.bias ?? new Float32Array(outFeatures));
    this.ws = new Workspace(ctx, 'linear');
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const stride = featureMajorStride(batch);
    const y = this.ws.get('y', this.outFeatures * stride);
    // Yᵀ = W·Xᵀ: the examples run along n, so the bias is per row and the padding columns stay 0.
    await matmulInto(this.ctx, this.weight, x, y, { m: this.outFeatures, k: this.inFeatures, n: stride }, { bias: this.bias, biasPerRow: true, liveColumns: batch });
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    await this.backwardParameters(dy, batch);
    const stride = featureMajorStride(batch);
    const dx = this.ws.get('dx', this.inFeatures * stride);
    // dXᵀ = Wᵀ·dYᵀ.
    await matmulInto(this.ctx, this.weight, dy, dx, { m: this.inFeatures, k: this.outFeatures, n: stride, transposeA: true });
    return dx;
  }

  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    if (!this.input) throw new Error('Linear.backward before forward');
    // dW = dYᵀ·X (out x in; the zero padding columns add nothing), db = row sums of dYᵀ.
    await matmulInto(this.ctx, dy, this.input, this.params.weightGrad, { m: this.outFeatures, k: featureMajorStride(batch), n: this.inFeatures, transposeB: true });
    await channelSumsInto(this.ctx, dy, this.params.biasGrad, { batch, channels: this.outFeatures, plane: 1 });
  }

  /** The weight (out x in, row-major) on the GPU. */
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
