// W's new pattern installed and Wᵀ's rebuilt on the GPU after a mask update (src/kernels/dst.ts):
// the update's output `out` (colIdx at out[0..nnz), row starts at out[2·nnz..2·nnz + rows]) copied
// into W's CSR pattern (rowPtr, colIdx; rows x cols), and from it Wᵀ's (tRowPtr: cols + 1 column starts, tColIdx: the row of
// each entry, tPerm: the W entry it holds), entries of a column by increasing row, exactly as
// transposeStructure (src/sparse/csc.ts) builds them on the host.
//
// A stable counting sort of W's entries by column, in parallel over blocks of `blockRows`
// consecutive rows (`blocks` of them): `counts` holds one row of cols counters per block.
//  - count: one invocation per block installs its rows (their starts and entries, read from `out`)
//    and counts its entries per column (counts[b·cols + c]).
//  - columns: one workgroup (shaders/dst_lanes.wgsl, composed in front), each invocation owning a
//    contiguous range of columns: turns each column's block counts into the block's first slot
//    within the column, and the column totals into tRowPtr by a scan across the invocations.
//  - place: one invocation per block walks its entries in row order, each taking the next slot of
//    its column within the block's share: the blocks are in row order and so is each block's walk,
//    so every column's entries land by increasing row without a sort, and with no atomics the
//    result does not depend on scheduling.

override WG: u32 = 64;

struct Params {
  rows: u32,
  cols: u32,
  blockRows: u32,
  blocks: u32,
  nnz: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read_write> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;
@group(0) @binding(4) var<storage, read_write> tRowPtr: array<u32>;
@group(0) @binding(5) var<storage, read_write> tColIdx: array<u32>;
@group(0) @binding(6) var<storage, read_write> tPerm: array<u32>;
@group(0) @binding(7) var<storage, read> out: array<u32>;

fn blockIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(WG)
fn count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = blockIndex(wid, nwg, lid);
  if (b >= params.blocks) {
    return;
  }
  let base = b * params.cols;
  for (var c = 0u; c < params.cols; c++) {
    counts[base + c] = 0u;
  }
  // The block's rows from the update's output (rowPtr[r1] is the next block's to write, but the
  // last block writes rowPtr[rows]).
  let starts = 2u * params.nnz;
  let r0 = b * params.blockRows;
  let r1 = min(params.rows, r0 + params.blockRows);
  for (var r = r0; r < r1; r++) {
    rowPtr[r] = out[starts + r];
  }
  if (r1 == params.rows) {
    rowPtr[r1] = out[starts + r1];
  }
  for (var e = out[starts + r0]; e < out[starts + r1]; e++) {
    let c = out[e];
    colIdx[e] = c;
    counts[base + c] += 1u;
  }
}

@compute @workgroup_size(LANES)
fn columns(@builtin(local_invocation_index) lid: u32) {
  let range = ownRange(lid, params.cols);
  var total = 0u;
  for (var c = range.x; c < range.y; c++) {
    var running = 0u;
    for (var b = 0u; b < params.blocks; b++) {
      let n = counts[b * params.cols + c];
      counts[b * params.cols + c] = running;
      running += n;
    }
    tRowPtr[c] = running;
    total += running;
  }
  let scan = laneScan(lid, total);
  if (lid == 0u) {
    tRowPtr[params.cols] = scan.y;
  }
  var running = scan.x;
  for (var c = range.x; c < range.y; c++) {
    let n = tRowPtr[c];
    tRowPtr[c] = running;
    running += n;
  }
}

@compute @workgroup_size(WG)
fn place(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = blockIndex(wid, nwg, lid);
  if (b >= params.blocks) {
    return;
  }
  for (var r = b * params.blockRows; r < min(params.rows, (b + 1u) * params.blockRows); r++) {
    for (var e = rowPtr[r]; e < rowPtr[r + 1u]; e++) {
      let c = colIdx[e];
      let at = b * params.cols + c;
      let slot = tRowPtr[c] + counts[at];
      counts[at] += 1u;
      tColIdx[slot] = r;
      tPerm[slot] = e;
    }
  }
}
