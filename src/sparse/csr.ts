/** A sparse matrix in CSR form, row-major, column indices sorted within each row (../shared/API.md). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** length rows + 1, non-decreasing, rowPtr[0] = 0, rowPtr[rows] = nnz */
  rowPtr: Uint32Array;
  /** length nnz, each in [0, cols), strictly increasing within a row */
  colIdx: Uint32Array;
  /** length nnz */
  values: Float32Array;
}
