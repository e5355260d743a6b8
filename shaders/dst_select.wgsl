// Dynamic sparse training: the selection half of one mask update of a CSR layer W (rows x cols,
// nnz stored entries, colIdx increasing within each row, flat position p = r·cols + c).
//
// Two domains, each walked in units of at most UNIT consecutive elements in flat order, one
// invocation per unit (so per-unit counts, once scanned, rank elements in flat order):
//  - drop: the stored entries e (entry order is flat order); unit u = entries [u·UNIT, ...).
//    key(e) = ~bits(|values[e]|): the largest keys are the smallest magnitudes.
//  - grow (RigL's when the dense gradient comes in more than one chunk; SET, and RigL with the
//    whole gradient at hand, grow by shaders/dst_grow.wgsl): every position; unit u = row u /
//    segments, columns [(u % segments)·UNIT, ...). A position is a candidate unless it holds an entry that is
//    kept (keep[e] = 1). key(p) = bits(|scores|) of the dense gradient of rows [chunkRow0, ...)
//    held in `scores`.
// Both select the k largest keys, ties to the lower flat index, giving the threshold T and
// `take`, how many keys equal to T are selected; an element is selected when key > T, or key == T
// and (its rank among keys == T) < take. Across many workgroups that is a two-digit radix select:
// `hist` counts the high 16 bits of the keys, `pick` (pickDigit, shaders/dst_pick.wgsl, composed
// in) finds the digit P holding the k-th key (and clears the histogram), the low 16 bits of the
// keys under that prefix are counted and picked the same way. The one-workgroup passes select by
// selectDigits (four 8-bit digits in workgroup memory) instead.
// Drop, up to a layer size the host sets: `drop_select`, one workgroup, selects and writes
// keep[e] in one dispatch (its invocations own contiguous entry ranges: the keys equal to T are
// counted per range, scanned, and the ranges decided). Larger layers: the radix select's
// `drop_hist` passes and picks, then `drop_count` writes per unit the keys equal to T
// (work[eqOff + u]), a scan ranks them, and `drop_decide` writes keep[e].
// The grow's two-walk select (a chunk of rows at a time) walks every position twice
// (`grow_hist`, then `grow_split`, the low-digit pass, which also marks each unit's columns as
// sure or tie in bit masks), and then both go on over the marked columns only:
// `grow_count` settles the ties against T and counts per unit the keys equal to T and the sure
// entries, dst_scan's `grow` turns those into each unit's first equal key and first new entry,
// and `grow_fill` writes the new CSR: colIdx and src (old entry, or 0xffffffff for a grown
// position) at out[0..nnz) and out[nnz..2·nnz), row starts at out[2·nnz..).
// work[0..4) holds the selection state (shaders/dst_state.wgsl, composed in front): need, prefix,
// T, take. Counts are atomics on integers, so the result does not depend on the order invocations
// run in. The one-workgroup passes' block ownership and scan are
// shaders/dst_lanes.wgsl's, and the column search shaders/dst_search.wgsl's, composed in front.

override WG: u32 = 64;

struct Params {
  rows: u32,
  cols: u32,
  nnz: u32,
  segments: u32,
  unitBegin: u32,
  unitEnd: u32,
  chunkRow0: u32,
  low: u32,
  k: u32,
  eqOff: u32,
  newOff: u32,
  maskOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(2) var<storage, read> colIdx: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> keep: array<u32>;
@group(0) @binding(6) var<storage, read_write> hist: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> work: array<u32>;
@group(0) @binding(8) var<storage, read_write> out: array<u32>;

const GROWN = 0xffffffffu;

fn unitIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return params.unitBegin + (wid.x + wid.y * nwg.x) * WG + lid;
}

fn dropKey(e: u32) -> u32 {
  return ~bitcast<u32>(abs(values[e]));
}

fn growKey(r: u32, c: u32) -> u32 {
  return bitcast<u32>(abs(scores[(r - params.chunkRow0) * params.cols + c]));
}

// Counts a key into the histogram pass's digit, when it lies under the chosen prefix.
fn histogram(key: u32) {
  if (params.low == 0u) {
    atomicAdd(&hist[key >> 16u], 1u);
  } else if ((key >> 16u) == (work[PREFIX] >> 16u)) {
    atomicAdd(&hist[key & 0xffffu], 1u);
  }
}

// Selected, given the running count `eqSeen` of keys equal to T met before it in flat order.
fn selected(key: u32, eqSeen: u32) -> bool {
  let t = work[THRESHOLD];
  return key > t || (key == t && eqSeen < work[TAKE]);
}

@compute @workgroup_size(WG)
fn drop_hist(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  for (var e = u * UNIT; e < min(params.nnz, u * UNIT + UNIT); e++) {
    histogram(dropKey(e));
  }
}

@compute @workgroup_size(WG)
fn drop_count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  var eq = 0u;
  for (var e = u * UNIT; e < min(params.nnz, u * UNIT + UNIT); e++) {
    eq += select(0u, 1u, dropKey(e) == work[THRESHOLD]);
  }
  work[params.eqOff + u] = eq;
}

@compute @workgroup_size(WG)
fn drop_decide(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  var eqSeen = work[params.eqOff + u];
  for (var e = u * UNIT; e < min(params.nnz, u * UNIT + UNIT); e++) {
    let key = dropKey(e);
    keep[e] = select(1u, 0u, selected(key, eqSeen));
    eqSeen += select(0u, 1u, key == work[THRESHOLD]);
  }
}

// The keys selectDigits selects among: the drop's.
fn digitKey(i: u32) -> u32 {
  return dropKey(i);
}

// The radix select's digit step: the high digit's (with params.low, the low digit's) bin holding the k-th key.
@compute @workgroup_size(LANES)
fn pick(@builtin(local_invocation_index) lid: u32) {
  pickDigit(lid, params.low != 0u);
}

@compute @workgroup_size(LANES)
fn drop_select(@builtin(local_invocation_index) lid: u32) {
  let chosen = selectDigits(lid, params.nnz, params.k);
  let t = chosen.x;
  let range = ownRange(lid, params.nnz);
  var eq = 0u;
  for (var e = range.x; e < range.y; e++) {
    eq += select(0u, 1u, dropKey(e) == t);
  }
  var eqSeen = laneScan(lid, eq).x;
  for (var e = range.x; e < range.y; e++) {
    let key = dropKey(e);
    keep[e] = select(1u, 0u, key > t || (key == t && eqSeen < chosen.y));
    eqSeen += select(0u, 1u, key == t);
  }
}

// The high-digit histogram of a grow unit's free positions.
@compute @workgroup_size(WG)
fn grow_hist(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  var g = growUnit(u);
  for (var c = g.c0; c < g.c1; c++) {
    if (storedState(&g, c) != 1u) {
      histogram(growKey(g.row, c));
    }
  }
}

// A grow unit's column masks in work[maskOff + 4·u..]: bit j of words 0-1 (`sure`) and 2-3 (`tie`)
// is column c0 + j (UNIT <= 64).
fn maskAt(u: u32) -> u32 {
  return params.maskOff + 4u * u;
}

// Marks each column of unit u sure (a kept entry, or a key whose high digit is above the picked
// prefix P) or tie (high digit P, counted into the low histogram).
fn splitUnit(u: u32) {
  var g = growUnit(u);
  let prefix = work[PREFIX] >> 16u;
  var sure = array<u32, 2>(0u, 0u);
  var tie = array<u32, 2>(0u, 0u);
  for (var c = g.c0; c < g.c1; c++) {
    let j = c - g.c0;
    let bit = 1u << (j & 31u);
    if (storedState(&g, c) == 1u) {
      sure[j >> 5u] |= bit;
    } else {
      let key = growKey(g.row, c);
      if ((key >> 16u) > prefix) {
        sure[j >> 5u] |= bit;
      } else if ((key >> 16u) == prefix) {
        tie[j >> 5u] |= bit;
        // k = 0 picks nothing: the histogram stays clear for the next selection.
        if (params.k > 0u) {
          atomicAdd(&hist[key & 0xffffu], 1u);
        }
      }
    }
  }
  let m = maskAt(u);
  work[m] = sure[0];
  work[m + 1u] = sure[1];
  work[m + 2u] = tie[0];
  work[m + 3u] = tie[1];
}

// The low-digit pass of the two-walk select.
@compute @workgroup_size(WG)
fn grow_split(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  splitUnit(u);
}

// With T picked, settles the tie columns (their keys recomputed, the others are known): above T
// turns sure, equal to T stays tie, below T is dropped. Writes the unit's keys equal to T
// (work[eqOff + u]) and its sure entries (work[newOff + u]).
@compute @workgroup_size(WG)
fn grow_count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  let row = u / params.segments;
  let c0 = (u % params.segments) * UNIT;
  let t = work[THRESHOLD];
  let m = maskAt(u);
  var eq = 0u;
  var sure = 0u;
  for (var w = 0u; w < 2u; w++) {
    var bits = work[m + 2u + w];
    var equal = 0u;
    var above = work[m + w];
    while (bits != 0u) {
      let j = countTrailingZeros(bits);
      bits &= bits - 1u;
      let key = growKey(row, c0 + 32u * w + j);
      if (key > t) {
        above |= 1u << j;
      } else if (key == t) {
        equal |= 1u << j;
      }
    }
    work[m + w] = above;
    work[m + 2u + w] = equal;
    eq += countOneBits(equal);
    sure += countOneBits(above);
  }
  work[params.eqOff + u] = eq;
  work[params.newOff + u] = sure;
}

// Writes a grow unit's new entries in column order from work[newOff + u] on: its sure columns,
// and the tie columns ranked below `take` among the keys equal to T. No key is computed.
@compute @workgroup_size(WG)
fn grow_fill(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  let base = work[params.newOff + u];
  var g = growUnit(u);
  var eqSeen = work[params.eqOff + u];
  let take = work[TAKE];
  let m = maskAt(u);
  var n = base;
  for (var w = 0u; w < 2u; w++) {
    let sure = work[m + w];
    var bits = sure | work[m + 2u + w];
    while (bits != 0u) {
      let j = countTrailingZeros(bits);
      bits &= bits - 1u;
      var chosen = ((sure >> j) & 1u) != 0u;
      if (!chosen) {
        chosen = eqSeen < take;
        eqSeen += 1u;
      }
      if (chosen) {
        let c = g.c0 + 32u * w + j;
        while (g.entry < g.rowEnd && colIdx[g.entry] < c) {
          g.entry += 1u;
        }
        // A kept entry keeps its value; a new position (or a dropped one grown again) starts at 0.
        let stored = g.entry < g.rowEnd && colIdx[g.entry] == c && keep[g.entry] != 0u;
        out[n] = c;
        out[params.nnz + n] = select(GROWN, g.entry, stored);
        n += 1u;
      }
    }
  }
  if (u % params.segments == 0u) {
    out[2u * params.nnz + u / params.segments] = base;
  }
  if (u + 1u == params.rows * params.segments) {
    out[2u * params.nnz + params.rows] = params.nnz;
  }
}
