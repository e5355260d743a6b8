// Scaled addition, float32: out = y + alpha · x over n elements (ghost skip connections add a
// faded identity path: the forward adds alpha·x to a layer's output, the backward alpha·dy to its
// input gradient).
//
// Inputs: x and y, n elements each (params.n, params.alpha), read as vec4 words (buffers are padded
// to 16 bytes); output `out`, which may not be x or y. One invocation computes one word (4 elements)
// and in the last word writes only the elements below n. Workgroups form a folded 1-D list:
// linear index wid.x + wid.y·nwg.x.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  n: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let word = gid.x + gid.y * nwg.x * WORKGROUP_SIZE;
  let first = word * 4u;
  if (first >= params.n) {
    return;
  }
  let sum = fma(vec4<f32>(params.alpha), x[word], y[word]);
  if (first + 4u <= params.n) {
    out[word] = sum;
    return;
  }
  // The last, partial word: keep what lies past n as it was.
  var kept = out[word];
  for (var q = 0u; first + q < params.n; q++) {
    kept[q] = sum[q];
  }
  out[word] = kept;
}
