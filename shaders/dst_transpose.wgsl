// Wᵀ's pattern rebuilt on the GPU after a mask update (src/kernels/dst.ts): from W's CSR pattern
// (rowPtr, colIdx; rows x cols) to Wᵀ's (tRowPtr: cols + 1 column starts, tColIdx: the row of
// each entry, tPerm: the W entry it holds), entries of a column by increasing row, exactly as
// transposeStructure (src/sparse/csc.ts) builds them on the host.
//
// One invocation: counts the entries per column, scans the counts into tRowPtr, then walks W's
// entries in row order, each taking the next slot of its column (`cursor`: cols words). Walking
// in row order puts every column's entries in increasing row without a sort, and with no atomics
// the result does not depend on scheduling. A handful of words per entry: the update's other
// passes walk every position.

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(4) var<storage, read_write> tRowPtr: array<u32>;
@group(0) @binding(5) var<storage, read_write> tColIdx: array<u32>;
@group(0) @binding(6) var<storage, read_write> tPerm: array<u32>;

@compute @workgroup_size(1)
fn main() {
  let nnz = rowPtr[params.rows];
  for (var c = 0u; c < params.cols; c++) {
    cursor[c] = 0u;
  }
  for (var e = 0u; e < nnz; e++) {
    cursor[colIdx[e]] += 1u;
  }
  var running = 0u;
  for (var c = 0u; c < params.cols; c++) {
    let count = cursor[c];
    tRowPtr[c] = running;
    cursor[c] = running;
    running += count;
  }
  tRowPtr[params.cols] = running;
  for (var r = 0u; r < params.rows; r++) {
    for (var e = rowPtr[r]; e < rowPtr[r + 1u]; e++) {
      let c = colIdx[e];
      let slot = cursor[c];
      cursor[c] = slot + 1u;
      tColIdx[slot] = r;
      tPerm[slot] = e;
    }
  }
}
