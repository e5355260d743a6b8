/**
 * What SparseLinear and SparseConv2d share: a weight stored on the GPU in some sparse format whose
 * passes (forward, backward-data, the gradients at the stored entries) run over an extent of one
 * batch (the batch size for a linear layer, the convolution's geometry for a conv layer), a bias,
 * the host copy of the mask, and the Layer contract built on those passes.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { Activation } from '../kernels/activation.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import type { FusedActivationBelow, Layer, Parameter } from './layer.js';
import { HostMask, type MaskPattern } from './host-mask.js';
import { Workspace } from './workspace.js';

/** The passes one storage format of a sparse layer provides, over the extent E of a batch. */
export interface SparseLayerOps<E> {
  /** The stored values the optimizer updates (entries, or whole blocks). */
  values: GpuTensor<'f32'>;
  /** y = the layer's product of x, plus the bias. */
  forward(x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, extent: E, bias: GpuTensor<'f32'>): Promise<void>;
  /** dx = the transposed product of dy. */
  backwardData(dy: GpuTensor<'f32'>, dx: GpuTensor<'f32'>, extent: E): Promise<void>;
  /** The weight gradient at the stored values and the bias gradient. */
  gradients(dy: GpuTensor<'f32'>, x: GpuTensor<'f32'>, out: { dw: GpuTensor<'f32'>; db: GpuTensor<'f32'> }, extent: E): Promise<void>;
  /** The passes with the neighbouring activation fused (absent: the format has none). */
  fused?: {
    /** y = act(z) beside z = forward's output. */
    forward(x: GpuTensor<'f32'>, out: { z: GpuTensor<'f32'>; y: GpuTensor<'f32'> }, extent: E, activation: Activation, bias: GpuTensor<'f32'>): Promise<void>;
    /** below.dz = the transposed product of dy times act'(below.z). */
    backwardData(dy: GpuTensor<'f32'>, below: { z: GpuTensor<'f32'>; dz: GpuTensor<'f32'> }, extent: E, activation: Activation): Promise<void>;
  };
  /** Frees the stored weight's buffers. */
  destroy(): void;
}

/** dL/dY of a layer's last backward pass (activation layout) and its batch. */
export interface OutputGrad {
  dy: GpuTensor<'f32'>;
  batch: number;
}

/**
 * The base of SparseLinear and SparseConv2d: the Layer contract, activation fusing, the bias and
 * the gradients, over the passes `Ops` of one storage format.
 */
export abstract class SparseLayerBase<E, Ops extends SparseLayerOps<E>> implements Layer {
  abstract readonly kind: string;
  readonly bias: GpuTensor<'f32'>;
  protected readonly hostMask: HostMask;
  protected readonly weightGrad: GpuTensor<'f32'>;
  protected readonly biasGrad: GpuTensor<'f32'>;
  protected readonly ws: Workspace;
  protected input: GpuTensor<'f32'> | undefined;
  private outputGrad: OutputGrad | undefined;

  /**
   * Takes ownership of `ops`; `bias` (one per output channel) is checked by the caller. `name` (the
   * class's) labels the buffers and the errors.
   */
  protected constructor(
    protected readonly ctx: Context,
    protected readonly ops: Ops,
    mask: MaskPattern,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias: Float32Array,
    private readonly name: string,
  ) {
    this.hostMask = new HostMask(mask);
    this.bias = ctx.upload('f32', bias, `${name}.bias`);
    this.weightGrad = ctx.zeros('f32', ops.values.length, `${name}.weightGrad`);
    this.biasGrad = ctx.zeros('f32', bias.length, `${name}.biasGrad`);
    this.ws = new Workspace(ctx, name);
  }

  /** The passes' extent for a batch of `batch` examples. */
  protected abstract extent(batch: number): E;

  /**
   * The mask (CSR pattern over W's elements), whatever the storage format. Fixed unless dynamic
   * sparsity moves it on the GPU; then this throws until refreshMask() has read the new one back.
   */
  get mask(): MaskPattern {
    return this.hostMask.current;
  }

  /** dL/dY of the last backward pass and its batch; undefined before any backward. */
  get lastOutputGrad(): OutputGrad | undefined {
    return this.outputGrad;
  }

  /** The last forward pass's input (activation layout); undefined before any forward. */
  get lastInput(): GpuTensor<'f32'> | undefined {
    return this.input;
  }

  /** The stored values the optimizer updates (entries, or whole blocks). */
  get values(): GpuTensor<'f32'> {
    return this.ops.values;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.output('y', batch);
    await this.ops.forward(x, y, this.extent(batch), this.bias);
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const extent = await this.parameterGradients(dy, batch);
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await this.ops.backwardData(dy, dx, extent);
    return dx;
  }

  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    await this.parameterGradients(dy, batch);
  }

  /** Whether the activation next to this layer can be fused into its passes (ActivationFusing): CSR storage. */
  get fusesActivation(): boolean {
    return this.ops.fused !== undefined;
  }

  /** forward() with the activation that follows fused: writes act(z) into y, returns z (what forward() returns). */
  async forwardActivated(x: GpuTensor<'f32'>, batch: number, activation: Activation, y: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>> {
    const fused = this.fusedPasses('forwardActivated');
    const z = this.output('y', batch);
    await fused.forward(x, { z, y }, this.extent(batch), activation, this.bias);
    this.input = x;
    return z;
  }

  /** backward() with the activation below fused: returns dz = dL/dx ⊙ act'(z) in below.dz. */
  async backwardActivated(dy: GpuTensor<'f32'>, batch: number, below: FusedActivationBelow): Promise<GpuTensor<'f32'>> {
    const fused = this.fusedPasses('backwardActivated');
    const extent = await this.parameterGradients(dy, batch);
    await fused.backwardData(dy, below, extent, below.activation);
    return below.dz;
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

  private output(key: string, batch: number): GpuTensor<'f32'> {
    return this.ws.get(key, this.outFeatures * featureMajorStride(batch));
  }

  private fusedPasses(method: string): NonNullable<Ops['fused']> {
    if (!this.ops.fused) throw new Error(`${this.name}.${method} needs CSR storage`);
    return this.ops.fused;
  }

  /** The weight gradient at the stored values and the bias gradient, from dY and the saved input. */
  private async parameterGradients(dy: GpuTensor<'f32'>, batch: number): Promise<E> {
    if (!this.input) throw new Error(`${this.name}.backward before forward`);
    const extent = this.extent(batch);
    await this.ops.gradients(dy, this.input, { dw: this.weightGrad, db: this.biasGrad }, extent);
    this.outputGrad = { dy, batch };
    return extent;
  }
}
