/** Small float64 linear algebra for the EOI tests: dense views of CSR, Gram matrices, Jacobi eigenvalues. */

import type { CsrMatrix } from '../../src/sparse/csr.js';

/** Row-major rows x cols float64 copy of a CSR matrix. */
export function csrToDense64(w: CsrMatrix): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    for (let p = w.rowPtr[r]!; p < w.rowPtr[r + 1]!; p++) out[r * w.cols + w.colIdx[p]!] = w.values[p]!;
  }
  return out;
}

/** Gram matrix of the short side: W·Wᵀ (rows <= cols) or Wᵀ·W (rows > cols), n x n row-major. */
export function shortSideGram(w: Float64Array, rows: number, cols: number): { n: number; g: Float64Array } {
  const wide = rows <= cols;
  const n = wide ? rows : cols;
  const len = wide ? cols : rows;
  const at = (a: number, k: number) => (wide ? w[a * cols + k]! : w[k * cols + a]!);
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let sum = 0;
      for (let k = 0; k < len; k++) sum += at(a, k) * at(b, k);
      g[a * n + b] = sum;
      g[b * n + a] = sum;
    }
  }
  return { n, g };
}

/** max |G − s·I| over all entries. */
export function maxDeviationFromScaledIdentity(g: Float64Array, n: number, s: number): number {
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) worst = Math.max(worst, Math.abs(g[a * n + b]! - (a === b ? s : 0)));
  }
  return worst;
}

/** Eigenvalues of a symmetric n x n matrix by cyclic Jacobi rotations (float64), ascending. */
export function symmetricEigenvalues(input: Float64Array, n: number): number[] {
  const a = Float64Array.from(input);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, k) => a[k * n + k]!).sort((x, y) => x - y);
}

/** Singular values of a rows x cols matrix: square roots of the short-side Gram's eigenvalues. */
export function singularValues(w: Float64Array, rows: number, cols: number): number[] {
  const { n, g } = shortSideGram(w, rows, cols);
  return symmetricEigenvalues(g, n).map((e) => Math.sqrt(Math.max(e, 0)));
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
