/** An elementwise activation as a layer; `activation` may be changed between steps (ghost soft neurons). */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type Activation, activationBackwardInto, activationForwardInto, resolveActivation } from '../kernels/activation.js';
import { featureMajorStride } from '../kernels/feature-major.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

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
    const y = this.ws.get('y', this.inFeatures * featureMajorStride(batch));
    await activationForwardInto(this.ctx, this.current, x, y, { batch });
    this.input = x;
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    if (!this.input) throw new Error('ActivationLayer.backward before forward');
    const dx = this.ws.get('dx', this.inFeatures * featureMajorStride(batch));
    await activationBackwardInto(this.ctx, this.current, this.input, dy, dx, { batch });
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }

  destroy(): void {
    this.ws.destroy();
  }
}
