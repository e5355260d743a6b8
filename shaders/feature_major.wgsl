// Batch-major to feature-major: aT[f][b] = a[b][f], float32.
//
// Inputs (sizes in `params`): a is batch x features, row-major. aT is features x stride, where
// stride = groups·4 is batch rounded up to a multiple of 4 and the padding columns are written as 0,
// so every row of aT is whole vec4s of 4 consecutive batch elements. The sparse kernels read their
// dense operands in this layout: for a fixed feature the batch is contiguous, which gives vec4 loads
// and lets neighbouring invocations (neighbouring batch groups) read neighbouring memory.
//
// One invocation writes one vec4 of aT (feature f, batch elements 4g .. 4g + 3). Invocations are
// numbered feature-fastest, so neighbours read neighbouring elements of a row of a. Workgroups are
// a folded 1D list: linear index wid.x + wid.y·nwg.x, those past the end return.

override WG: u32 = 64;

struct Params {
  batch: u32,
  features: u32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> aT: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.features * params.groups) {
    return;
  }
  let f = i % params.features;
  let g = i / params.features;
  var v = vec4<f32>(0.0);
  for (var q = 0u; q < 4u; q++) {
    let b = 4u * g + q;
    if (b < params.batch) {
      v[q] = a[b * params.features + f];
    }
  }
  aT[f * params.groups + g] = v;
}
