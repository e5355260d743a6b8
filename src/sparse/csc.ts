/**
 * The pattern of Wᵀ (equivalently W in CSC form) for backward passes. Wᵀ shares W's value array
 * through `perm` instead of holding a reordered copy, so an optimizer step that updates W.values
 * is seen by both without a sync.
 */

import { type CsrStructure, validateCsrStructure } from './csr.js';

/** CSR pattern of Wᵀ: rows = W.cols, cols = W.rows; rowPtr is W's column pointer, colIdx W's row indices. */
export interface TransposedStructure extends CsrStructure {
  /** Wᵀ.values[t] = W.values[perm[t]]: the t-th stored entry of Wᵀ is W's entry perm[t]. */
  perm: Uint32Array;
}

/**
 * Counting sort of W's entries by column. Rows are visited in increasing order, so the row indices
 * within each column come out sorted. Accepts its own output: transposing twice gives W's pattern
 * back, with the second perm inverting the first.
 */
export function transposeStructure(w: CsrStructure): TransposedStructure {
  validateCsrStructure(w, 'w');
  const nnz = w.colIdx.length;
  const rowPtr = new Uint32Array(w.cols + 1);
  for (let k = 0; k < nnz; k++) rowPtr[w.colIdx[k] + 1]++;
  for (let c = 0; c < w.cols; c++) rowPtr[c + 1] += rowPtr[c];

  const nextSlot = rowPtr.slice(0, w.cols);
  const colIdx = new Uint32Array(nnz);
  const perm = new Uint32Array(nnz);
  for (let r = 0; r < w.rows; r++) {
    for (let k = w.rowPtr[r]; k < w.rowPtr[r + 1]; k++) {
      const t = nextSlot[w.colIdx[k]]++;
      colIdx[t] = r;
      perm[t] = k;
    }
  }
  return { rows: w.cols, cols: w.rows, rowPtr, colIdx, perm };
}
