import { Rng } from '../random.js';
import {
  checkFiniteElements,
  checkLength,
  checkNonNegativeInt,
  checkNumberArray,
  checkNumberInRange,
  checkObject,
  checkPositiveInt,
  checkTypedArray,
} from '../validate.js';
import {
  type AxisNames,
  checkShape,
  compressPositions,
  gatherFloat32,
  MAX_DIM,
  normalValues,
  positionsWhere,
  type RandomValueOptions,
  readValueScale,
  rowLengths,
  sampleSortedPositions,
  validateCompressedStructure,
} from './structure.js';

/** A sparse matrix in CSR form, row-major, column indices sorted within each row (part of the public API). */
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

/** The sparsity pattern of a CSR matrix without its values: all that transposes and swizzles read. */
export type CsrStructure = Omit<CsrMatrix, 'values'>;

const CSR_AXES: AxisNames = { rows: 'rows', cols: 'cols', row: 'row' };

/** Checks an untrusted CSR pattern: shape, rowPtr and colIdx (every rule of CsrMatrix except values). */
export function validateCsrStructure(m: unknown, name = 'w'): asserts m is CsrStructure {
  const fields = checkObject(name, m, 'a CSR matrix');
  const rows = checkPositiveInt(`${name}.rows`, fields.rows, MAX_DIM);
  const cols = checkPositiveInt(`${name}.cols`, fields.cols, MAX_DIM);
  validateCompressedStructure(name, fields.rowPtr, fields.colIdx, rows, cols, CSR_AXES);
}

/**
 * Checks an untrusted CsrMatrix: positive integer shape; rowPtr a Uint32Array of length rows + 1,
 * starting at 0, non-decreasing, ending at nnz; colIdx a Uint32Array of nnz entries, each < cols and
 * strictly increasing within a row; values a Float32Array of nnz finite numbers.
 * Throws a TypeError or RangeError naming the field and the allowed range.
 */
export function validateCsr(m: unknown, name = 'w'): asserts m is CsrMatrix {
  validateCsrStructure(m, name);
  const values = checkTypedArray(`${name}.values`, (m as unknown as Record<string, unknown>).values, Float32Array);
  checkLength(`${name}.values`, values, m.colIdx.length, `${name}.rowPtr[rows]`);
  checkFiniteElements(`${name}.values`, values);
}

/**
 * CSR of a dense row-major rows x cols matrix, storing its nonzeros (every element with
 * `keepZeros`, e.g. to train a dense layer through the sparse path).
 */
export function csrFromDense(
  dense: ArrayLike<number>,
  rows: number,
  cols: number,
  opts: { keepZeros?: boolean } = {},
): CsrMatrix {
  const total = checkShape(rows, cols);
  checkLength('dense', checkNumberArray('dense', dense), total, 'rows*cols');
  const positions = opts.keepZeros ? positionsWhere(total, () => true) : positionsWhere(total, (i) => dense[i] !== 0);
  return { rows, cols, ...compressPositions(positions, rows, cols), values: gatherFloat32('dense', dense, positions) };
}

/** A mask as given: a Uint8Array of 0/1 or an array of booleans; anything else is refused, not coerced. */
function checkMask(mask: unknown, total: number): (i: number) => boolean {
  if (Array.isArray(mask)) {
    checkLength('mask', mask, total, 'rows*cols');
    // A for loop, not forEach, so holes in a sparse array are refused too.
    for (let i = 0; i < total; i++) {
      if (typeof mask[i] !== 'boolean') throw new TypeError(`mask[${i}] must be a boolean, got ${String(mask[i])}`);
    }
    return (i) => mask[i] as boolean;
  }
  const bytes = checkTypedArray('mask', mask, Uint8Array);
  checkLength('mask', bytes, total, 'rows*cols');
  bytes.forEach((entry, i) => {
    if (entry > 1) throw new RangeError(`mask[${i}] = ${entry} must be 0 or 1`);
  });
  return (i) => bytes[i] === 1;
}

/**
 * CSR with the pattern of a row-major rows x cols mask. `values`, if given, is a dense rows x cols
 * array read at the masked positions only; without it the stored values are zeros.
 */
export function csrFromMask(
  mask: Uint8Array | boolean[],
  rows: number,
  cols: number,
  values?: ArrayLike<number>,
): CsrMatrix {
  const total = checkShape(rows, cols);
  const positions = positionsWhere(total, checkMask(mask, total));
  if (values !== undefined) checkLength('values', checkNumberArray('values', values), total, 'rows*cols');
  return {
    rows,
    cols,
    ...compressPositions(positions, rows, cols),
    values: values === undefined ? new Float32Array(positions.length) : gatherFloat32('values', values, positions),
  };
}

/** The dense rows x cols row-major matrix (zeros where nothing is stored). */
export function csrToDense(m: CsrMatrix): Float32Array {
  validateCsr(m, 'm');
  const dense = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) dense[r * m.cols + m.colIdx[k]] = m.values[k];
  }
  return dense;
}

/**
 * A random-uniform mask: exactly round(density·rows·cols) positions, every such set equally likely,
 * with normal values of standard deviation `valueScale`. density may be 0 (an empty matrix).
 * O(rows·cols) time, O(nnz) memory; the same arguments give the same matrix everywhere.
 */
export function randomCsr(
  rows: number,
  cols: number,
  density: number,
  seed: number,
  opts: RandomValueOptions = {},
): CsrMatrix {
  const total = checkShape(rows, cols);
  checkNumberInRange('density', density, 0, 1);
  checkNonNegativeInt('seed', seed);
  const valueScale = readValueScale(opts);
  const rng = new Rng(seed);
  const positions = sampleSortedPositions(rng, total, Math.round(density * total));
  const values = normalValues(rng, positions.length, valueScale);
  return { rows, cols, ...compressPositions(positions, rows, cols), values };
}

/** Number of stored entries. */
export function csrNnz(m: CsrMatrix): number {
  validateCsr(m, 'm');
  return m.rowPtr[m.rows];
}

/** Stored entries in each row (length rows). */
export function csrRowLengths(m: CsrMatrix): Uint32Array {
  validateCsr(m, 'm');
  return rowLengths(m.rowPtr);
}
