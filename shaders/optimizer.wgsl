// Optimizer steps, float32, elementwise over up to two parameter tensors in one dispatch (a layer's
// weights and biases, say), so a model's update costs half as many passes.
//
// Inputs, per tensor slot a and b (sizes nA, nB and the hyperparameters in the `params` uniform, so
// a learning-rate schedule or a changed flag never builds a new pipeline; nB = 0 leaves slot b
// unused): grads (n); values (n), updated in place; state, the optimizer's own: SGD's momentum
// buffer in words [0, W), or Adam's first moments in words [0, W) and second moments in words
// [W, 2W), W = ceil(n / 4) vec4 words. For a sparse layer `values` is its CSR (or BSR) values
// array: only stored entries exist, so a step cannot change the mask.
// One invocation updates one vec4 word (4 elements): words [0, WA) are slot a's, the next WB slot
// b's. In a tensor's last word the elements at or past n keep their old value (the invocation
// rewrites the whole word, race-free: no other one touches it); state words are the optimizer's,
// whole. SGD without momentum never reads or writes state. The entry points spell out slot a's
// and slot b's loads and stores apiece: a WGSL function cannot take a storage array as an argument
// (that needs the unrestricted_pointer_parameters extension), so only the arithmetic is shared.
// Workgroups form a folded 1-D list: linear index wid.x + wid.y·nwg.x.
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
  nA: u32,
  nB: u32,
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
@group(0) @binding(1) var<storage, read> gradsA: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> valuesA: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> stateA: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> gradsB: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> valuesB: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> stateB: array<vec4<f32>>;

fn wordCount(n: u32) -> u32 {
  return (n + 3u) / 4u;
}

fn wordIndex(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
}

// `updated` where the element lies below n, `old` past the tensor's end.
fn withinLength(word: u32, n: u32, old: vec4<f32>, updated: vec4<f32>) -> vec4<f32> {
  return select(old, updated, vec4<u32>(4u * word) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(n));
}

struct SgdWord {
  p: vec4<f32>,
  // the new momentum buffer word (unused without momentum)
  b: vec4<f32>,
}

fn sgdWord(p: vec4<f32>, grad: vec4<f32>, b: vec4<f32>) -> SgdWord {
  var g = grad + params.weightDecay * p;
  var bNew = b;
  if (params.momentum > 0.0) {
    bNew = params.momentum * b + g;
    g = select(bNew, g + params.momentum * bNew, params.nesterov != 0u);
  }
  return SgdWord(p - params.lr * g, bNew);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sgd(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  let momentum = params.momentum > 0.0;
  let wordsA = wordCount(params.nA);
  if (word < wordsA) {
    var b = vec4<f32>(0.0);
    if (momentum) {
      b = stateA[word];
    }
    let p = valuesA[word];
    let r = sgdWord(p, gradsA[word], b);
    if (momentum) {
      stateA[word] = r.b;
    }
    valuesA[word] = withinLength(word, params.nA, p, r.p);
    return;
  }
  let w = word - wordsA;
  if (w < wordCount(params.nB)) {
    var b = vec4<f32>(0.0);
    if (momentum) {
      b = stateB[w];
    }
    let p = valuesB[w];
    let r = sgdWord(p, gradsB[w], b);
    if (momentum) {
      stateB[w] = r.b;
    }
    valuesB[w] = withinLength(w, params.nB, p, r.p);
  }
}

struct AdamWord {
  p: vec4<f32>,
  m: vec4<f32>,
  v: vec4<f32>,
}

fn adamWord(p0: vec4<f32>, grad: vec4<f32>, m0: vec4<f32>, v0: vec4<f32>) -> AdamWord {
  var p = p0;
  var g = grad;
  if (params.decoupledWeightDecay != 0u) {
    p *= 1.0 - params.lr * params.weightDecay;
  } else {
    g += params.weightDecay * p;
  }
  let m = params.beta1 * m0 + (1.0 - params.beta1) * g;
  let v = params.beta2 * v0 + (1.0 - params.beta2) * g * g;
  return AdamWord(p - params.stepSize * m / (sqrt(v) / params.sqrtBiasCorrection2 + params.epsilon), m, v);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn adam(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  let wordsA = wordCount(params.nA);
  if (word < wordsA) {
    let p = valuesA[word];
    let r = adamWord(p, gradsA[word], stateA[word], stateA[wordsA + word]);
    stateA[word] = r.m;
    stateA[wordsA + word] = r.v;
    valuesA[word] = withinLength(word, params.nA, p, r.p);
    return;
  }
  let w = word - wordsA;
  let wordsB = wordCount(params.nB);
  if (w < wordsB) {
    let p = valuesB[w];
    let r = adamWord(p, gradsB[w], stateB[w], stateB[wordsB + w]);
    stateB[w] = r.m;
    stateB[wordsB + w] = r.v;
    valuesB[w] = withinLength(w, params.nB, p, r.p);
  }
}
