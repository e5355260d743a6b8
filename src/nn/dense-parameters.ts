/**
 * A dense layer's weight and bias on the GPU with their gradients (Linear and Conv2d keep theirs
 * here): uploaded once, listed as the layer's parameters, destroyed together.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { Parameter } from './layer.js';

export class DenseParameters {
  readonly weight: GpuTensor<'f32'>;
  readonly bias: GpuTensor<'f32'>;
  readonly weightGrad: GpuTensor<'f32'>;
  readonly biasGrad: GpuTensor<'f32'>;

  /** `weight` and `bias` are already validated by the layer; `label` prefixes the tensors' labels. */
  constructor(ctx: Context, label: string, weight: Float32Array, bias: Float32Array) {
    this.weight = ctx.upload('f32', weight, `${label}.weight`);
    this.bias = ctx.upload('f32', bias, `${label}.bias`);
    this.weightGrad = ctx.zeros('f32', weight.length, `${label}.weightGrad`);
    this.biasGrad = ctx.zeros('f32', bias.length, `${label}.biasGrad`);
  }

  list(): Parameter[] {
    return [
      { name: 'weight', values: this.weight, grad: this.weightGrad },
      { name: 'bias', values: this.bias, grad: this.biasGrad },
    ];
  }

  destroy(): void {
    for (const t of [this.weight, this.bias, this.weightGrad, this.biasGrad]) t.destroy();
  }
}
