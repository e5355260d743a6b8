// Per-row structure rebuilt on the GPU after a mask update (src/kernels/dst.ts), from a
// compressed-row pattern's starts `starts` (n + 1 words: W's rows, or Wᵀ's, i.e. W's columns).
// Each workgroup is 256 invocations owning contiguous blocks (shaders/dst_lanes.wgsl, composed in
// front); integer counts only, so the result does not depend on scheduling.
//
// Workgroup 0 ranks the rows: order[rank] = i, by decreasing length, ties by index (the row
// swizzle of src/sparse/swizzle.ts), a stable counting sort over the lengths 0..maxLen, in
// parallel over `blocks` blocks of `blockRows` consecutive rows (one invocation each, with a row of
// maxLen + 1 counters in `counts`): each block counts its rows' lengths; invocations owning
// ranges of lengths (longest first) turn each length's block counts into the block's first slot
// among that length's rows, and the lengths' totals into bins[len] = the rows longer than len; each
// block then places its rows in index order after them.
// Workgroup 1, dispatched when the SDDMM work data is wanted, writes it: for a CSR layer
// (src/sparse/gpu-csr.ts) it cuts row i into ceil(len / SEGMENT) items (i, starts[i] + j·SEGMENT)
// in row order (each invocation counts its rows' items, the counts are scanned, each writes its
// own) and writes their count to itemCount[0]; with `entryRows`, for a BSR layer's block pattern
// (src/sparse/gpu-bsr.ts), it writes the row of every entry, items[e] = i for starts[i] <= e <
// starts[i + 1].

override SEGMENT: u32 = 8;

struct Params {
  n: u32,
  maxLen: u32,
  entryRows: u32,
  blockRows: u32,
  blocks: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> bins: array<u32>;
@group(0) @binding(4) var<storage, read_write> counts: array<u32>;
@group(0) @binding(5) var<storage, read_write> items: array<u32>;
@group(0) @binding(6) var<storage, read_write> itemCount: array<u32>;

fn rowLength(i: u32) -> u32 {
  return starts[i + 1u] - starts[i];
}

fn rank(lid: u32) {
  let lengths = params.maxLen + 1u;
  let b = lid;
  let base = b * lengths;
  let first = b * params.blockRows;
  let last = min(params.n, first + params.blockRows);
  if (b < params.blocks) {
    for (var len = 0u; len < lengths; len++) {
      counts[base + len] = 0u;
    }
    for (var i = first; i < last; i++) {
      counts[base + rowLength(i)] += 1u;
    }
  }
  storageBarrier();
  // Position j of the scan is length maxLen - j: longest first.
  let range = ownRange(lid, lengths);
  var sum = 0u;
  for (var j = range.x; j < range.y; j++) {
    let len = params.maxLen - j;
    var running = 0u;
    for (var k = 0u; k < params.blocks; k++) {
      let count = counts[k * lengths + len];
      counts[k * lengths + len] = running;
      running += count;
    }
    bins[len] = running;
    sum += running;
  }
  sums[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    scanSums();
  }
  workgroupBarrier();
  var running = sums[lid];
  for (var j = range.x; j < range.y; j++) {
    let len = params.maxLen - j;
    let count = bins[len];
    bins[len] = running;
    running += count;
  }
  storageBarrier();
  if (b < params.blocks) {
    for (var i = first; i < last; i++) {
      let at = base + rowLength(i);
      order[bins[rowLength(i)] + counts[at]] = i;
      counts[at] += 1u;
    }
  }
}

fn rowOfEntries(lid: u32) {
  let range = ownRange(lid, params.n);
  for (var i = range.x; i < range.y; i++) {
    for (var e = starts[i]; e < starts[i + 1u]; e++) {
      items[e] = i;
    }
  }
}

fn sddmmItems(lid: u32) {
  let range = ownRange(lid, params.n);
  var count = 0u;
  for (var i = range.x; i < range.y; i++) {
    count += (rowLength(i) + SEGMENT - 1u) / SEGMENT;
  }
  sums[lid] = count;
  workgroupBarrier();
  if (lid == 0u) {
    itemCount[0] = scanSums();
  }
  workgroupBarrier();
  var item = sums[lid];
  for (var i = range.x; i < range.y; i++) {
    for (var e = starts[i]; e < starts[i + 1u]; e += SEGMENT) {
      items[2u * item] = i;
      items[2u * item + 1u] = e;
      item += 1u;
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x == 0u) {
    rank(lid);
  } else if (params.entryRows != 0u) {
    rowOfEntries(lid);
  } else {
    sddmmItems(lid);
  }
}
