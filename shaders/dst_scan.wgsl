// Exclusive prefix sums of u32 counts in place, for the mask update (src/kernels/dst.ts): turn
// per-unit or per-row counts into output offsets.
//
// main: data[offset + i] becomes the sum of the n counts before it, and data[offset + n] their
// total (the buffer holds n + 1 words there).
// grow: the grow selection's two per-unit counts in one pass (shaders/dst_select.wgsl): the keys
// equal to the threshold at data[offset..] are scanned; each unit's new entries are then its sure
// ones (data[second + u]: kept, or above the threshold) plus the equal keys it takes, i.e. those
// ranked below `take` (data[TAKE], shaders/dst_state.wgsl, composed in front); those counts are
// scanned in place as well.
//
// One workgroup of LANES invocations, each owning a contiguous block of the counts
// (shaders/dst_lanes.wgsl, composed in front): it sums its block, the LANES sums are scanned in
// workgroup memory, and each invocation then rewrites its block. Integer sums: the result is exact
// and independent of scheduling.

struct Params {
  offset: u32,
  n: u32,
  second: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<u32>;

fn scanInPlace(lid: u32, offset: u32) {
  let range = ownRange(lid, params.n);
  var sum = 0u;
  for (var i = range.x; i < range.y; i++) {
    sum += data[offset + i];
  }
  let scan = laneScan(lid, sum);
  if (lid == 0u) {
    data[offset + params.n] = scan.y;
  }
  var running = scan.x;
  for (var i = range.x; i < range.y; i++) {
    let count = data[offset + i];
    data[offset + i] = running;
    running += count;
  }
}

@compute @workgroup_size(LANES)
fn main(@builtin(local_invocation_index) lid: u32) {
  scanInPlace(lid, params.offset);
}

@compute @workgroup_size(LANES)
fn grow(@builtin(local_invocation_index) lid: u32) {
  scanInPlace(lid, params.offset);
  // A unit's equal-key count is the next unit's rank minus its own, which another invocation wrote.
  storageBarrier();
  let range = ownRange(lid, params.n);
  let take = data[TAKE];
  for (var u = range.x; u < range.y; u++) {
    let before = data[params.offset + u];
    let eq = data[params.offset + u + 1u] - before;
    data[params.second + u] += min(eq, take - min(take, before));
  }
  storageBarrier();
  scanInPlace(lid, params.second);
}
