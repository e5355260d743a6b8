// Moves per-entry arrays to a new CSR order after a mask update (src/kernels/dst.ts).
//
// gather: tmp[i] = data[offset + src[srcOffset + i]], or 0 where src is 0xffffffff (a grown entry:
// value 0, optimizer state reset), for i < n. put: data[offset + i] = tmp[i]. Run per array
// section (the values; each state section of an optimizer: SGD momentum, Adam's m and v).
// copy: to[i] = from[srcOffset + i], for i < n (u32 words: the new colIdx and rowPtr).
// One invocation per element; workgroups form a folded 1D list.

override WG: u32 = 64;

struct Params {
  n: u32,
  offset: u32,
  srcOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(3) var<storage, read> src: array<u32>;
@group(0) @binding(4) var<storage, read_write> to: array<u32>;

fn index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn gather(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  let s = src[params.srcOffset + i];
  tmp[i] = select(data[params.offset + s], 0.0, s == 0xffffffffu);
}

@compute @workgroup_size(WG)
fn put(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  data[params.offset + i] = tmp[i];
}

@compute @workgroup_size(WG)
fn copy(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  to[i] = src[params.srcOffset + i];
}
