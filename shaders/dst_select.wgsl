// Dynamic sparse training: the selection half of one mask update of a CSR layer W (rows x cols,
// nnz stored entries, colIdx increasing within each row, flat position p = r·cols + c).
//
// Two domains, each walked in units of at most UNIT consecutive elements in flat order, one
// invocation per unit (so per-unit counts, once scanned, rank elements in flat order):
//  - drop: the stored entries e (entry order is flat order); unit u = entries [u·UNIT, ...).
//    key(e) = ~bits(|values[e]|): the largest keys are the smallest magnitudes.
//  - grow: every position; unit u = row u / segments, columns [(u % segments)·UNIT, ...). A position
//    is a candidate unless it holds an entry that is kept (keep[e] = 1). key(p) = a PCG hash of
//    (salt, p) (SET: a uniformly random order), or bits(|scores|) of the dense gradient of rows
//    [chunkRow0, ...) held in `scores` (RigL).
// Both select the k largest keys, ties to the lower flat index, by a two-digit radix select:
// `hist` counts the high 16 bits of the keys, `pick` finds the digit holding the k-th key (and
// clears the histogram), the low 16 bits of the keys under that prefix are counted and picked the
// same way, giving the threshold T and `take`, how many keys equal to T are selected. Then
// `*_count` writes per unit the number of keys equal to T (work[eqOff + u]), the host scans them,
// and an element is selected when key > T, or key == T and (its rank among keys == T) < take.
// Drop writes keep[e]. Grow counts the new entries per unit (kept + grown, work[newOff + u]), the
// host scans those, and `grow_fill` writes the new CSR: colIdx and src (old entry, or 0xffffffff
// for a grown position) at out[0..nnz) and out[nnz..2·nnz), row starts at out[2·nnz..).
// work[0..4) holds the selection state: need, prefix, T, take. Counts are atomics on integers, so
// the result does not depend on the order invocations run in.

override WG: u32 = 64;
override UNIT: u32 = 64;

struct Params {
  rows: u32,
  cols: u32,
  nnz: u32,
  segments: u32,
  unitBegin: u32,
  unitEnd: u32,
  chunkRow0: u32,
  salt: u32,
  rigl: u32,
  low: u32,
  k: u32,
  eqOff: u32,
  newOff: u32,
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

const NEED = 0u;
const PREFIX = 1u;
const THRESHOLD = 2u;
const TAKE = 3u;
const GROWN = 0xffffffffu;

fn pcg(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn unitIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return params.unitBegin + (wid.x + wid.y * nwg.x) * WG + lid;
}

fn dropKey(e: u32) -> u32 {
  return ~bitcast<u32>(abs(values[e]));
}

fn growKey(r: u32, c: u32) -> u32 {
  if (params.rigl != 0u) {
    return bitcast<u32>(abs(scores[(r - params.chunkRow0) * params.cols + c]));
  }
  return pcg(pcg(r * params.cols + c) ^ params.salt);
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

// A grow unit's row, its columns, and the first entry of the row at or after its first column.
struct GrowUnit {
  row: u32,
  c0: u32,
  c1: u32,
  entry: u32,
  rowEnd: u32,
}

fn growUnit(u: u32) -> GrowUnit {
  let row = u / params.segments;
  let c0 = (u % params.segments) * UNIT;
  let c1 = min(params.cols, c0 + UNIT);
  var lo = rowPtr[row];
  var hi = rowPtr[row + 1u];
  let rowEnd = hi;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (colIdx[mid] < c0) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return GrowUnit(row, c0, c1, lo, rowEnd);
}

// At column c of the walk: advances `entry` past earlier columns; 0 = empty, 1 = kept entry, 2 = dropped entry.
fn storedState(g: ptr<function, GrowUnit>, c: u32) -> u32 {
  if ((*g).entry < (*g).rowEnd && colIdx[(*g).entry] == c) {
    let e = (*g).entry;
    (*g).entry += 1u;
    return select(2u, 1u, keep[e] != 0u);
  }
  return 0u;
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

@compute @workgroup_size(WG)
fn grow_count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  var g = growUnit(u);
  var eq = 0u;
  for (var c = g.c0; c < g.c1; c++) {
    if (storedState(&g, c) != 1u) {
      eq += select(0u, 1u, growKey(g.row, c) == work[THRESHOLD]);
    }
  }
  work[params.eqOff + u] = eq;
}

// Walks a grow unit in column order; with `emit`, stores the new entries from `base` on.
fn growWalk(u: u32, emit: bool, base: u32) -> u32 {
  var g = growUnit(u);
  var eqSeen = work[params.eqOff + u];
  var n = 0u;
  for (var c = g.c0; c < g.c1; c++) {
    let entry = g.entry;
    let state = storedState(&g, c);
    var src = entry;
    var chosen = state == 1u;
    if (state != 1u) {
      let key = growKey(g.row, c);
      chosen = selected(key, eqSeen);
      eqSeen += select(0u, 1u, key == work[THRESHOLD]);
      src = GROWN;
    }
    if (chosen) {
      if (emit) {
        out[base + n] = c;
        out[params.nnz + base + n] = src;
      }
      n += 1u;
    }
  }
  return n;
}

@compute @workgroup_size(WG)
fn grow_new(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  work[params.newOff + u] = growWalk(u, false, 0u);
}

@compute @workgroup_size(WG)
fn grow_fill(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let u = unitIndex(wid, nwg, lid);
  if (u >= params.unitEnd) {
    return;
  }
  let base = work[params.newOff + u];
  growWalk(u, true, base);
  if (u % params.segments == 0u) {
    out[2u * params.nnz + u / params.segments] = base;
  }
  if (u + 1u == params.rows * params.segments) {
    out[2u * params.nnz + params.rows] = params.nnz;
  }
}

var<workgroup> partial: array<u32, 256>;

// One workgroup of 256: finds the digit d holding the need-th largest key (counting from the top),
// records it, and clears the histogram for the next pass.
@compute @workgroup_size(256)
fn pick(@builtin(local_invocation_index) lid: u32) {
  var sum = 0u;
  for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
    sum += atomicLoad(&hist[b]);
  }
  partial[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    var need = select(params.k, work[NEED], params.low != 0u);
    var span = 255u;
    loop {
      if (partial[span] >= need || span == 0u) {
        break;
      }
      need -= partial[span];
      span -= 1u;
    }
    var d = span * 256u + 255u;
    loop {
      let n = atomicLoad(&hist[d]);
      if (n >= need || d == span * 256u) {
        break;
      }
      need -= n;
      d -= 1u;
    }
    if (params.low == 0u) {
      work[PREFIX] = d << 16u;
      work[NEED] = need;
    } else {
      work[THRESHOLD] = work[PREFIX] | d;
      work[TAKE] = need;
    }
  }
  workgroupBarrier();
  for (var b = lid * 256u; b < lid * 256u + 256u; b++) {
    atomicStore(&hist[b], 0u);
  }
}
