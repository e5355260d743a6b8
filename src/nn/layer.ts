/**
 * The contract every layer keeps. Activations are batch-major (batch x features, row-major) GPU
 * tensors. forward() keeps what backward() needs; backward() writes the parameters' gradients and
 * returns dL/dx. Returned tensors belong to the layer and are overwritten by its next call.
 */
import type { GpuTensor } from '../gpu/tensor.js';

export interface Parameter {
  /** e.g. "3.weight" inside a Sequential */
  name: string;
  /** For a sparse layer: its stored values only, so an optimizer cannot leave the mask. */
  value: GpuTensor<'f32'>;
  grad: GpuTensor<'f32'>;
}

export interface Layer {
  readonly kind: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>>;
  backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>>;
  parameters(): Parameter[];
  destroy(): void;
}
