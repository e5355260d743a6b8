// Moves per-entry arrays to a new compressed-row order after a mask update (src/kernels/dst.ts).
// An entry is blockLen consecutive words: 1 for a CSR layer, blockSize² for a BSR layer's block,
// whose values (and optimizer state) move together.
//
// gather: for every section s < sections (sectionLength words apart), entry i < n and word j <
// blockLen, tmp[(s·n + i)·blockLen + j] = data[s·sectionLength + src[srcOffset + i]·blockLen + j],
// or 0 where src is 0xffffffff (a grown entry: value 0, optimizer state reset). put:
// data[s·sectionLength + i·blockLen + j] = tmp[(s·n + i)·blockLen + j]. The sections are the
// values (one), or an optimizer's state (SGD momentum, Adam's m and v).
// copy: to[i] = src[srcOffset + i], for i < n (raw 32-bit words).
// install: the new pattern from the update's output, to[i] = src[i] for i < n (colIdx) and
// to2[i] = src[srcOffset + i] for i < count2 (rowPtr).
// One invocation per word (shaders/dst_index.wgsl, composed in front).


struct Params {
  n: u32,
  sections: u32,
  sectionLength: u32,
  srcOffset: u32,
  count2: u32,
  blockLen: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(3) var<storage, read> src: array<u32>;
@group(0) @binding(4) var<storage, read_write> to: array<u32>;
@group(0) @binding(5) var<storage, read_write> to2: array<u32>;

@compute @workgroup_size(WG)
fn gather(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  let words = params.n * params.blockLen;
  if (i >= words * params.sections) {
    return;
  }
  let within = i % words;
  let s = src[params.srcOffset + within / params.blockLen];
  let at = (i / words) * params.sectionLength + s * params.blockLen + within % params.blockLen;
  tmp[i] = select(data[at], 0.0, s == 0xffffffffu);
}

@compute @workgroup_size(WG)
fn put(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  let words = params.n * params.blockLen;
  if (i >= words * params.sections) {
    return;
  }
  data[(i / words) * params.sectionLength + i % words] = tmp[i];
}

@compute @workgroup_size(WG)
fn copy(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  to[i] = src[params.srcOffset + i];
}

@compute @workgroup_size(WG)
fn install(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i < params.n) {
    to[i] = src[i];
  }
  if (i < params.count2) {
    to2[i] = src[params.srcOffset + i];
  }
}
