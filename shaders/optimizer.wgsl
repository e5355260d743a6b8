// Optimizer steps, float32, elementwise over one parameter tensor of n values.
//
// Inputs (n and the hyperparameters in the `params` uniform, so a learning-rate schedule or a
// changed flag never builds a new pipeline): grads (n); values (n), updated in place; state, the
// optimizer's own: SGD's momentum buffer in words [0, W), or Adam's first moments in words [0, W)
// and second moments in words [W, 2W), W = ceil(n / 4) vec4 words. For a sparse layer `values` is
// its CSR (or BSR) values array: only stored entries exist, so a step cannot change the mask.
// One invocation updates one vec4 word (4 elements); in the last word of `values` it writes only
// the elements below n (state words are the optimizer's, whole). Workgroups form a folded 1-D
// list: linear index wid.x + wid.y·nwg.x.
//
// sgd, as torch.optim.SGD with dampening 0:
//   g = grad + weightDecay·p;  with momentum μ > 0: b = μ·b + g (b starts at 0, so b_1 = g) and
//   g = nesterov ? g + μ·b : b;  p = p - lr·g.
// adam, as torch.optim.Adam (decoupledWeightDecay = 0) and torch.optim.AdamW (= 1):
//   Adam: g = grad + weightDecay·p;  AdamW: g = grad and p = p·(1 - lr·weightDecay);
//   m = β1·m + (1 - β1)·g;  v = β2·v + (1 - β2)·g²;
//   p = p - stepSize·m / (sqrt(v) / sqrtBiasCorrection2 + ε), with stepSize = lr/(1 - β1^t) and
//   sqrtBiasCorrection2 = sqrt(1 - β2^t) computed by the host in float64 for step t = 1, 2, ...

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  n: u32,
  lr: f32,
  weightDecay: f32,
  momentum: f32,
  nesterov: u32,
  beta1: f32,
  beta2: f32,
  epsilon: f32,
  stepSize: f32,
  sqrtBiasCorrection2: f32,
  decoupledWeightDecay: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> values: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> state: array<vec4<f32>>;

fn wordCount() -> u32 {
  return (params.n + 3u) / 4u;
}

fn wordIndex(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
}

fn storeValues(word: u32, value: vec4<f32>) {
  let remaining = params.n - 4u * word;
  if (remaining >= 4u) {
    values[word] = value;
    return;
  }
  // Only this invocation touches the last word, so writing it component by component is race-free.
  for (var q = 0u; q < remaining; q++) {
    values[word][q] = value[q];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sgd(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  if (word >= wordCount()) {
    return;
  }
  let p = values[word];
  var g = grads[word] + params.weightDecay * p;
  if (params.momentum > 0.0) {
    let b = params.momentum * state[word] + g;
    state[word] = b;
    g = select(b, g + params.momentum * b, params.nesterov != 0u);
  }
  storeValues(word, p - params.lr * g);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn adam(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  let words = wordCount();
  if (word >= words) {
    return;
  }
  var p = values[word];
  var g = grads[word];
  if (params.decoupledWeightDecay != 0u) {
    p *= 1.0 - params.lr * params.weightDecay;
  } else {
    g += params.weightDecay * p;
  }
  let m = params.beta1 * state[word] + (1.0 - params.beta1) * g;
  let v = params.beta2 * state[words + word] + (1.0 - params.beta2) * g * g;
  state[word] = m;
  state[words + word] = v;
  storeValues(word, p - params.stepSize * m / (sqrt(v) / params.sqrtBiasCorrection2 + params.epsilon));
}
