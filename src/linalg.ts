/** Small float64 dense linear algebra: Gram matrices, symmetric eigenvalues (Jacobi), singular values. */

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
