// RigL's grow scores: the dense weight gradient of a chunk of rows, scores[(r - row0)·cols + c] =
// (dYᵀ·X)[r][c] for r in [row0, row0 + chunkRows), float32. dY and X arrive feature-major (see
// feature_major.wgsl): dyT is rows x 4·groups, xT is cols x 4·groups, padding columns 0, so each
// score is the dot product of two contiguous rows read as vec4s. The chunk bounds how much of the
// dense gradient is held at once. One invocation per score; workgroups form a folded 1D list.

override WG: u32 = 64;

struct Params {
  cols: u32,
  row0: u32,
  chunkRows: u32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dyT: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> xT: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.chunkRows * params.cols) {
    return;
  }
  let r = params.row0 + i / params.cols;
  let c = i % params.cols;
  var sum = vec4<f32>(0.0);
  for (var g = 0u; g < params.groups; g++) {
    sum += dyT[r * params.groups + g] * xT[c * params.groups + g];
  }
  scores[i] = sum.x + sum.y + sum.z + sum.w;
}
