/**
 * The contract every layer keeps. Activations and their gradients are GPU tensors in the one
 * activation layout (src/sparse/activation-layout.ts): features x featureMajorStride(batch),
 * example b of feature f at f·stride + b, padding columns 0 (a layer writes 0 there). forward()
 * keeps what backward() needs; backward() writes the parameters' gradients and returns dL/dx.
 * Returned tensors belong to the layer and are overwritten by its next call.
 */
import type { GpuTensor } from '../gpu/tensor.js';
import type { Activation } from '../kernels/activation.js';

/** A tensor an optimizer updates from its gradient: values and grad of one length. */
export interface TrainableTensor {
  values: GpuTensor<'f32'>;
  grad: GpuTensor<'f32'>;
}

/** A trainable tensor with its name; a sparse layer's `values` are its stored entries only, so an optimizer cannot leave the mask. */
export interface Parameter extends TrainableTensor {
  /** e.g. "3.weight" inside a Sequential */
  name: string;
}

/**
 * A layer of a network on the GPU. Activations and their gradients are tensors in the activation
 * layout: inFeatures (or outFeatures) x featureMajorStride(batch), example b of feature f at
 * f·stride + b, padding columns 0. Tensors a layer returns are its own, overwritten by its next
 * call.
 */
export interface Layer {
  /** what the layer is ('linear', 'sparse-linear', 'activation', ...), as model files record it */
  readonly kind: string;
  /** features per example in */
  readonly inFeatures: number;
  /** features per example out */
  readonly outFeatures: number;
  /**
   * y for a batch of `batch` examples x (inFeatures rows of the activation layout); keeps what
   * backward needs.
   */
  forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>>;
  /**
   * dL/dx from dL/dy (outFeatures rows) of the last forward(); writes the gradients of
   * parameters() as it goes.
   */
  backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>>;
  /**
   * backward() without dL/dx: the gradients of parameters() only, one pass fewer (the transposed
   * product), for a network's bottom layer, whose input gradient training never reads. Absent: the
   * caller runs backward() instead.
   */
  backwardParameters?(dy: GpuTensor<'f32'>, batch: number): Promise<void>;
  /** The trainable tensors (values and gradients), in a fixed order; empty for layers without weights. */
  parameters(): Parameter[];
  /** Frees every GPU buffer the layer owns; the layer is unusable afterwards. */
  destroy(): void;
}

/** layer.backwardParameters() where the layer has it, else backward() with its dL/dx unread. */
export async function backwardParametersOf(layer: Layer, dy: GpuTensor<'f32'>, batch: number): Promise<void> {
  if (layer.backwardParameters) await layer.backwardParameters(dy, batch);
  else await layer.backward(dy, batch);
}

/** The activation layer below a layer, as that layer's fused backward pass needs it. */
export interface FusedActivationBelow {
  activation: Activation;
  /** the activation's saved pre-activation */
  z: GpuTensor<'f32'>;
  /** where dL/dz goes: the activation layer's own gradient tensor */
  dz: GpuTensor<'f32'>;
}

/**
 * A layer whose kernels can apply a neighbouring elementwise activation in their epilogues, one
 * pass fewer each way: Sequential uses it wherever an activation layer follows it (forward) or
 * precedes it (backward). Results equal forward() then the activation, and the activation's
 * backward() after backward().
 */
export interface ActivationFusing extends Layer {
  /** false where the layer's current kernels have no fused form */
  readonly fusesActivation: boolean;
  /** forward() and then act: writes act(z) into y and returns z, forward()'s own result. */
  forwardActivated(x: GpuTensor<'f32'>, batch: number, activation: Activation, y: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>>;
  /** backward(), then the activation below's backward pass: returns below.dz. */
  backwardActivated(dy: GpuTensor<'f32'>, batch: number, below: FusedActivationBelow): Promise<GpuTensor<'f32'>>;
}

export function fusesActivation(layer: Layer | undefined): layer is ActivationFusing {
  return layer !== undefined && (layer as Partial<ActivationFusing>).fusesActivation === true;
}
