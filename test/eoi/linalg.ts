/** Small float64 linear algebra for the EOI tests: dense views of CSR, Gram matrices, Jacobi eigenvalues. */

import type { CsrMatrix } from '../../src/sparse/csr.js';

export { shortSideGram, singularValues, symmetricEigenvalues } from '../../src/linalg.js';

/** Row-major rows x cols float64 copy of a CSR matrix. */
export function csrToDense64(w: CsrMatrix): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    for (let p = w.rowPtr[r]!; p < w.rowPtr[r + 1]!; p++) out[r * w.cols + w.colIdx[p]!] = w.values[p]!;
  }
  return out;
}

/** max |G − s·I| over all entries. */
export function maxDeviationFromScaledIdentity(g: Float64Array, n: number, s: number): number {
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) worst = Math.max(worst, Math.abs(g[a * n + b]! - (a === b ? s : 0)));
  }
  return worst;
}

/** Throws unless `w` is well-formed CSR with strictly increasing column indices in every row. */
export function checkCsrWellFormed(w: CsrMatrix): void {
  if (w.rowPtr.length !== w.rows + 1 || w.rowPtr[0] !== 0) throw new Error('bad rowPtr');
  if (w.rowPtr[w.rows] !== w.colIdx.length || w.colIdx.length !== w.values.length) throw new Error('bad nnz');
  for (let r = 0; r < w.rows; r++) {
    for (let p = w.rowPtr[r]!; p < w.rowPtr[r + 1]!; p++) {
      if (w.colIdx[p]! >= w.cols) throw new Error(`column out of range in row ${r}`);
      if (p > w.rowPtr[r]! && w.colIdx[p]! <= w.colIdx[p - 1]!) throw new Error(`unsorted row ${r}`);
    }
  }
}
