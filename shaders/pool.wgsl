// Global average pooling and its backward pass, float32, in the activation layout (`groups` vec4s
// of 4 examples per feature row, padding columns 0). An image activation has channels·plane
// features (channel c: features c·plane .. (c+1)·plane - 1); its pooled form has `channels`.
//
// forward:  src = x (channels·plane features), dst = y (channels features):
//           y[c] = (Σ_p x[c·plane + p]) · invPlane. One invocation computes one vec4 of y
//           (channel c, group g), walking the plane; neighbouring invocations take neighbouring
//           groups, then channels.
// backward: src = dy (channels features), dst = dx (channels·plane features):
//           dx[c·plane + p] = dy[c] · invPlane. One invocation writes one vec4 of dx.
// invPlane is 1/plane rounded once on the host: a multiply is correctly rounded, a WGSL division
// need not be. Padding columns of the input are 0, so those of the output come out 0. Workgroups
// form a folded 1D list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;

struct Params {
  channels: u32,
  plane: u32,
  groups: u32,
  invPlane: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn forward(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.channels * params.groups) {
    return;
  }
  let c = i / params.groups;
  let g = i - c * params.groups;
  let base = c * params.plane * params.groups + g;
  var sum = vec4<f32>(0.0);
  for (var p = 0u; p < params.plane; p++) {
    sum += src[base + p * params.groups];
  }
  dst[i] = sum * params.invPlane;
}

@compute @workgroup_size(WG)
fn backward(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.channels * params.plane * params.groups) {
    return;
  }
  let f = i / params.groups;
  let g = i - f * params.groups;
  dst[i] = src[(f / params.plane) * params.groups + g] * params.invPlane;
}
