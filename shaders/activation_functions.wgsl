// Elementwise activations and their derivatives on vec4s of float32: a function library with no
// bindings or entry points, put in front of the kernels that apply an activation: the activation
// kernel itself (activation.wgsl) and the sparse products that fuse one into their epilogue.
//
// ACTIVATION selects the function; its ids are the constants below, mirrored in
// src/kernels/activation.ts. Parameters (ActivationParams, filled from the including kernel's
// uniforms): negativeSlope (leaky relu), alpha (elu), beta (the swish family x·sigmoid(beta·x)).
// `blend` = l mixes in relu for the ghost-soft-neuron schedule of the any-mask recipe:
// (1 - l)·act(x) + l·relu(x), and likewise for the derivative (activated, activatedSlope).
//
// No intermediate overflows for any finite x: every exponential has a non-positive argument or a
// clamped one, and sigmoid and tanh are built from e^-|z|.

override ACTIVATION: u32 = 0u;

const RELU = 0u;
const LEAKY_RELU = 1u;
const TANH = 2u;
const HARD_TANH = 3u;
const SELU = 4u;
const GELU = 5u;
const ELU = 6u;
const SOFTPLUS = 7u;
const SWISH = 8u;
const MISH = 9u;
const LISHT = 10u;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
// GELU, tanh approximation: 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), u = sqrt(2/pi)·(x + 0.044715·x³);
// the sigmoid form has no 1 + tanh cancellation for negative x.
const GELU_TWO_SQRT_2_OVER_PI = 1.5957691216057308;
const GELU_CUBIC = 0.044715;
// Past |x| = 12, sigmoid(2u) is exactly 0 or 1 in float32 (|2u| > 142); clamping keeps x³ finite.
const GELU_CLAMP = 12.0;
// Past x = 20, tanh(softplus(x)) is exactly 1 in float32; clamping keeps e^2x finite.
const MISH_CLAMP = 20.0;
// Past |z| = 128, e^-|z| is below float32's smallest subnormal: sigmoid(z) is exactly 0 or 1.
const SIGMOID_SATURATED = 128.0;
// Below this |x| (2^-12), tanh(x) rounds to x in float32.
const TANH_LINEAR = 0.000244140625;

struct ActivationParams {
  negativeSlope: f32,
  alpha: f32,
  beta: f32,
  blend: f32,
}

fn relu(z: vec4<f32>) -> vec4<f32> {
  return max(z, vec4<f32>(0.0));
}

// relu'(0) = 0, as in PyTorch.
fn reluSlope(z: vec4<f32>) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(1.0), z > vec4<f32>(0.0));
}

fn sigmoid(z: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(z));
  return select(e, vec4<f32>(1.0), z >= vec4<f32>(0.0)) / (1.0 + e);
}

// sign(z)·(1 - e)/(1 + e), e = e^-2|z|; WGSL's own tanh may be evaluated as sinh/cosh, which overflows.
fn tanhStable(z: vec4<f32>) -> vec4<f32> {
  let e = exp(-2.0 * abs(z));
  return select(sign(z) * (1.0 - e) / (1.0 + e), z, abs(z) < vec4<f32>(TANH_LINEAR));
}

// tanh'(z) = 4e/(1 + e)², e = e^-2|z|: no 1 - tanh² cancellation for large |z|.
fn sech2(z: vec4<f32>) -> vec4<f32> {
  let e = exp(-2.0 * abs(z));
  return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

// scale·(z if z > 0, else alpha·(e^z - 1)): ELU (scale 1) and SELU.
fn eluValue(z: vec4<f32>, alpha: f32, scale: f32) -> vec4<f32> {
  return scale * select(alpha * (exp(min(z, vec4<f32>(0.0))) - 1.0), z, z > vec4<f32>(0.0));
}

fn eluSlope(z: vec4<f32>, alpha: f32, scale: f32) -> vec4<f32> {
  return scale * select(alpha * exp(min(z, vec4<f32>(0.0))), vec4<f32>(1.0), z > vec4<f32>(0.0));
}

// 2u of the GELU approximation, from x clamped where the sigmoid has saturated.
fn geluArgument(c: vec4<f32>) -> vec4<f32> {
  return GELU_TWO_SQRT_2_OVER_PI * (c + GELU_CUBIC * c * c * c);
}

// tanh(softplus(z)) = n/(n + 2) with n = e^z·(e^z + 2); returns n.
fn mishRatio(z: vec4<f32>) -> vec4<f32> {
  let e = exp(min(z, vec4<f32>(MISH_CLAMP)));
  return e * (e + 2.0);
}

fn activate(z: vec4<f32>, p: ActivationParams) -> vec4<f32> {
  switch ACTIVATION {
    case LEAKY_RELU: {
      return select(p.negativeSlope * z, z, z > vec4<f32>(0.0));
    }
    case TANH: {
      return tanhStable(z);
    }
    case HARD_TANH: {
      return clamp(z, vec4<f32>(-1.0), vec4<f32>(1.0));
    }
    case SELU: {
      return eluValue(z, SELU_ALPHA, SELU_SCALE);
    }
    case GELU: {
      return z * sigmoid(geluArgument(clamp(z, vec4<f32>(-GELU_CLAMP), vec4<f32>(GELU_CLAMP))));
    }
    case ELU: {
      return eluValue(z, p.alpha, 1.0);
    }
    case SOFTPLUS: {
      return relu(z) + log(1.0 + exp(-abs(z)));
    }
    case SWISH: {
      return z * sigmoid(p.beta * z);
    }
    case MISH: {
      let n = mishRatio(z);
      return z * (n / (n + 2.0));
    }
    case LISHT: {
      return z * tanhStable(z);
    }
    default: {
      return relu(z);
    }
  }
}

// act'(z). Where a factor z multiplies a term that vanishes for large |z|, the clamped z is used,
// so the product cannot become inf·0.
fn slope(z: vec4<f32>, p: ActivationParams) -> vec4<f32> {
  switch ACTIVATION {
    case LEAKY_RELU: {
      return select(vec4<f32>(p.negativeSlope), vec4<f32>(1.0), z > vec4<f32>(0.0));
    }
    case TANH: {
      return sech2(z);
    }
    case HARD_TANH: {
      return select(vec4<f32>(0.0), vec4<f32>(1.0), abs(z) < vec4<f32>(1.0));
    }
    case SELU: {
      return eluSlope(z, SELU_ALPHA, SELU_SCALE);
    }
    case GELU: {
      let c = clamp(z, vec4<f32>(-GELU_CLAMP), vec4<f32>(GELU_CLAMP));
      let w = geluArgument(c);
      let s = sigmoid(w);
      return s + c * s * sigmoid(-w) * GELU_TWO_SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * c * c);
    }
    case ELU: {
      return eluSlope(z, p.alpha, 1.0);
    }
    case SOFTPLUS: {
      return sigmoid(z);
    }
    case SWISH: {
      // beta·z may overflow to ±inf. Past |bz| = 128 either sigmoid(bz) or sigmoid(-bz) is exactly
      // 0, so clamping the middle factor there changes nothing and avoids inf·0.
      let bz = p.beta * z;
      let c = clamp(bz, vec4<f32>(-SIGMOID_SATURATED), vec4<f32>(SIGMOID_SATURATED));
      return sigmoid(bz) * (1.0 + c * sigmoid(-bz));
    }
    case MISH: {
      // tanh(sp) + z·(1 - tanh²(sp))·sigmoid(z), with 1 - tanh²(sp) = (4n + 4)/(n + 2)².
      let n = mishRatio(z);
      let c = clamp(z, vec4<f32>(-SIGMOID_SATURATED), vec4<f32>(MISH_CLAMP));
      return n / (n + 2.0) + c * (4.0 * n + 4.0) / ((n + 2.0) * (n + 2.0)) * sigmoid(z);
    }
    case LISHT: {
      return tanhStable(z) + z * sech2(z);
    }
    default: {
      return reluSlope(z);
    }
  }
}

// The activation with the ghost-soft-neuron blend applied, and its derivative.
fn activated(z: vec4<f32>, p: ActivationParams) -> vec4<f32> {
  return mix(activate(z, p), relu(z), p.blend);
}

fn activatedSlope(z: vec4<f32>, p: ActivationParams) -> vec4<f32> {
  return mix(slope(z, p), reluSlope(z), p.blend);
}
