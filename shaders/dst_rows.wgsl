// Per-row structure rebuilt on the GPU after a mask update (src/kernels/dst.ts), in one dispatch
// of three workgroups, from W's row starts `starts` (n + 1 words) and Wᵀ's `tStarts` (tN + 1: W's
// columns). Workgroup 0 ranks W's rows into `order`, workgroup 1 Wᵀ's into `tOrder` (each with its
// own region of `bins` and `counts`), workgroup 2 writes W's SDDMM work data.
// Each workgroup is LANES invocations owning contiguous blocks (shaders/dst_lanes.wgsl, composed in
// front); integer counts only, so the result does not depend on scheduling.
//
// A rank: order[rank] = i, by decreasing length, ties by index (the row swizzle of
// src/sparse/swizzle.ts), a stable counting sort over the lengths 0..maxLen, in parallel over `blocks` blocks of `blockRows` consecutive rows (one invocation each, with a row of
// maxLen + 1 counters in `counts`): each block counts its rows' lengths; invocations owning
// ranges of lengths (longest first) turn each length's block counts into the block's first slot
// among that length's rows, and the lengths' totals into bins[len] = the rows longer than len; each
// block then places its rows in index order after them.
// The SDDMM work data: for a CSR layer (src/sparse/gpu-csr.ts), row i cut into ceil(len /
// SEGMENT) items (i, starts[i] + j·SEGMENT) in row order (each invocation counts its rows' items,
// the counts are scanned, each writes its own) and their count in itemCount[0]; with `entryRows`,
// for a BSR layer's block pattern (src/sparse/gpu-bsr.ts), the row of every entry, items[e] = i
// for starts[i] <= e < starts[i + 1].

override SEGMENT: u32 = 8;

struct Params {
  n: u32,
  maxLen: u32,
  blockRows: u32,
  blocks: u32,
  tN: u32,
  tMaxLen: u32,
  tBlockRows: u32,
  tBlocks: u32,
  entryRows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read> tStarts: array<u32>;
@group(0) @binding(3) var<storage, read_write> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> tOrder: array<u32>;
@group(0) @binding(5) var<storage, read_write> bins: array<u32>;
@group(0) @binding(6) var<storage, read_write> counts: array<u32>;
@group(0) @binding(7) var<storage, read_write> items: array<u32>;
@group(0) @binding(8) var<storage, read_write> itemCount: array<u32>;

// One rank's rows (W's, or with `t` Wᵀ's) and where its counters are: bins[binsAt + len], counts[countsAt..].
struct Rank {
  t: bool,
  n: u32,
  maxLen: u32,
  blockRows: u32,
  blocks: u32,
  binsAt: u32,
  countsAt: u32,
}

fn rankOf(t: bool) -> Rank {
  let w = Rank(false, params.n, params.maxLen, params.blockRows, params.blocks, 0u, 0u);
  if (!t) {
    return w;
  }
  return Rank(true, params.tN, params.tMaxLen, params.tBlockRows, params.tBlocks, w.maxLen + 1u, w.blocks * (w.maxLen + 1u));
}

fn rowLength(t: bool, i: u32) -> u32 {
  if (t) {
    return tStarts[i + 1u] - tStarts[i];
  }
  return starts[i + 1u] - starts[i];
}

fn rank(lid: u32, q: Rank) {
  let lengths = q.maxLen + 1u;
  let b = lid;
  let base = q.countsAt + b * lengths;
  let first = b * q.blockRows;
  let last = min(q.n, first + q.blockRows);
  if (b < q.blocks) {
    for (var len = 0u; len < lengths; len++) {
      counts[base + len] = 0u;
    }
    for (var i = first; i < last; i++) {
      counts[base + rowLength(q.t, i)] += 1u;
    }
  }
  storageBarrier();
  // Position j of the scan is length maxLen - j: longest first.
  let range = ownRange(lid, lengths);
  var sum = 0u;
  for (var j = range.x; j < range.y; j++) {
    let len = q.maxLen - j;
    var running = 0u;
    for (var k = 0u; k < q.blocks; k++) {
      let at = q.countsAt + k * lengths + len;
      let count = counts[at];
      counts[at] = running;
      running += count;
    }
    bins[q.binsAt + len] = running;
    sum += running;
  }
  var running = laneScan(lid, sum).x;
  for (var j = range.x; j < range.y; j++) {
    let at = q.binsAt + q.maxLen - j;
    let count = bins[at];
    bins[at] = running;
    running += count;
  }
  storageBarrier();
  if (b < q.blocks) {
    for (var i = first; i < last; i++) {
      let len = rowLength(q.t, i);
      let slot = bins[q.binsAt + len] + counts[base + len];
      counts[base + len] += 1u;
      if (q.t) {
        tOrder[slot] = i;
      } else {
        order[slot] = i;
      }
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
    count += (rowLength(false, i) + SEGMENT - 1u) / SEGMENT;
  }
  let scan = laneScan(lid, count);
  if (lid == 0u) {
    itemCount[0] = scan.y;
  }
  var item = scan.x;
  for (var i = range.x; i < range.y; i++) {
    for (var e = starts[i]; e < starts[i + 1u]; e += SEGMENT) {
      items[2u * item] = i;
      items[2u * item + 1u] = e;
      item += 1u;
    }
  }
}

@compute @workgroup_size(LANES)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x < 2u) {
    rank(lid, rankOf(wid.x == 1u));
  } else if (params.entryRows != 0u) {
    rowOfEntries(lid);
  } else {
    sddmmItems(lid);
  }
}
