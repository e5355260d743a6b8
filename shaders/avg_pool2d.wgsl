// 2x2 average pooling at stride 2 and its backward pass, float32, in the activation layout
// (`groups` vec4s of 4 examples per feature row, padding columns 0). An h x w image of `channels`
// channels pools to ho x wo = floor(h / 2) x floor(w / 2): an odd last row or column is dropped.
//
// forward:  src = x (channels·h·w features), dst = y (channels·ho·wo):
//           y[c, oy, ox] = (x[c, 2oy, 2ox] + x[c, 2oy, 2ox+1] + x[c, 2oy+1, 2ox] + x[c, 2oy+1, 2ox+1])·0.25.
//           One invocation computes one vec4 of y (pixel (c, oy, ox), group g).
// backward: src = dy (channels·ho·wo features), dst = dx (channels·h·w):
//           dx[c, iy, ix] = dy[c, iy / 2, ix / 2]·0.25, or 0 in a dropped row or column. One
//           invocation writes one vec4 of dx.
// Neighbouring invocations take neighbouring groups, then pixels. Scaling by 0.25 is exact, so
// each output is its sum rounded once more than the sum. Padding columns of the input are 0, so
// those of the output come out 0. Workgroups form a folded 1D list (wid.x + wid.y·nwg.x).

override WG: u32 = 64;

struct Params {
  channels: u32,
  h: u32,
  w: u32,
  ho: u32,
  wo: u32,
  groups: u32,
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
  if (i >= params.channels * params.ho * params.wo * params.groups) {
    return;
  }
  let pixel = i / params.groups;
  let g = i - pixel * params.groups;
  let c = pixel / (params.ho * params.wo);
  let r = pixel - c * params.ho * params.wo;
  let oy = r / params.wo;
  let ox = r - oy * params.wo;
  let top = ((c * params.h + 2u * oy) * params.w + 2u * ox) * params.groups + g;
  let bottom = top + params.w * params.groups;
  dst[i] = (src[top] + src[top + params.groups] + src[bottom] + src[bottom + params.groups]) * 0.25;
}

@compute @workgroup_size(WG)
fn backward(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= params.channels * params.h * params.w * params.groups) {
    return;
  }
  let pixel = i / params.groups;
  let g = i - pixel * params.groups;
  let c = pixel / (params.h * params.w);
  let r = pixel - c * params.h * params.w;
  let oy = (r / params.w) / 2u;
  let ox = (r % params.w) / 2u;
  var v = vec4<f32>(0.0);
  if (oy < params.ho && ox < params.wo) {
    v = src[((c * params.ho + oy) * params.wo + ox) * params.groups + g] * 0.25;
  }
  dst[i] = v;
}
