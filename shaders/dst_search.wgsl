// The column search of the mask update's passes over positions (dst_select's grow walks, dst_set's
// candidate test; src/kernels/dst.ts composes this part in front of them, which declare the
// pattern's `rowPtr` and `colIdx`): the first entry of row r at or after column c, by binary
// search of the row's increasing columns; rowPtr[r + 1] when there is none.

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
