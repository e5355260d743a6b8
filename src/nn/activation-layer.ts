/**
 * An elementwise activation as a layer; `activation` may be changed between steps (ghost soft
 * neurons). Inside a Sequential, a neighbouring layer that fuses activations computes its passes
 * (see ActivationFusing); this layer then only holds the tensors.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type Activation, activationBackwardInto, activationForwardInto, resolveActivation } from '../kernels/activation.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import type { FusedActivationBelow, Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

/**
 * An elementwise activation (any of ACTIVATIONS, or a parametrised one) as a layer of
 * `inFeatures` features; no parameters. `activation` may be reassigned between steps (the
 * recipe's ghost soft neurons blend one into another this way).
 *
 * @throws RangeError or TypeError (constructor, setter) when the activation is unknown or its
 * parameters are out of range
 */
export class ActivationLayer implements Layer {
  readonly kind = 'activation';
  private current: Activation;
  private readonly ws: Workspace;
  private input: GpuTensor<'f32'> | undefined;

  constructor(
    private readonly ctx: Context,
    readonly inFeatures: number,
    activation: Activation,
  ) {
    resolveActivation(activation); // validates now rather than at the first step
    this.current = activation;
    this.ws = new Workspace(ctx, 'activation');
  }

  get outFeatures(): number {
    return this.inFeatures;
  }

  get activation(): Activation {
    return this.current;
  }

  set activation(activation: Activation) {
    resolveActivation(activation);
    this.current = activation;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const y = this.output(batch);
    await activationForwardInto(this.ctx, this.current, x, y, { batch });
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const below = this.below(batch);
    await activationBackwardInto(this.ctx, this.current, below.z, dy, below.dz, { batch });
    return below.dz;
  }

  /** The tensor forward() returns for this batch, for a producer that applies the activation itself. */
  output(batch: number): GpuTensor<'f32'> {
    return this.ws.get('y', this.inFeatures * featureMajorStride(batch));
  }

  /** Forward ran fused in the producer: z is the pre-activation backward() differentiates at. */
  adoptInput(z: GpuTensor<'f32'>): void {
    this.input = z;
  }

  /** The saved pre-activation and this layer's gradient tensor, for a consumer that fuses backward(). */
  below(batch: number): FusedActivationBelow {
    if (!this.input) throw new Error('ActivationLayer.backward before forward');
    return { activation: this.current, z: this.input, dz: this.ws.get('dx', this.inFeatures * featureMajorStride(batch)) };
  }

  parameters(): Parameter[] {
    return [];
  }

  destroy(): void {
    this.ws.destroy();
  }
}
