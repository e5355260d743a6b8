// Average pooling and its backward pass, float32, in the activation layout (`groups` vec4s of 4
// examples per feature row, padding columns 0): global (each channel's h x w plane to one
// feature) and 2x2 at stride 2 (an h x w image to ho x wo = floor(h / 2) x floor(w / 2): an odd
// last row or column is dropped). A C x H x W image uses feature (c·H + y)·W + x.
//
// forward:         src = x (channels·h·w features), dst = y (channels):
//                  y[c] = (Σ_p x[c·h·w + p]) · invPlane. One invocation computes one vec4 of y
//                  (channel c, group g), walking the plane.
// backward:        src = dy (channels features), dst = dx (channels·h·w):
//                  dx[c·h·w + p] = dy[c] · invPlane. One invocation writes one vec4 of dx.
// avg2x2_forward:  src = x (channels·h·w), dst = y (channels·ho·wo):
//                  y[c, oy, ox] = (x[c, 2oy, 2ox] + x[c, 2oy, 2ox+1] + x[c, 2oy+1, 2ox] + x[c, 2oy+1, 2ox+1])·0.25.
//                  One invocation computes one vec4 of y.
// avg2x2_backward: src = dy (channels·ho·wo), dst = dx (channels·h·w):
//                  dx[c, iy, ix] = dy[c, iy / 2, ix / 2]·0.25, or 0 in a dropped row or column.
//                  One invocation writes one vec4 of dx.
// Neighbouring invocations take neighbouring groups, then features. invPlane is 1/(h·w) rounded
// once on the host: a multiply is correctly rounded, a WGSL division need not be; scaling by 0.25
// is exact. Padding columns of the input are 0, so those of the output come out 0. Workgroups
// form a folded 1D list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;

struct Params {
  channels: u32,
  groups: u32,
  // the input image, and the pooled one (1 x 1 for the global entries)
  h: u32,
  w: u32,
  ho: u32,
  wo: u32,
  invPlane: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

// The invocation's output vec4 as (feature, group), or none past `features` output features.
struct Output {
  feature: u32,
  group: u32,
  live: bool,
}

fn outputAt(lid: u32, wid: vec3<u32>, nwg: vec3<u32>, features: u32) -> Output {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  let f = i / params.groups;
  return Output(f, i - f * params.groups, i < features * params.groups);
}

@compute @workgroup_size(WG)
fn forward(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = outputAt(lid, wid, nwg, params.channels);
  if (!o.live) {
    return;
  }
  let plane = params.h * params.w;
  let base = o.feature * plane * params.groups + o.group;
  var sum = vec4<f32>(0.0);
  for (var p = 0u; p < plane; p++) {
    sum += src[base + p * params.groups];
  }
  dst[o.feature * params.groups + o.group] = sum * params.invPlane;
}

@compute @workgroup_size(WG)
fn backward(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let plane = params.h * params.w;
  let o = outputAt(lid, wid, nwg, params.channels * plane);
  if (!o.live) {
    return;
  }
  dst[o.feature * params.groups + o.group] = src[(o.feature / plane) * params.groups + o.group] * params.invPlane;
}

@compute @workgroup_size(WG)
fn avg2x2_forward(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let pooled = params.ho * params.wo;
  let o = outputAt(lid, wid, nwg, params.channels * pooled);
  if (!o.live) {
    return;
  }
  let c = o.feature / pooled;
  let r = o.feature - c * pooled;
  let oy = r / params.wo;
  let ox = r - oy * params.wo;
  let top = ((c * params.h + 2u * oy) * params.w + 2u * ox) * params.groups + o.group;
  let bottom = top + params.w * params.groups;
  dst[o.feature * params.groups + o.group] = (src[top] + src[top + params.groups] + src[bottom] + src[bottom + params.groups]) * 0.25;
}

@compute @workgroup_size(WG)
fn avg2x2_backward(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let plane = params.h * params.w;
  let o = outputAt(lid, wid, nwg, params.channels * plane);
  if (!o.live) {
    return;
  }
  let c = o.feature / plane;
  let r = o.feature - c * plane;
  let oy = (r / params.w) / 2u;
  let ox = (r % params.w) / 2u;
  var v = vec4<f32>(0.0);
  if (oy < params.ho && ox < params.wo) {
    v = src[((c * params.ho + oy) * params.wo + ox) * params.groups + o.group] * 0.25;
  }
  dst[o.feature * params.groups + o.group] = v;
}
