// Wᵀ's pattern rebuilt on the GPU after a mask update (src/kernels/dst.ts): from W's CSR pattern
// (rowPtr, colIdx; rows x cols) to Wᵀ's (tRowPtr: cols + 1 column starts, tColIdx: the row of
// each entry, tPerm: the W entry it holds), entries of a column by increasing row, exactly as
// transposeStructure (src/sparse/csc.ts) builds them on the host.
//
// count: one invocation per row of W adds 1 to cursor[c] per entry (atomics: integer counts,
// order-free). starts: one invocation per column moves the count into tRowPtr and zeroes the
// cursor; the host scans tRowPtr. scatter: one invocation per row of W puts each entry at
// tRowPtr[c] + atomicAdd(cursor[c], 1), a slot that depends on scheduling, so sort: one
// invocation per column insertion-sorts its slots by W entry (entries of W are in row order),
// which makes the result deterministic.

override WG: u32 = 64;

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> tRowPtr: array<u32>;
@group(0) @binding(5) var<storage, read_write> tColIdx: array<u32>;
@group(0) @binding(6) var<storage, read_write> tPerm: array<u32>;

fn index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = index(wid, nwg, lid);
  if (r >= params.rows) {
    return;
  }
  for (var e = rowPtr[r]; e < rowPtr[r + 1u]; e++) {
    atomicAdd(&cursor[colIdx[e]], 1u);
  }
}

@compute @workgroup_size(WG)
fn starts(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = index(wid, nwg, lid);
  if (c >= params.cols) {
    return;
  }
  tRowPtr[c] = atomicLoad(&cursor[c]);
  atomicStore(&cursor[c], 0u);
}

@compute @workgroup_size(WG)
fn scatter(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = index(wid, nwg, lid);
  if (r >= params.rows) {
    return;
  }
  for (var e = rowPtr[r]; e < rowPtr[r + 1u]; e++) {
    let c = colIdx[e];
    let slot = tRowPtr[c] + atomicAdd(&cursor[c], 1u);
    tColIdx[slot] = r;
    tPerm[slot] = e;
  }
}

@compute @workgroup_size(WG)
fn sort(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = index(wid, nwg, lid);
  if (c >= params.cols) {
    return;
  }
  let begin = tRowPtr[c];
  let end = tRowPtr[c + 1u];
  for (var i = begin + 1u; i < end; i++) {
    let perm = tPerm[i];
    let row = tColIdx[i];
    var j = i;
    while (j > begin && tPerm[j - 1u] > perm) {
      tPerm[j] = tPerm[j - 1u];
      tColIdx[j] = tColIdx[j - 1u];
      j -= 1u;
    }
    tPerm[j] = perm;
    tColIdx[j] = row;
  }
  atomicStore(&cursor[c], 0u);
}
