// Elementwise activations and their derivatives, float32, over a tensor of n elements; the
// functions themselves are activation_functions.wgsl, which the host puts in front of this file.
//
// Inputs (n and the activation's parameters in the `params` uniform): x, the pre-activation, and,
// for the entry point `backward` only, dy, the gradient with respect to the activation's output.
// Output `out`: act(x) (entry `forward`) or dy · act'(x) (entry `backward`, from the saved
// pre-activation). All three are read as vec4 words (the host pads buffers to 16 bytes): one
// invocation computes one word, 4 elements. Lanes are live when their position in a row of
// `groups` words is below `batch`; dead lanes are written 0. For a tensor in the activation layout
// (rows of 4·groups examples) that zeroes the padding of every row, so an activation with
// act(0) != 0 (softplus) keeps the layout's zero padding; a plain array of n elements is one row
// (groups = ceil(n / 4), batch = n). Workgroups form a folded 1-D list: linear index
// wid.x + wid.y·nwg.x.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  // vec4 words in all
  words: u32,
  // words per row, and live elements at the start of each row
  groups: u32,
  batch: u32,
  negativeSlope: f32,
  alpha: f32,
  beta: f32,
  blend: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;


fn activationParams() -> ActivationParams {
  return ActivationParams(params.negativeSlope, params.alpha, params.beta, params.blend);
}

fn store(word: u32, value: vec4<f32>) {
  let live = vec4<u32>(4u * (word % params.groups)) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.batch);
  out[word] = select(vec4<f32>(0.0), value, live);
}

fn wordIndex(lid: u32, wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn forward(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  if (word >= params.words) {
    return;
  }
  let z = x[word];
  store(word, activated(z, activationParams()));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn backward(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let word = wordIndex(lid, wid, nwg);
  if (word >= params.words) {
    return;
  }
  let z = x[word];
  store(word, dy[word] * activatedSlope(z, activationParams()));
}
