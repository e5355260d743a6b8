// Moves per-entry arrays to a new compressed-row order after a mask update (src/kernels/dst.ts).
// An entry is blockLen consecutive words: 1 for a CSR layer, blockSize² for a BSR layer's block,
// whose values (and optimizer state) move together.
//
// The arrays moved: `data` (`sections` sections, `sectionLength` words apart: the values, one) and
// `data2` (`sections2` sections, `sectionLength2` apart: the optimizer's state, SGD momentum or
// Adam's m and v; none when sections2 = 0), their sections numbered one after the other.
// gather: for every section s of them, entry i < n and word j < blockLen,
// tmp[(s·n + i)·blockLen + j] = the section's word src[srcOffset + i]·blockLen + j, or 0 where src
// is 0xffffffff (a grown entry: value 0, optimizer state reset). put: the section's word
// i·blockLen + j = tmp[(s·n + i)·blockLen + j]. So every array moves in two dispatches.
// copy: to[i] = src[srcOffset + i], for i < n (raw 32-bit words: RigL's rows of dY for a chunk).
// One invocation per word (shaders/dst_index.wgsl, composed in front).


struct Params {
  n: u32,
  sections: u32,
  sectionLength: u32,
  sections2: u32,
  sectionLength2: u32,
  srcOffset: u32,
  blockLen: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> data2: array<f32>;
@group(0) @binding(3) var<storage, read_write> tmp: array<f32>;
@group(0) @binding(4) var<storage, read> src: array<u32>;
@group(0) @binding(5) var<storage, read_write> to: array<u32>;

// Word `at` of section s (of both arrays' sections in turn), within its section.
fn moved(s: u32, at: u32) -> f32 {
  if (s < params.sections) {
    return data[s * params.sectionLength + at];
  }
  return data2[(s - params.sections) * params.sectionLength2 + at];
}

fn store(s: u32, at: u32, x: f32) {
  if (s < params.sections) {
    data[s * params.sectionLength + at] = x;
  } else {
    data2[(s - params.sections) * params.sectionLength2 + at] = x;
  }
}

@compute @workgroup_size(WG)
fn gather(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  let words = params.n * params.blockLen;
  if (i >= words * (params.sections + params.sections2)) {
    return;
  }
  let within = i % words;
  let e = src[params.srcOffset + within / params.blockLen];
  tmp[i] = select(moved(i / words, e * params.blockLen + within % params.blockLen), 0.0, e == 0xffffffffu);
}

@compute @workgroup_size(WG)
fn put(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  let words = params.n * params.blockLen;
  if (i >= words * (params.sections + params.sections2)) {
    return;
  }
  store(i / words, i % words, tmp[i]);
}

@compute @workgroup_size(WG)
fn copy(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.n) {
    return;
  }
  to[i] = src[params.srcOffset + i];
}
