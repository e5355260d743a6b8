// How the mask update's passes over positions find the stored entries (dst_select's grow walks,
// dst_grow's candidate tests and walk; src/kernels/dst.ts composes this part in front of them,
// which declare the pattern's `rowPtr`, `colIdx`, the drop's `keep` flags and params.segments):
//  - firstAtOrAfter: the first entry of row r at or after column c, by binary search of the row's
//    increasing columns; rowPtr[r + 1] when there is none;
//  - the walk of a grow unit: row u / segments, columns [(u % segments)·UNIT, ...), stepping an
//    entry cursor along the row beside the column (UNIT <= 64: the walks' column masks are two words).

override UNIT: u32 = 64;

fn firstAtOrAfter(r: u32, c: u32) -> u32 {
  var lo = rowPtr[r];
  var hi = rowPtr[r + 1u];
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (colIdx[mid] < c) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return lo;
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
  return GrowUnit(row, c0, c1, firstAtOrAfter(row, c0), rowPtr[row + 1u]);
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

// Whether flat position p = r·cols + c holds no kept entry (a dropped entry's position is free).
fn isFree(p: u32) -> bool {
  let r = p / params.cols;
  let c = p % params.cols;
  let e = firstAtOrAfter(r, c);
  return !(e < rowPtr[r + 1u] && colIdx[e] == c && keep[e] != 0u);
}
