/**
 * Float64 references of the GPU activations (src/kernels/activation.ts): the same functions, the
 * same derivative conventions at kinks, the same GELU approximation, evaluated in float64 from the
 * inputs as given, so they sit far closer to the exact values than any float32 kernel.
 */
import { type Activation, type ActivationName, type ResolvedActivation, resolveActivation } from '../kernels/activation.js';
import { checkLength, checkNumberArray } from '../validate.js';

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function sech2(z: number): number {
  const c = Math.cosh(z);
  return Number.isFinite(c) ? 1 / (c * c) : 0;
}

type Scalar = (x: number, a: ResolvedActivation) => number;

/** 2u of GELU's tanh approximation: gelu(x) = x·sigmoid(2u). */
const geluArgument = (x: number) => 2 * GELU_C * (x + GELU_CUBIC * x * x * x);

/** x·sigmoid(beta·x): swish (beta = 1) and pswish. */
const SWISH_FAMILY = {
  value: (x: number, a: ResolvedActivation) => x * sigmoid(a.beta * x),
  slope: (x: number, a: ResolvedActivation) => sigmoid(a.beta * x) * (1 + a.beta * x * sigmoid(-a.beta * x)),
};

const FUNCTIONS: Record<ActivationName, { value: Scalar; slope: Scalar }> = {
  relu: { value: (x) => Math.max(x, 0), slope: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { value: (x, a) => (x > 0 ? x : a.negativeSlope * x), slope: (x, a) => (x > 0 ? 1 : a.negativeSlope) },
  tanh: { value: Math.tanh, slope: sech2 },
  hardTanh: { value: (x) => Math.min(1, Math.max(-1, x)), slope: (x) => (Math.abs(x) < 1 ? 1 : 0) },
  selu: {
    value: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    slope: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
  },
  gelu: {
    value: (x) => x * sigmoid(geluArgument(x)),
    slope: (x) => {
      const w = geluArgument(x);
      return sigmoid(w) + x * sigmoid(w) * sigmoid(-w) * 2 * GELU_C * (1 + 3 * GELU_CUBIC * x * x);
    },
  },
  elu: { value: (x, a) => (x > 0 ? x : a.alpha * Math.expm1(x)), slope: (x, a) => (x > 0 ? 1 : a.alpha * Math.exp(x)) },
  softplus: { value: softplus, slope: sigmoid },
  swish: SWISH_FAMILY,
  pswish: SWISH_FAMILY,
  mish: {
    value: (x) => x * Math.tanh(softplus(x)),
    slope: (x) => {
      const t = Math.tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    },
  },
  lisht: { value: (x) => x * Math.tanh(x), slope: (x) => Math.tanh(x) + x * sech2(x) },
};

/** act(x) elementwise, with the ghost-soft-neuron blend (1 - l)·act(x) + l·relu(x). */
export function activationRef(activation: Activation, x: ArrayLike<number>): Float64Array {
  const a = resolveActivation(activation);
  checkNumberArray('x', x);
  const { value } = FUNCTIONS[a.name];
  return Float64Array.from(x, (v) => (1 - a.blend) * value(v, a) + a.blend * Math.max(v, 0));
}

/** dx = dy · act'(x) elementwise, blended likewise. */
export function activationGradRef(activation: Activation, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const a = resolveActivation(activation);
  checkNumberArray('x', x);
  checkLength('dy', checkNumberArray('dy', dy), x.length, 'x.length');
  const { slope } = FUNCTIONS[a.name];
  return Float64Array.from(x, (v, i) => dy[i]! * ((1 - a.blend) * slope(v, a) + a.blend * (v > 0 ? 1 : 0)));
}
