/** Layers applied in order; backward runs them in reverse. */
import type { GpuTensor } from '../gpu/tensor.js';
import type { Layer, Parameter } from './layer.js';

export class Sequential implements Layer {
  readonly kind = 'sequential';
  readonly layers: Layer[];

  constructor(layers: Layer[]) {
    if (layers.length === 0) throw new RangeError('Sequential needs at least one layer');
    layers.forEach((layer, i) => {
      const next = layers[i + 1];
      if (next && next.inFeatures !== layer.outFeatures) {
        throw new RangeError(`layer ${i + 1} (${next.kind}) takes ${next.inFeatures} features, layer ${i} (${layer.kind}) gives ${layer.outFeatures}`);
      }
    });
    this.layers = layers;
  }

  get inFeatures(): number {
    return this.layers[0]!.inFeatures;
  }

  get outFeatures(): number {
    return this.layers[this.layers.length - 1]!.outFeatures;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    let h = x;
    for (const layer of this.layers) h = await layer.forward(h, batch);
    return h;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = await this.layers[i]!.backward(g, batch);
    return g;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((layer, i) => layer.parameters().map((p) => ({ ...p, name: `${i}.${p.name}` })));
  }

  destroy(): void {
    for (const layer of this.layers) layer.destroy();
  }
}
