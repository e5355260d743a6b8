/**
 * Optimizer steps on the GPU (shaders/optimizer.wgsl): one elementwise dispatch updates one or two
 * parameter tensors' values in place, with their state. Host side: hyperparameter validation, state
 * sizes, bias corrections (float64), dispatch. The classes holding state per parameter are in
 * src/train/optimizers.ts.
 */
import source from '../../shaders/optimizer.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkNonNegativeNumber, checkNumberBelow, checkNumberInRange, checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor, checkTensorKind } from './aliasing.js';
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

/** One parameter tensor of a step: its values (updated in place), its gradient and its optimizer state. */
export interface OptimizerSlot {
  values: GpuTensor<'f32'>;
  grad: GpuTensor<'f32'>;
  /** sgdStateLength(n) for SGD with momentum, adamStateLength(n) for Adam; unused by SGD without momentum. */
  state?: GpuTensor<'f32'>;
}

/** One dispatch updates one or two tensors (the kernel's slots a and b). */
export type OptimizerSlots = readonly [OptimizerSlot] | readonly [OptimizerSlot, OptimizerSlot];

/**
 * A binding needs a buffer even where the kernel never touches it (slot b when one tensor is
 * stepped, state without momentum): one word each per context, every one its own buffer so that
 * no buffer is bound twice.
 */
interface Placeholders {
  stateA: GpuTensor<'f32'>;
  gradsB: GpuTensor<'f32'>;
  valuesB: GpuTensor<'f32'>;
  stateB: GpuTensor<'f32'>;
}
const placeholders = new WeakMap<Context, Placeholders>();

function placeholdersOf(ctx: Context): Placeholders {
  let p = placeholders.get(ctx);
  if (!p || Object.values(p).some((t) => t.isDestroyed)) {
    const word = (name: string) => ctx.zeros('f32', WORD, `optimizer.unused.${name}`);
    p = { stateA: word('stateA'), gradsB: word('gradsB'), valuesB: word('valuesB'), stateB: word('stateB') };
    placeholders.set(ctx, p);
  }
  return p;
}

/** What a slot's state must be: its name in messages, its length for n values, when it is needed. */
interface StateRule {
  name: string;
  length: (n: number) => number;
  lengthName: string;
  neededWhen: string;
}

function checkSlots(slots: OptimizerSlots, state: StateRule | undefined): void {
  if (!Array.isArray(slots) || slots.length < 1 || slots.length > 2) throw new RangeError(`slots must hold 1 or 2 tensors, got ${Array.isArray(slots) ? slots.length : String(slots)}`);
  const written: Record<string, GpuTensor> = {};
  const read: Record<string, GpuTensor> = {};
  slots.forEach((slot, i) => {
    const what = slots.length === 1 ? '' : `slots[${i}].`;
    checkObject(`slots[${i}]`, slot, 'a { values, grad, state }');
    checkTensorKind(`${what}values`, slot.values, 'f32');
    checkTensor(`${what}grad`, slot.grad, 'f32', slot.values.length, 'values.length');
    written[`${what}values`] = slot.values;
    read[`${what}grad`] = slot.grad;
    if (state) {
      if (!slot.state) throw new RangeError(`${what}${state.name} is needed ${state.neededWhen}`);
      checkTensor(`${what}${state.name}`, slot.state, 'f32', state.length(slot.values.length), `${state.lengthName}(values.length)`);
      written[`${what}${state.name}`] = slot.state;
    }
  });
  checkNoAliasing(written, read);
}

async function dispatchStep(
  ctx: Context,
  entryPoint: 'sgd' | 'adam',
  slots: OptimizerSlots,
  usesState: boolean,
  uniforms: Record<string, number>,
  fold: FoldOptions,
): Promise<void> {
  const unused = placeholdersOf(ctx);
  const [a, b] = slots;
  const words = slots.reduce((sum, slot) => sum + Math.ceil(slot.values.length / WORD), 0);
  await ctx.dispatch(optimizerKernel, {
    entryPoint,
    constants: { WORKGROUP_SIZE },
    buffers: {
      gradsA: a.grad,
      valuesA: a.values,
      stateA: usesState ? a.state! : unused.stateA,
      gradsB: b?.grad ?? unused.gradsB,
      valuesB: b?.values ?? unused.valuesB,
      stateB: b && usesState ? b.state! : unused.stateB,
    },
    uniforms: { ...UNUSED, nA: a.values.length, nB: b?.values.length ?? 0, ...uniforms },
    workgroups: gridFor(ctx, Math.ceil(words / WORKGROUP_SIZE), fold),
  });
}

/** One SGD step of one or two tensors in one dispatch (each slot's state: its momentum buffer, when momentum > 0). */
export async function sgdStepTensorsInto(ctx: Context, slots: OptimizerSlots, h: SgdHyperparameters, fold: FoldOptions = {}): Promise<void> {
  checkSgdHyperparameters(h);
  const usesMomentum = h.momentum > 0;
  checkSlots(slots, usesMomentum ? { name: 'momentumBuffer', length: sgdStateLength, lengthName: 'sgdStateLength', neededWhen: 'when momentum > 0' } : undefined);
  const { lr, momentum, weightDecay } = h;
  await dispatchStep(ctx, 'sgd', slots, usesMomentum, { lr, momentum, weightDecay, nesterov: Number(h.nesterov) }, fold);
}

/** One Adam (or AdamW) step of one or two tensors in one dispatch (each slot's state: its moments). */
export async function adamStepTensorsInto(ctx: Context, slots: OptimizerSlots, h: AdamHyperparameters, fold: FoldOptions = {}): Promise<void> {
  checkAdamHyperparameters(h);
  checkSlots(slots, { name: 'moments', length: adamStateLength, lengthName: 'adamStateLength', neededWhen: 'by Adam' });
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
  await dispatchStep(ctx, 'adam', slots, true, uniforms, fold);
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
  await sgdStepTensorsInto(ctx, [{ values, grad, state: momentumBuffer }], h, fold);
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
  await adamStepTensorsInto(ctx, [{ values, grad, state: moments }], h, fold);
}
