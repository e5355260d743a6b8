// The placement of a mask update's grown positions (src/kernels/dst.ts composes this part into
// shaders/dst_set.wgsl's set_take, SET's, and shaders/dst_select.wgsl's grow_take, RigL's, after
// shaders/dst_lanes.wgsl): given the k chosen flat positions at seq[chosenAt..chosenAt + k) in any
// order, one workgroup of LANES counts them per row (seq[0..rows), the row counters), scans the
// rows' new lengths (kept + grown) into the new row starts out[2·nnz..2·nnz + rows], and places
// each row's grown columns after its kept entries' slots, unsorted; dst_set's set_merge then sorts
// and merges each row. Every invocation must call it (it holds barriers). Uses the including
// shader's params (rows, cols, nnz, chosenAt) and its rowPtr, keep, out and seq.

fn placeChosen(lid: u32, k: u32) {
  let rowRange = ownRange(lid, params.rows);
  for (var r = rowRange.x; r < rowRange.y; r++) {
    atomicStore(&seq[r], 0u);
  }
  storageBarrier();
  let chosenRange = ownRange(lid, k);
  for (var j = chosenRange.x; j < chosenRange.y; j++) {
    atomicAdd(&seq[atomicLoad(&seq[params.chosenAt + j]) / params.cols], 1u);
  }
  storageBarrier();
  // Each row's new length (kept + grown), parked in its row start, then scanned.
  let starts = 2u * params.nnz;
  var total = 0u;
  for (var r = rowRange.x; r < rowRange.y; r++) {
    var len = atomicLoad(&seq[r]);
    for (var e = rowPtr[r]; e < rowPtr[r + 1u]; e++) {
      len += select(0u, 1u, keep[e] != 0u);
    }
    out[starts + r] = len;
    total += len;
  }
  workgroupBarrier();
  sums[lid] = total;
  workgroupBarrier();
  if (lid == 0u) {
    out[starts + params.rows] = scanSums();
  }
  workgroupBarrier();
  var running = sums[lid];
  for (var r = rowRange.x; r < rowRange.y; r++) {
    let len = out[starts + r];
    out[starts + r] = running;
    // The row's counter becomes the first slot after its kept entries.
    atomicStore(&seq[r], running + len - atomicLoad(&seq[r]));
    running += len;
  }
  storageBarrier();
  for (var j = chosenRange.x; j < chosenRange.y; j++) {
    let p = atomicLoad(&seq[params.chosenAt + j]);
    out[atomicAdd(&seq[p / params.cols], 1u)] = p % params.cols;
  }
}
