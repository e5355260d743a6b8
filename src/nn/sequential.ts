/**
 * Layers applied in order; backward runs them in reverse. Where an activation layer follows a layer
 * that fuses activations, the two run as one forward pass, and where one precedes such a layer,
 * its backward pass runs in that layer's backward-data pass (fuseActivations: false turns both off,
 * for comparison).
 */
import type { GpuTensor } from '../gpu/tensor.js';
import { ActivationLayer } from './activation-layer.js';
import { backwardParametersOf, fusesActivation, type Layer, type Parameter } from './layer.js';

/** Options of Sequential. */
export interface SequentialOptions {
  /** default true */
  fuseActivations?: boolean;
}

/**
 * Layers applied in order (backward in reverse), itself a Layer: parameters() is every layer's,
 * in order, named "i.name". Activation layers next to a layer that fuses activations run inside
 * that layer's passes unless `fuseActivations` is false.
 *
 * @throws RangeError (constructor) when there is no layer or a layer's inFeatures differs from the
 * previous layer's outFeatures; TypeError when fuseActivations is not a boolean
 *
 * @example
 * ```ts
 * const net = new Sequential([new SparseLinear(ctx, eoi(128, 784, { density: 0.1 })), new ActivationLayer(ctx, 128, 'tanh'), new Linear(ctx, 128, 10, { weight })]);
 * ```
 */
export class Sequential implements Layer {
  readonly kind = 'sequential';
  readonly layers: Layer[];
  readonly fuseActivations: boolean;

  constructor(layers: Layer[], opts: SequentialOptions = {}) {
    if (layers.length === 0) throw new RangeError('Sequential needs at least one layer');
    layers.forEach((layer, i) => {
      const next = layers[i + 1];
      if (next && next.inFeatures !== layer.outFeatures) {
        throw new RangeError(`layer ${i + 1} (${next.kind}) takes ${next.inFeatures} features, layer ${i} (${layer.kind}) gives ${layer.outFeatures}`);
      }
    });
    this.layers = layers;
    if (opts.fuseActivations !== undefined && typeof opts.fuseActivations !== 'boolean') {
      throw new TypeError(`fuseActivations must be a boolean, got ${String(opts.fuseActivations)}`);
    }
    this.fuseActivations = opts.fuseActivations ?? true;
  }

  get inFeatures(): number {
    return this.layers[0]!.inFeatures;
  }

  get outFeatures(): number {
    return this.layers[this.layers.length - 1]!.outFeatures;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      const next = this.layers[i + 1];
      if (this.fuseActivations && next instanceof ActivationLayer && fusesActivation(layer)) {
        const y = next.output(batch);
        next.adoptInput(await layer.forwardActivated(h, batch, next.activation, y));
        h = y;
        i++;
        continue;
      }
      h = await layer.forward(h, batch);
    }
    return h;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    return this.backwardDownTo(0, dy, batch);
  }

  /**
   * backward() without the model input's gradient: the layers below the lowest one that trains
   * (has parameters) do not run, and that one computes its parameters' gradients only.
   */
  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    const bottom = this.layers.findIndex((layer) => layer.backwardParameters !== undefined || layer.parameters().length > 0);
    if (bottom < 0) return;
    await backwardParametersOf(this.layers[bottom]!, await this.backwardDownTo(bottom + 1, dy, batch), batch);
  }

  /** dL/d(input of layer `stop`): the backward passes of the layers from the top down to `stop`. */
  private async backwardDownTo(stop: number, dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    let g = dy;
    for (let i = this.layers.length - 1; i >= stop; i--) {
      const layer = this.layers[i]!;
      const below = i - 1 >= stop ? this.layers[i - 1] : undefined;
      if (this.fuseActivations && below instanceof ActivationLayer && fusesActivation(layer)) {
        g = await layer.backwardActivated(g, batch, below.below(batch));
        i--;
        continue;
      }
      g = await layer.backward(g, batch);
    }
    return g;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((layer, i) => layer.parameters().map((p) => ({ ...p, name: `${i}.${p.name}` })));
  }

  destroy(): void {
    for (const layer of this.layers) layer.destroy();
  }
}
