/**
 * Elementwise activations, forward and backward, on the GPU (shaders/activation.wgsl): the
 * activation spec and its validation, and the dispatch. The float64 CPU reference
 * (src/train/activation-reference.ts) resolves specs through the same function.
 *
 * GELU is the tanh approximation 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) (as in GPT-2 and
 * PyTorch's approximate='tanh'), computed as x·sigmoid(2u); derivatives at kinks follow PyTorch:
 * relu'(0) = 0, leakyRelu'(0) = negativeSlope, hardTanh' = 0 at ±1, elu'(0) = alpha.
 */
import source from '../../shaders/activation.wgsl';
import functions from '../../shaders/activation_functions.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { featureMajorStride } from '../sparse/activation-layout.js';
import { checkLength, checkNumberInRange, checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing } from './aliasing.js';
import { type FoldOptions, gridFor } from './grid.js';

/**
 * The activation functions (shaders/activation_functions.wgsl), to put in front of a kernel that
 * applies one; its ACTIVATION constant and ActivationParams come from fusedActivation().
 */
export const activationFunctions: string = functions;

export const activationKernel: KernelSource = { name: 'activation', source: /* @__PURE__ */ composedSource([functions, source]) };

/** The elementwise activations every activation kernel, layer and model config accepts by name. */
export const ACTIVATIONS = [
  'relu',
  'leakyRelu',
  'tanh',
  'hardTanh',
  'selu',
  'gelu',
  'elu',
  'softplus',
  'swish',
  'pswish',
  'mish',
  'lisht',
] as const;

/** One of ACTIVATIONS. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** An activation with its parameters; each parameter is accepted only by the activation it belongs to. */
export interface ActivationSpec {
  name: ActivationName;
  /** leakyRelu: the slope for x <= 0, in [0, 1]; default 0.01. */
  negativeSlope?: number;
  /** elu: alpha·(e^x - 1) for x <= 0, alpha in (0, 10]; default 1. */
  alpha?: number;
  /** pswish: x·sigmoid(beta·x), beta in (0, 10]; default 2, the any-mask recipe's x·sigmoid(2x). swish is beta = 1. */
  beta?: number;
  /**
   * Ghost soft neurons (the any-mask recipe): the result is (1 - blend)·act(x) + blend·relu(x),
   * blend in [0, 1]; default 0. A schedule moves it 0 -> 1 to return to relu.
   */
  blend?: number;
}

/** A bare name takes the default parameters. */
export type Activation = ActivationName | ActivationSpec;

/** Every parameter filled in (those an activation does not use keep their defaults). */
export type ResolvedActivation = Required<ActivationSpec>;

const DEFAULTS = { negativeSlope: 0.01, alpha: 1, beta: 2, blend: 0 };

/** Which activation takes each parameter, and its range. */
const PARAMETERS = {
  negativeSlope: { owner: 'leakyRelu', min: 0, max: 1, minExclusive: false },
  alpha: { owner: 'elu', min: 0, max: 10, minExclusive: true },
  beta: { owner: 'pswish', min: 0, max: 10, minExclusive: true },
} as const;

/** ACTIVATION ids of shaders/activation_functions.wgsl (its `const`s); swish and pswish share one. */
const KERNEL_IDS: Record<ActivationName, number> = {
  relu: 0,
  leakyRelu: 1,
  tanh: 2,
  hardTanh: 3,
  selu: 4,
  gelu: 5,
  elu: 6,
  softplus: 7,
  swish: 8,
  pswish: 8,
  mish: 9,
  lisht: 10,
};

/** Validates an activation and fills in its defaults; `what` names it in errors. */
export function resolveActivation(activation: Activation, what = 'activation'): ResolvedActivation {
  const spec = typeof activation === 'string' ? { name: activation } : (checkObject(what, activation, 'an activation') as Partial<ActivationSpec>);
  const name = spec.name;
  if (!ACTIVATIONS.includes(name as ActivationName)) {
    throw new RangeError(`${what}: name must be one of ${ACTIVATIONS.join(', ')}, got ${String(name)}`);
  }
  const resolved: ResolvedActivation = { name: name as ActivationName, ...DEFAULTS, beta: name === 'swish' ? 1 : DEFAULTS.beta };
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'name' || value === undefined) continue;
    if (key === 'blend') {
      resolved.blend = checkNumberInRange(`${what}.blend`, value, 0, 1);
      continue;
    }
    const parameter = PARAMETERS[key as keyof typeof PARAMETERS];
    if (!parameter) throw new RangeError(`${what}: unknown parameter '${key}' (negativeSlope, alpha, beta, blend)`);
    if (parameter.owner !== name) throw new RangeError(`${what}.${key} applies to ${parameter.owner} only, not ${name}`);
    resolved[key as keyof typeof PARAMETERS] = checkNumberInRange(`${what}.${key}`, value, parameter.min, parameter.max, parameter.minExclusive);
  }
  return resolved;
}

/**
 * What a kernel with activation_functions.wgsl in front needs for `activation`: the ACTIVATION
 * constant, and the parameters for its uniforms (the kernel builds ActivationParams from them).
 */
export function fusedActivation(activation: Activation): { constant: number; uniforms: { negativeSlope: number; alpha: number; beta: number; blend: number } } {
  return kernelActivation(resolveActivation(activation));
}

function kernelActivation({ name, negativeSlope, alpha, beta, blend }: ResolvedActivation) {
  return { constant: KERNEL_IDS[name], uniforms: { negativeSlope, alpha, beta, blend } };
}

const WORKGROUP_SIZE = 64;
/** Elements per invocation: one vec4 word. */
const WORD = 4;

/** Options of activationForwardInto and activationBackwardInto. */
export interface ActivationOptions extends FoldOptions {
  /**
   * The tensors are in the activation layout for this batch (rows of featureMajorStride(batch)
   * elements): the padding of every row is written 0. Without it they are plain arrays.
   */
  batch?: number;
}

/** Rows of `groups` words with `batch` live elements each: the activation layout, or one row of n elements. */
function rowsOf(n: number, batch: number | undefined): { groups: number; batch: number } {
  if (batch === undefined) return { groups: Math.max(1, Math.ceil(n / WORD)), batch: n };
  checkPositiveInt('batch', batch);
  const stride = featureMajorStride(batch);
  if (n % stride !== 0) throw new RangeError(`x.length must be a multiple of featureMajorStride(batch) = ${stride} (the activation layout), got ${n}`);
  return { groups: stride / WORD, batch };
}

async function dispatchActivation(
  ctx: Context,
  entryPoint: 'forward' | 'backward',
  activation: ResolvedActivation,
  buffers: { x: GpuTensor<'f32'>; dy: GpuTensor<'f32'>; out: GpuTensor<'f32'> },
  opts: ActivationOptions,
): Promise<void> {
  const fused = kernelActivation(activation);
  const n = buffers.x.length;
  const words = Math.ceil(n / WORD);
  await ctx.dispatch(activationKernel, {
    entryPoint,
    constants: { ACTIVATION: fused.constant, WORKGROUP_SIZE },
    buffers,
    uniforms: { words, ...rowsOf(n, opts.batch), ...fused.uniforms },
    workgroups: gridFor(ctx, Math.ceil(words / WORKGROUP_SIZE), opts),
  });
}

/** y = act(x), elementwise; y has x's length and is not x (the backward pass needs x). */
export async function activationForwardInto(
  ctx: Context,
  activation: Activation,
  x: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  opts: ActivationOptions = {},
): Promise<void> {
  const resolved = resolveActivation(activation);
  checkLength('y', y, x.length, 'x.length');
  checkNoAliasing({ y }, { x });
  // The forward entry point does not read dy; x fills its binding.
  await dispatchActivation(ctx, 'forward', resolved, { x, dy: x, out: y }, opts);
}

/** dx = dy · act'(x), elementwise, from the saved pre-activation x; dx is neither x nor dy. */
export async function activationBackwardInto(
  ctx: Context,
  activation: Activation,
  x: GpuTensor<'f32'>,
  dy: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  opts: ActivationOptions = {},
): Promise<void> {
  const resolved = resolveActivation(activation);
  checkLength('dy', dy, x.length, 'x.length');
  checkLength('dx', dx, x.length, 'x.length');
  checkNoAliasing({ dx }, { x, dy });
  await dispatchActivation(ctx, 'backward', resolved, { x, dy, out: dx }, opts);
}
