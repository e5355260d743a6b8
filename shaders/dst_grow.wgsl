// Dynamic sparse training: the grow of one mask update of a CSR layer W (rows x cols, nnz stored
// entries, colIdx increasing within each row, flat position p = r·cols + c; a BSR layer's block
// pattern the same way), after the drop wrote keep[e] (1: kept, 0: dropped), from a list of the
// chosen positions: SET's, and RigL's when the layer's whole dense gradient is at hand (larger
// layers grow by dst_select's walks, a chunk of rows at a time). Writes the new CSR the rebuild
// installs: colIdx and src (old entry, or 0xffffffff for a grown position) at out[0..nnz) and
// out[nnz..2·nnz), row starts at out[2·nnz..2·nnz + rows].
//
// `seq` holds a counter per row (seq[0..rows)), the chosen positions in any order
// (seq[chosenAt..chosenAt + k)) and SET's free bit per candidate (seq[bitsAt..], cleared after use).
//
// SET grows the first k positions of its order π (shaders/dst_sequence.wgsl, keyed by the salt)
// that are not kept (a position dropped by this update may be grown again). Only candidates are
// looked at, never the empty positions at large: `window` (M, set on the host from k and the free
// fraction so that at least k of π(0..M) are free with overwhelming probability) of them.
//  - set_free: one invocation per candidate i < window (shaders/dst_index.wgsl): computes π(i),
//    finds whether it holds a kept entry (shaders/dst_search.wgsl), sets bit i when it does not.
//  - set_take: one workgroup of LANES (shaders/dst_lanes.wgsl): ranks the free bits in order
//    (each invocation owning a block of words, the block counts scanned) and records those of rank
//    < k. When fewer than k were free in the window (rare; tests force it with a small window), it
//    goes on along the sequence from `window`, 32 candidates per invocation per round, until k are
//    found, and sets work[FALLBACK] (shaders/dst_state.wgsl). Then it places them (placeChosen).
//
// RigL grows the k free positions of largest key bits(|scores[p]|) (the dense gradient's
// magnitudes, or a BSR layer's block sums of them), ties to the lower p, in one walk of the
// positions instead of a radix select's two: a sample bounds the k-th key from below, the walk
// lists every free position at or above that bound, and one workgroup selects exactly among them.
//  - rigl_sample: one workgroup. The free ones among the first `sample` positions of π (an unbiased
//    sample of the free positions, fs of them) hold about fs·k / free keys above the k-th; the
//    floor is the j-th largest sample key, j = that expectation plus `slack` standard deviations
//    plus 4 (at most fs; no sample: floor 0), so that the walk finds at least k keys at or above
//    it with high probability and about k·(1 + slack / √(fs·k / free)) of them. A forced floor
//    (tests) replaces it.
//  - rigl_list: one invocation per grow unit (shaders/dst_search.wgsl's walk): appends every free
//    position whose key is at least the floor, (p, key), to the list, counting all of them.
//  - rigl_take: one workgroup. When the list holds at least k and all of them (count <= room),
//    they include every key at or above the k-th largest: selectDigits (shaders/dst_digits.wgsl)
//    over the list gives T and `take`, and where more keys equal T than are taken, a second select
//    over ~p of those picks the lowest positions. Otherwise (rare; tests force both ways) it sets
//    work[FALLBACK] and selects exactly over every position (free keys + 1, kept ones 0), ties in
//    flat order through a scan of the invocations' contiguous ranges. Then it places them.
// placeChosen counts the chosen positions per row, scans the rows' new lengths (kept + grown) into
// the row starts, and places each grown column after its row's kept entries (unsorted, through the
// row's counter); grow_merge (one invocation per row) sorts the row's grown columns (a row holds
// few) and merges them with its kept entries from the front, in place.
//
// `list` (RigL only): list[COUNT] the positions listed, list[FLOOR] the floor, the sample's keys
// from SAMPLE_AT, the listed (p, key) pairs from params.listAt. The parts named are composed in
// front (src/kernels/dst.ts). Integer counts and atomics only; the order the list and a row's
// counter give is undone by the selection and the row sort, so the result does not depend on the
// order invocations run in.

struct Params {
  rows: u32,
  cols: u32,
  nnz: u32,
  n: u32,
  segments: u32,
  salt: u32,
  k: u32,
  window: u32,
  chosenAt: u32,
  bitsAt: u32,
  // RigL: positions sampled, the list's room and first pair, the sample rank's slack
  sample: u32,
  room: u32,
  listAt: u32,
  slack: f32,
  // 1: the floor is `floor`, not the sample's (tests)
  forceFloor: u32,
  floor: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> keep: array<u32>;
@group(0) @binding(4) var<storage, read> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> work: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<u32>;
@group(0) @binding(7) var<storage, read_write> seq: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> list: array<atomic<u32>>;

const GROWN = 0xffffffffu;
const COUNT = 0u;
const FLOOR = 1u;
const SAMPLE_AT = 2u;

fn choose(rank: u32, p: u32) {
  atomicStore(&seq[params.chosenAt + rank], p);
}

// Clears the counters of the invocation's rows; returns its rows.
fn clearRowCounters(lid: u32) -> vec2<u32> {
  let rowRange = ownRange(lid, params.rows);
  for (var r = rowRange.x; r < rowRange.y; r++) {
    atomicStore(&seq[r], 0u);
  }
  return rowRange;
}

// Once seq[chosenAt..chosenAt + k) holds the grown positions: the new row starts, and each grown
// column after its row's kept entries.
fn placeChosen(lid: u32, rowRange: vec2<u32>) {
  storageBarrier();
  // Grown positions per row.
  let chosenRange = ownRange(lid, params.k);
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
fn set_free(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(wid, nwg, lid);
  if (i >= params.window) {
    return;
  }
  if (isFree(sequence(feistel(params.n, params.salt), i))) {
    atomicOr(&seq[params.bitsAt + i / 32u], 1u << (i % 32u));
  }
}

// The free candidates found so far (at most k), shared by set_take's invocations.
var<workgroup> found: u32;

@compute @workgroup_size(LANES)
fn set_take(@builtin(local_invocation_index) lid: u32) {
  let f = feistel(params.n, params.salt);
  let k = params.k;
  let rowRange = clearRowCounters(lid);
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
  placeChosen(lid, rowRange);
}

fn growKey(p: u32) -> u32 {
  return bitcast<u32>(abs(scores[p]));
}

// Which keys selectDigits reads in the RigL passes: the sample's or every position's (free: key
// + 1, which cannot overflow as a magnitude's top bit is 0; kept: 0), the list's, or ~p of the
// list's entries whose key is tieKey (0 for the others).
const SAMPLE_KEYS = 0u;
const LIST_KEYS = 1u;
const TIE_POSITIONS = 2u;
const ALL_POSITIONS = 3u;
var<workgroup> keys: u32;
var<workgroup> tieKey: u32;

fn listed(i: u32) -> vec2<u32> {
  let at = params.listAt + 2u * i;
  return vec2<u32>(atomicLoad(&list[at]), atomicLoad(&list[at + 1u]));
}

fn allKey(p: u32) -> u32 {
  return select(0u, growKey(p) + 1u, isFree(p));
}

fn digitKey(i: u32) -> u32 {
  switch keys {
    case SAMPLE_KEYS: {
      return atomicLoad(&list[SAMPLE_AT + i]);
    }
    case LIST_KEYS: {
      return listed(i).y;
    }
    case TIE_POSITIONS: {
      let e = listed(i);
      return select(0u, ~e.x, e.y == tieKey);
    }
    default: {
      return allKey(i);
    }
  }
}

// Sets the keys selectDigits reads next (its first barrier publishes it).
fn readKeys(lid: u32, which: u32) {
  if (lid == 0u) {
    keys = which;
  }
}

@compute @workgroup_size(LANES)
fn rigl_sample(@builtin(local_invocation_index) lid: u32) {
  let f = feistel(params.n, params.salt);
  let size = min(params.sample, params.n);
  let range = ownRange(lid, size);
  var free = 0u;
  for (var i = range.x; i < range.y; i++) {
    // allKey: a free position's key + 1, a kept one's 0, so the j-th largest for j <= the free
    // count is a free key + 1 and the kept ones need no compaction.
    let key = allKey(sequence(f, i));
    atomicStore(&list[SAMPLE_AT + i], key);
    free += select(0u, 1u, key != 0u);
  }
  storageBarrier();
  let fs = laneScan(lid, free).y;
  let expected = f32(fs) * f32(params.k) / f32(params.n - params.nnz + params.k);
  let j = min(fs, u32(ceil(expected + params.slack * sqrt(expected) + 4.0)));
  readKeys(lid, SAMPLE_KEYS);
  let t = selectDigits(lid, size, j);
  if (lid == 0u) {
    // No sample (j = 0): every free position is listed.
    atomicStore(&list[FLOOR], select(select(t.x - 1u, 0u, j == 0u), params.floor, params.forceFloor != 0u));
    atomicStore(&list[COUNT], 0u);
  }
}

@compute @workgroup_size(WG)
fn rigl_list(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = index(wid, nwg, lid);
  if (u >= params.rows * params.segments) {
    return;
  }
  let bound = atomicLoad(&list[FLOOR]);
  var g = growUnit(u);
  for (var c = g.c0; c < g.c1; c++) {
    if (storedState(&g, c) != 1u) {
      let p = g.row * params.cols + c;
      let key = growKey(p);
      if (key >= bound) {
        let slot = atomicAdd(&list[COUNT], 1u);
        if (slot < params.room) {
          atomicStore(&list[params.listAt + 2u * slot], p);
          atomicStore(&list[params.listAt + 2u * slot + 1u], key);
        }
      }
    }
  }
}

// Whether the list holds the k largest keys; whether it holds more keys equal to T than are taken.
var<workgroup> complete: u32;
var<workgroup> untakenTies: u32;

// The k largest keys from the list of `count` (complete): written to the chosen positions.
fn chooseListed(lid: u32, count: u32) {
  readKeys(lid, LIST_KEYS);
  let t = selectDigits(lid, count, params.k);
  let range = ownRange(lid, count);
  var eq = 0u;
  for (var i = range.x; i < range.y; i++) {
    eq += select(0u, 1u, listed(i).y == t.x);
  }
  let equal = laneScan(lid, eq);
  if (lid == 0u) {
    untakenTies = select(0u, 1u, equal.y > t.y);
    tieKey = t.x;
  }
  // ~p of the last taken position among equal keys (0: all of them are taken).
  var tieFloor = 0u;
  if (workgroupUniformLoad(&untakenTies) != 0u) {
    readKeys(lid, TIE_POSITIONS);
    tieFloor = selectDigits(lid, count, t.y).x;
  }
  var n = 0u;
  for (var i = range.x; i < range.y; i++) {
    let e = listed(i);
    n += select(0u, 1u, e.y > t.x || (e.y == t.x && ~e.x >= tieFloor));
  }
  var rank = laneScan(lid, n).x;
  for (var i = range.x; i < range.y; i++) {
    let e = listed(i);
    if (e.y > t.x || (e.y == t.x && ~e.x >= tieFloor)) {
      choose(rank, e.x);
      rank += 1u;
    }
  }
}

// The k largest keys over every position (the exact fallback): each invocation owns a contiguous
// range of positions, so a scan of their equal-key counts ranks the ties in flat order.
fn chooseAll(lid: u32) {
  readKeys(lid, ALL_POSITIONS);
  let t = selectDigits(lid, params.n, params.k);
  let range = ownRange(lid, params.n);
  var above = 0u;
  var eq = 0u;
  for (var p = range.x; p < range.y; p++) {
    let key = allKey(p);
    above += select(0u, 1u, key > t.x);
    eq += select(0u, 1u, key == t.x);
  }
  let eqBefore = laneScan(lid, eq).x;
  let taken = above + min(eq, t.y - min(t.y, eqBefore));
  var rank = laneScan(lid, taken).x;
  var eqSeen = eqBefore;
  for (var p = range.x; p < range.y; p++) {
    let key = allKey(p);
    var chosen = key > t.x;
    if (key == t.x) {
      chosen = eqSeen < t.y;
      eqSeen += 1u;
    }
    if (chosen) {
      choose(rank, p);
      rank += 1u;
    }
  }
}

@compute @workgroup_size(LANES)
fn rigl_take(@builtin(local_invocation_index) lid: u32) {
  let rowRange = clearRowCounters(lid);
  let count = atomicLoad(&list[COUNT]);
  if (lid == 0u) {
    complete = select(0u, 1u, params.k == 0u || (count >= params.k && count <= params.room));
    work[FALLBACK] = 1u - complete;
  }
  if (params.k > 0u) {
    if (workgroupUniformLoad(&complete) != 0u) {
      chooseListed(lid, count);
    } else {
      chooseAll(lid);
    }
  }
  placeChosen(lid, rowRange);
}

@compute @workgroup_size(WG)
fn grow_merge(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
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
