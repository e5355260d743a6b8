/**
 * Turns an EOI result into the CsrMatrix of W, with the pattern taken from the sampler's structural
 * mask (never from the values, which may cancel to 0 and still belong to the mask). The CPU path
 * (eoi.ts) and the GPU path both go through here, so for one sample they emit the identical mask.
 */

import type { CsrMatrix } from '../sparse/csr.js';
import { checkLength } from '../validate.js';
import type { EoiSample } from './sampler.js';

/**
 * CSR of W = A (rows <= cols) or W = Aᵀ (rows > cols), where A is the sample's m x M matrix.
 * `valueAt(aRow, aCol)` gives A[aRow][aCol] (any scaling by the gain included) for every position in
 * the mask; the result is rounded to float32. Column indices are sorted within each row.
 */
export function eoiMaskToCsr(sample: EoiSample, valueAt: (aRow: number, aCol: number) => number): CsrMatrix {
  const { M, wordsPerColumn: W, columnMasks, columnCounts, nnz } = sample;
  const colIdx = new Uint32Array(nnz);
  const values = new Float32Array(nnz);

  if (sample.transposed) {
    // Row c of W is column c of A: the bitset, read in order, is the sorted column list.
    const rowPtr = new Uint32Array(M + 1);
    let k = 0;
    for (let c = 0; c < M; c++) {
      forEachSetBit(columnMasks, c * W, W, (r) => {
        colIdx[k] = r;
        values[k++] = valueAt(r, c);
      });
      rowPtr[c + 1] = k;
    }
    return { rows: sample.rows, cols: sample.cols, rowPtr, colIdx, values };
  }

  // Row r of W is row r of A: bucket the columns by row; visiting columns in increasing order keeps
  // every row's column list sorted.
  const m = sample.m;
  const rowPtr = new Uint32Array(m + 1);
  for (let c = 0; c < M; c++) forEachSetBit(columnMasks, c * W, W, (r) => rowPtr[r + 1]!++);
  for (let r = 0; r < m; r++) rowPtr[r + 1]! += rowPtr[r]!;
  const cursor = rowPtr.slice(0, m);
  for (let c = 0; c < M; c++) {
    if (columnCounts[c] === 0) continue;
    forEachSetBit(columnMasks, c * W, W, (r) => {
      const k = cursor[r]!++;
      colIdx[k] = c;
      values[k] = valueAt(r, c);
    });
  }
  return { rows: sample.rows, cols: sample.cols, rowPtr, colIdx, values };
}

/**
 * For the GPU path: `a` is the computed A = [I_m | 0]·G_1·G_2·… as a row-major m x M float32 array
 * (before any transpose); returns the CSR of W = gain·A (or gain·Aᵀ when sample.transposed) with
 * exactly the sample's structural mask.
 */
export function eoiCsrFromDense(sample: EoiSample, a: Float32Array, gain = 1): CsrMatrix {
  checkLength('a', a, sample.m * sample.M, 'the m x M matrix A, m = min(rows, cols), M = max(rows, cols)');
  const M = sample.M;
  return eoiMaskToCsr(sample, (r, c) => gain * a[r * M + c]!);
}

function forEachSetBit(words: Uint32Array, offset: number, count: number, visit: (bit: number) => void): void {
  for (let w = 0; w < count; w++) {
    let x = words[offset + w]!;
    while (x !== 0) {
      const low = x & -x;
      visit(w * 32 + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}
