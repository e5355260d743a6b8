/**
 * Sparse fully connected layer y = x·Wᵀ + b with W (out x in) in CSR and a static mask. Only the
 * stored values are parameters, so training cannot add or move a weight. The forward pass keeps
 * X feature-major (the layout the sparse kernels read), which the weight gradient (SDDMM) reuses.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { biasGradInto } from '../kernels/bias-grad.js';
import { featureMajorStride, toFeatureMajorInto } from '../kernels/feature-major.js';
import { csrSddmmInto } from '../kernels/sddmm-csr.js';
import { csrBackwardDataInto, csrForwardInto } from '../kernels/spmm-csr.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { GpuCsr } from '../sparse/gpu-csr.js';
import { checkLength } from '../validate.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

export class SparseLinear implements Layer {
  readonly kind = 'sparse-linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: GpuCsr;
  readonly bias: GpuTensor<'f32'>;
  private readonly weightGrad: GpuTensor<'f32'>;
  private readonly biasGrad: GpuTensor<'f32'>;
  /** The mask (CSR pattern): fixed for the layer's life. */
  readonly mask: { rowPtr: Uint32Array; colIdx: Uint32Array };
  private readonly ws: Workspace;
  private inputT: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    weight: CsrMatrix,
    bias?: Float32Array,
  ) {
    this.weight = GpuCsr.upload(ctx, weight, 'sparse.weight');
    this.mask = { rowPtr: weight.rowPtr.slice(), colIdx: weight.colIdx.slice() };
    this.inFeatures = weight.cols;
    this.outFeatures = weight.rows;
    if (bias) checkLength('bias', bias, weight.rows, 'weight.rows');
    this.bias = ctx.upload('f32', bias ?? new Float32Array(weight.rows), 'sparse.bias');
    this.weightGrad = ctx.zeros('f32', this.weight.nnz, 'sparse.weightGrad');
    this.biasGrad = ctx.zeros('f32', weight.rows, 'sparse.biasGrad');
    this.ws = new Workspace(ctx, 'sparse');
  }

  get density(): number {
    return this.weight.nnz / (this.inFeatures * this.outFeatures);
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const stride = featureMajorStride(batch);
    const xT = this.ws.get('xT', this.inFeatures * stride);
    const y = this.ws.get('y', batch * this.outFeatures);
    await toFeatureMajorInto(this.ctx, x, xT, batch, this.inFeatures);
    await csrForwardInto(this.ctx, this.weight, xT, y, batch, this.bias);
    this.inputT = xT;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    if (!this.inputT) throw new Error('SparseLinear.backward before forward');
    const dyT = this.ws.get('dyT', this.outFeatures * featureMajorStride(batch));
    const dx = this.ws.get('dx', batch * this.inFeatures);
    await toFeatureMajorInto(this.ctx, dy, dyT, batch, this.outFeatures);
    await csrSddmmInto(this.ctx, this.weight, dyT, this.inputT, this.weightGrad, batch);
    await biasGradInto(this.ctx, dy, this.biasGrad, batch, this.outFeatures);
    await csrBackwardDataInto(this.ctx, this.weight, dyT, dx, batch);
    return dx;
  }

  /** The current weights, read back from the GPU. */
  async readWeight(): Promise<CsrMatrix> {
    return { rows: this.outFeatures, cols: this.inFeatures, ...this.mask, values: await this.ctx.read(this.weight.values) };
  }

  parameters(): Parameter[] {
    return [
      { name: 'weight', values: this.weight.values, grad: this.weightGrad },
      { name: 'bias', values: this.bias, grad: this.biasGrad },
    ];
  }

  destroy(): void {
    this.weight.destroy();
    for (const t of [this.bias, this.weightGrad, this.biasGrad]) t.destroy();
    this.ws.destroy();
  }
}
