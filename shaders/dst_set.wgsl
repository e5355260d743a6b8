// Dynamic sparse training: SET's grow of one mask update of a CSR layer W (rows x cols, nnz stored
// entries, colIdx increasing within each row, flat position p = r·cols + c; a BSR layer's block
// pattern the same way), after the drop wrote keep[e] (1: kept, 0: dropped). Writes the new CSR
// the rebuild installs: colIdx and src (old entry, or 0xffffffff for a grown position) at
// out[0..nnz) and out[nnz..2·nnz), row starts at out[2·nnz..2·nnz + rows].
//
// SET's uniformly random choice: a seeded bijection π of the flat positions [0, n), n = rows·cols,
// a four-round Feistel network on [0, 4^h) (h the smallest ≥ 1 with 4^h ≥ n, round keys from the
// salt) re-applied while the result is ≥ n; the grown set is the first k positions of π(0), π(1),
// … that are not kept (a position dropped by this update may be grown again). Only candidates are
// looked at, never the empty positions at large: `window` (M, set on the host from k and the free
// fraction so that at least k of π(0..M) are free with overwhelming probability) of them.
//
// `seq` holds a counter per row (seq[0..rows)), the chosen positions in sequence order
// (seq[chosenAt..chosenAt + k)) and one free bit per candidate (seq[bitsAt..], cleared after use).
//  - set_free: one invocation per candidate i < window (shaders/dst_index.wgsl): computes π(i),
//    finds whether it holds a kept entry (binary search of its row's colIdx, shaders/dst_search.wgsl;
//    then keep), sets bit i when it does not.
//  - set_take: one workgroup of LANES (shaders/dst_lanes.wgsl): ranks the free
//    bits in order (each invocation owning a block of words, the block counts scanned) and records
//    those of rank < k. When fewer than k were free in the window (rare; tests force it with a
//    small window), it goes on along the sequence from `window`, 32 candidates per invocation per
//    round, until k are found, and sets work[FALLBACK] (shaders/dst_state.wgsl). Then it counts
//    the grown positions per row, scans the rows' new lengths (kept + grown) into the row starts,
//    and places each grown column after its row's kept entries (unsorted, through the row's
//    counter).
//  - set_merge: one invocation per row: sorts the row's grown columns (a row holds few) and merges
//    them with its kept entries from the front, in place.
// The parts named are composed in front (src/kernels/dst.ts). Integer counts and atomics only; the placement order a row's counter gives is undone by the
// sort, so the result does not depend on the order invocations run in.

struct Params {
  rows: u32,
  cols: u32,
  nnz: u32,
  n: u32,
  salt: u32,
  k: u32,
  window: u32,
  chosenAt: u32,
  bitsAt: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> keep: array<u32>;
@group(0) @binding(4) var<storage, read_write> work: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<u32>;
@group(0) @binding(6) var<storage, read_write> seq: array<atomic<u32>>;

const GROWN = 0xffffffffu;
const ROUNDS = 4u;

// The PCG output hash (src/dst/reference.ts has the same one).
fn pcg(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// The Feistel network's half width h and its round keys.
struct Feistel {
  h: u32,
  mask: u32,
  keys: vec4<u32>,
}

fn feistel() -> Feistel {
  let h = max(1u, (33u - countLeadingZeros(params.n - 1u)) / 2u);
  var keys = vec4<u32>();
  for (var j = 0u; j < ROUNDS; j++) {
    keys[j] = pcg(params.salt + j * 0x9e3779b9u);
  }
  return Feistel(h, (1u << h) - 1u, keys);
}

// π(i): the Feistel network, re-applied until it lands in [0, n).
fn sequence(f: Feistel, i: u32) -> u32 {
  var x = i;
  loop {
    var left = (x >> f.h) & f.mask;
    var right = x & f.mask;
    for (var j = 0u; j < ROUNDS; j++) {
      let r = left ^ (pcg(right ^ f.keys[j]) & f.mask);
      left = right;
      right = r;
    }
    x = (left << f.h) | right;
    if (x < params.n) {
      break;
    }
  }
  return x;
}

// Whether position p holds no kept entry.
fn isFree(p: u32) -> bool {
  let r = p / params.cols;
  let c = p % params.cols;
  let e = firstAtOrAfter(r, c);
  return !(e < rowPtr[r + 1u] && colIdx[e] == c && keep[e] != 0u);
}

@compute @workgroup_size(WG)
fn set_free(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.window) {
    return;
  }
  if (isFree(sequence(feistel(), i))) {
    atomicOr(&seq[params.bitsAt + i / 32u], 1u << (i % 32u));
  }
}

// The free candidates found so far (at most k), shared by set_take's invocations.
var<workgroup> found: u32;

fn choose(rank: u32, p: u32) {
  atomicStore(&seq[params.chosenAt + rank], p);
}

@compute @workgroup_size(LANES)
fn set_take(@builtin(local_invocation_index) lid: u32) {
  let f = feistel();
  let k = params.k;
  let rowRange = ownRange(lid, params.rows);
  for (var r = rowRange.x; r < rowRange.y; r++) {
    atomicStore(&seq[r], 0u);
  }
  // The window's free bits, ranked in order; every word is cleared for the next update.
  let range = ownRange(lid, (params.window + 31u) / 32u);
  var count = 0u;
  for (var w = range.x; w < range.y; w++) {
    count += countOneBits(atomicLoad(&seq[params.bitsAt + w]));
  }
  let free = laneScan(lid, count);
  if (lid == 0u) {
    found = min(k, free.y);
  }
  var rank = free.x;
  for (var w = range.x; w < range.y; w++) {
    var bits = atomicExchange(&seq[params.bitsAt + w], 0u);
    while (bits != 0u && rank < k) {
      let j = countTrailingZeros(bits);
      bits &= bits - 1u;
      choose(rank, sequence(f, 32u * w + j));
      rank += 1u;
    }
  }
  // Too few in the window: on along the sequence, 32 candidates per invocation per round.
  var settled = workgroupUniformLoad(&found);
  if (lid == 0u) {
    work[FALLBACK] = select(0u, 1u, settled < k);
  }
  var next = params.window;
  loop {
    if (settled >= k) {
      break;
    }
    var at = array<u32, 32>();
    var bits = 0u;
    for (var j = 0u; j < 32u; j++) {
      // Offsets compared with what is left: next + offset never wraps.
      let offset = lid * 32u + j;
      if (offset < params.n - next) {
        at[j] = sequence(f, next + offset);
        if (isFree(at[j])) {
          bits |= 1u << j;
        }
      }
    }
    let more = laneScan(lid, countOneBits(bits));
    if (lid == 0u) {
      found = min(k, settled + more.y);
    }
    var r = settled + more.x;
    while (bits != 0u && r < k) {
      let j = countTrailingZeros(bits);
      bits &= bits - 1u;
      choose(r, at[j]);
      r += 1u;
    }
    next += 32u * LANES;
    settled = workgroupUniformLoad(&found);
  }
  storageBarrier();
  // Grown positions per row.
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
  let lengths = laneScan(lid, total);
  if (lid == 0u) {
    out[starts + params.rows] = lengths.y;
  }
  var running = lengths.x;
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

@compute @workgroup_size(WG)
fn set_merge(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = index(wid, nwg, lid);
  if (r >= params.rows) {
    return;
  }
  let start = out[2u * params.nnz + r];
  let end = out[2u * params.nnz + r + 1u];
  let first = rowPtr[r];
  let last = rowPtr[r + 1u];
  var kept = 0u;
  for (var i = first; i < last; i++) {
    kept += select(0u, 1u, keep[i] != 0u);
  }
  // The grown columns, after the kept entries' slots: insertion sort.
  let tail = start + kept;
  for (var i = tail + 1u; i < end; i++) {
    let c = out[i];
    var j = i;
    while (j > tail && out[j - 1u] > c) {
      out[j] = out[j - 1u];
      j -= 1u;
    }
    out[j] = c;
  }
  // Merged from the front: the slot written is never above the next grown column still to read
  // (the kept entries written so far are at most all of them).
  var g = tail;
  var e = first;
  for (var slot = start; slot < end; slot++) {
    while (e < last && keep[e] == 0u) {
      e += 1u;
    }
    if (e < last && (g == end || colIdx[e] < out[g])) {
      out[slot] = colIdx[e];
      out[params.nnz + slot] = e;
      e += 1u;
    } else {
      out[slot] = out[g];
      out[params.nnz + slot] = GROWN;
      g += 1u;
    }
  }
}
