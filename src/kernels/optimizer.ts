/**
 * Optimizer steps on the GPU (shaders/optimizer.wgsl): one elementwise dispatch updates one
 * parameter tensor's values in place, with its state. Host side: hyperparameter validation, state
 * sizes, bias corrections (float64), dispatch. The classes holding state per parameter are in
 * src/train/optimizers.ts.
 */
import source from '../../shaders/optimizer.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkNonNegativeNumber, checkNumberBelow, checkNumberInRange, checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { type FoldOptions, gridFor } from './grid.js';

/** The optimizer step kernel family (shaders/optimizer.wgsl): SGD with momentum and Adam/AdamW. */
export const optimizerKernel: KernelSource = { name: 'optimizer', source };

/** torch.optim.SGD's update with dampening 0. */
export interface SgdHyperparameters {
  /** >= 0 */
  lr: number;
  /** μ in [0, 1); 0 keeps no momentum buffer. */
  momentum: number;
  /** Nesterov momentum; needs momentum > 0. */
  nesterov: boolean;
  /** L2 penalty added to the gradient, >= 0. */
  weightDecay: number;
}

/** torch.optim.Adam's update, or AdamW's with decoupledWeightDecay. */
export interface AdamHyperparameters {
  /** >= 0 */
  lr: number;
  /** In [0, 1). */
  beta1: number;
  /** In [0, 1). */
  beta2: number;
  /** > 0, added to sqrt(v̂). */
  epsilon: number;
  /** >= 0: added to the gradient (Adam) or shrinking the values directly (AdamW). */
  weightDecay: number;
  decoupledWeightDecay: boolean;
  /** The step number t = 1, 2, ... that the bias corrections 1 - β^t use. */
  step: number;
}

/** Elements per vec4 word of state. */
const WORD = 4;
const WORKGROUP_SIZE = 64;

/** Length of SGD's momentum buffer for n values: whole vec4 words. */
export function sgdStateLength(n: number): number {
  return Math.ceil(n / WORD) * WORD;
}

/** Length of Adam's state for n values: first moments, then second moments, each whole vec4 words. */
export function adamStateLength(n: number): number {
  return 2 * sgdStateLength(n);
}

export function checkSgdHyperparameters(h: SgdHyperparameters, what = 'sgd'): void {
  checkObject(what, h, 'an SGD hyperparameter');
  checkNonNegativeNumber(`${what}.lr`, h.lr);
  checkNumberBelow(`${what}.momentum`, h.momentum, 0, 1);
  checkNonNegativeNumber(`${what}.weightDecay`, h.weightDecay);
  if (typeof h.nesterov !== 'boolean') throw new TypeError(`${what}.nesterov must be a boolean, got ${String(h.nesterov)}`);
  if (h.nesterov && h.momentum === 0) throw new RangeError(`${what}.nesterov needs momentum in (0, 1), got momentum 0`);
}

export function checkAdamHyperparameters(h: AdamHyperparameters, what = 'adam'): void {
  checkObject(what, h, 'an Adam hyperparameter');
  checkNonNegativeNumber(`${what}.lr`, h.lr);
  checkNumberBelow(`${what}.beta1`, h.beta1, 0, 1);
  checkNumberBelow(`${what}.beta2`, h.beta2, 0, 1);
  checkNumberInRange(`${what}.epsilon`, h.epsilon, 0, 1, true);
  checkNonNegativeNumber(`${what}.weightDecay`, h.weightDecay);
  if (typeof h.decoupledWeightDecay !== 'boolean') {
    throw new TypeError(`${what}.decoupledWeightDecay must be a boolean, got ${String(h.decoupledWeightDecay)}`);
  }
  checkPositiveInt(`${what}.step`, h.step);
}

/** Fields of the uniform struct an optimizer does not read. */
const UNUSED = { momentum: 0, nesterov: 0, beta1: 0, beta2: 0, epsilon: 0, stepSize: 0, sqrtBiasCorrection2: 0, decoupledWeightDecay: 0 };

/** Without momentum the state binding is never read, but a binding needs a buffer: one per context. */
const placeholders = new WeakMap<Context, GpuTensor<'f32'>>();

function placeholderState(ctx: Context): GpuTensor<'f32'> {
  let tensor = placeholders.get(ctx);
  if (!tensor || tensor.isDestroyed) {
    tensor = ctx.zeros('f32', WORD, 'optimizer.unusedState');
    placeholders.set(ctx, tensor);
  }
  return tensor;
}

async function dispatchStep(
  ctx: Context,
  entryPoint: 'sgd' | 'adam',
  buffers: { values: GpuTensor<'f32'>; grads: GpuTensor<'f32'>; state: GpuTensor<'f32'> },
  uniforms: Record<string, number>,
  fold: FoldOptions,
): Promise<void> {
  checkTensor('grad', buffers.grads, 'f32', buffers.values.length, 'values.length');
  checkNoAliasing({ values: buffers.values, state: buffers.state }, { grad: buffers.grads });
  const n = buffers.values.length;
  await ctx.dispatch(optimizerKernel, {
    entryPoint,
    constants: { WORKGROUP_SIZE },
    buffers,
    uniforms: { ...UNUSED, n, ...uniforms },
    workgroups: gridFor(ctx, Math.ceil(n / (WORD * WORKGROUP_SIZE)), fold),
  });
}

/**
 * One SGD step on `values` in place from `grad`; `momentumBuffer` (sgdStateLength(n), zeros at
 * the start) is needed when momentum > 0 and ignored otherwise.
 */
export async function sgdStepInto(
  ctx: Context,
  values: GpuTensor<'f32'>,
  grad: GpuTensor<'f32'>,
  momentumBuffer: GpuTensor<'f32'> | undefined,
  h: SgdHyperparameters,
  fold: FoldOptions = {},
): Promise<void> {
  checkSgdHyperparameters(h);
  const usesMomentum = h.momentum > 0;
  if (usesMomentum) {
    if (!momentumBuffer) throw new RangeError('momentumBuffer is needed when momentum > 0');
    checkTensor('momentumBuffer', momentumBuffer, 'f32', sgdStateLength(values.length), 'sgdStateLength(values.length)');
  }
  const state = usesMomentum ? momentumBuffer! : placeholderState(ctx);
  const { lr, momentum, weightDecay } = h;
  await dispatchStep(ctx, 'sgd', { values, grads: grad, state }, { lr, momentum, weightDecay, nesterov: Number(h.nesterov) }, fold);
}

/** One Adam (or AdamW) step on `values` in place; `moments` (adamStateLength(n), zeros at the start) carries m and v. */
export async function adamStepInto(
  ctx: Context,
  values: GpuTensor<'f32'>,
  grad: GpuTensor<'f32'>,
  moments: GpuTensor<'f32'>,
  h: AdamHyperparameters,
  fold: FoldOptions = {},
): Promise<void> {
  checkAdamHyperparameters(h);
  checkTensor('moments', moments, 'f32', adamStateLength(values.length), 'adamStateLength(values.length)');
  const { lr, epsilon, weightDecay } = h;
  // The moments decay by the float32 betas the kernel reads; the bias corrections use the same
  // values, so that for a constant gradient v̂ is exactly g² (0.999 rounds by 1.3e-8, which moves
  // 1 - β2^t by 1.3e-5 relative at t = 1).
  const beta1 = Math.fround(h.beta1);
  const beta2 = Math.fround(h.beta2);
  const uniforms = {
    lr,
    beta1,
    beta2,
    epsilon,
    weightDecay,
    decoupledWeightDecay: Number(h.decoupledWeightDecay),
    stepSize: lr / (1 - beta1 ** h.step),
    sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** h.step),
  };
  await dispatchStep(ctx, 'adam', { values, grads: grad, state: moments }, uniforms, fold);
}
