// Per-row structure rebuilt on the GPU after a mask update (src/kernels/dst.ts), from a
// compressed-row pattern's starts `starts` (n + 1 words: W's rows, or Wᵀ's, i.e. W's columns).
//
// Workgroup 0 ranks the rows: order[rank] = i, by decreasing length, ties by index (the row
// swizzle of src/sparse/swizzle.ts), a stable counting sort over the lengths 0..maxLen with
// `bins` (maxLen + 1 words) as its counters. Workgroup 1, dispatched when the SDDMM work data is
// wanted, writes it: for a CSR layer (src/sparse/gpu-csr.ts) it cuts row i into
// ceil(len / SEGMENT) items (i, starts[i] + j·SEGMENT) in row order and writes their count to
// itemCount[0]; with `entryRows`, for a BSR layer's block pattern (src/sparse/gpu-bsr.ts), it
// writes the row of every entry, items[e] = i for starts[i] <= e < starts[i + 1].
// Both are one invocation walking the rows in order: a few words per row (and per item), far less
// than ranking each row against every other, and the order is fixed by construction.

override SEGMENT: u32 = 8;

struct Params {
  n: u32,
  maxLen: u32,
  entryRows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read_write> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> bins: array<u32>;
@group(0) @binding(4) var<storage, read_write> items: array<u32>;
@group(0) @binding(5) var<storage, read_write> itemCount: array<u32>;

fn rank() {
  for (var len = 0u; len <= params.maxLen; len++) {
    bins[len] = 0u;
  }
  for (var i = 0u; i < params.n; i++) {
    bins[starts[i + 1u] - starts[i]] += 1u;
  }
  var running = 0u;
  for (var len = params.maxLen + 1u; len > 0u; len--) {
    let count = bins[len - 1u];
    bins[len - 1u] = running;
    running += count;
  }
  for (var i = 0u; i < params.n; i++) {
    let len = starts[i + 1u] - starts[i];
    order[bins[len]] = i;
    bins[len] += 1u;
  }
}

fn rowOfEntries() {
  for (var i = 0u; i < params.n; i++) {
    for (var e = starts[i]; e < starts[i + 1u]; e++) {
      items[e] = i;
    }
  }
}

fn sddmmItems() {
  var item = 0u;
  for (var i = 0u; i < params.n; i++) {
    for (var e = starts[i]; e < starts[i + 1u]; e += SEGMENT) {
      items[2u * item] = i;
      items[2u * item + 1u] = e;
      item += 1u;
    }
  }
  itemCount[0] = item;
}

@compute @workgroup_size(1)
fn main(@builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x == 0u) {
    rank();
  } else if (params.entryRows != 0u) {
    rowOfEntries();
  } else {
    sddmmItems();
  }
}
