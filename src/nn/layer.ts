/**
 * The contract every layer keeps. Activations and their gradients are GPU tensors in the one
 * activation layout (src/sparse/activation-layout.ts): features x featureMajorStride(batch),
 * example b of feature f at f·stride + b, padding columns 0 (a layer writes 0 there). forward()
 * keeps what backward() needs; backward() writes the parameters' gradients and returns dL/dx.
 * Returned tensors belong to the layer and are overwritten by its next call.
 */
import type { GpuTensor } from '../gpu/tensor.js';
import type { Parameter as TrainableTensor } from '../train/optimizers.js';

/** A trainable tensor with its name; a sparse layer's `values` are its stored entries only, so an optimizer cannot leave the mask. */
export interface Parameter extends TrainableTensor {
  /** e.g. "3.weight" inside a Sequential */
  name: string;
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
