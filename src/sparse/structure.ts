/**
 * The compressed-row layout shared by CSR (over elements) and BSR (over blocks): a rowPtr of
 * row starts and the sorted column index of each stored item.
 */

import type { Rng } from '../random.js';
import { checkLength, checkNumberInRange, checkPositiveInt, checkTypedArray } from '../validate.js';

/** Largest row/column count: indices are stored as uint32. */
export const MAX_DIM = 0xffffffff;

/** Checks the `rows` and `cols` arguments and returns the element count rows·cols. */
export function checkShape(rows: number, cols: number): number {
  checkPositiveInt('rows', rows, MAX_DIM);
  checkPositiveInt('cols', cols, MAX_DIM);
  return rows * cols;
}

/** A compressed-row pattern without its shape: row starts and each stored item's column. */
export interface CompressedPattern {
  rowPtr: Uint32Array;
  colIdx: Uint32Array;
}

/** How messages name the two axes and one line of a compressed layout ('rows'/'cols'/'row'). */
export interface AxisNames {
  rows: string;
  cols: string;
  row: string;
}

/**
 * Checks rowPtr/colIdx of a `rows` x `cols` compressed layout (dimensions already checked) and
 * returns the number of stored items.
 */
export function validateCompressedStructure(
  name: string,
  rowPtrValue: unknown,
  colIdxValue: unknown,
  rows: number,
  cols: number,
  axes: AxisNames,
): number {
  const rowPtr = checkTypedArray(`${name}.rowPtr`, rowPtrValue, Uint32Array);
  const colIdx = checkTypedArray(`${name}.colIdx`, colIdxValue, Uint32Array);
  checkLength(`${name}.rowPtr`, rowPtr, rows + 1, `${name}.${axes.rows} + 1`);
  checkRowStarts(`${name}.rowPtr`, rowPtr);
  const count = rowPtr[rows];
  checkLength(`${name}.colIdx`, colIdx, count, `${name}.rowPtr[${axes.rows}]`);
  for (let r = 0; r < rows; r++) {
    for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
      const c = colIdx[k];
      if (c >= cols) throw new RangeError(`${name}.colIdx[${k}] = ${c} must be < ${axes.cols} (${cols})`);
      if (k > rowPtr[r] && c <= colIdx[k - 1]) {
        throw new RangeError(
          `${name}.colIdx must be strictly increasing within each ${axes.row}, but ${axes.row} ${r} has ` +
            `${name}.colIdx[${k}] = ${c} after ${name}.colIdx[${k - 1}] = ${colIdx[k - 1]}`,
        );
      }
    }
  }
  return count;
}

/** rowPtr (named `name`, of length checked) starts at 0 and never decreases. */
export function checkRowStarts(name: string, rowPtr: Uint32Array): void {
  if (rowPtr[0] !== 0) throw new RangeError(`${name}[0] must be 0, got ${rowPtr[0]}`);
  for (let r = 0; r + 1 < rowPtr.length; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) {
      throw new RangeError(
        `${name} must be non-decreasing, but ${name}[${r + 1}] = ${rowPtr[r + 1]} < ${name}[${r}] = ${rowPtr[r]}`,
      );
    }
  }
}

/** Stored items per row (rowPtr already validated). */
export function rowLengths(rowPtr: Uint32Array): Uint32Array {
  const lengths = new Uint32Array(rowPtr.length - 1);
  for (let r = 0; r < lengths.length; r++) lengths[r] = rowPtr[r + 1] - rowPtr[r];
  return lengths;
}

/** rowPtr/colIdx of the row-major linear `positions` (ascending, each < rows*cols). */
export function compressPositions(
  positions: ArrayLike<number>,
  rows: number,
  cols: number,
): CompressedPattern {
  const rowPtr = new Uint32Array(rows + 1);
  const colIdx = new Uint32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    const r = Math.floor(p / cols);
    colIdx[k] = p - r * cols;
    rowPtr[r + 1]++;
  }
  for (let r = 0; r < rows; r++) rowPtr[r + 1] += rowPtr[r];
  return { rowPtr, colIdx };
}

/** Ascending row-major positions i in [0, total) where `isStored(i)`. */
export function positionsWhere(total: number, isStored: (i: number) => boolean): number[] {
  const positions: number[] = [];
  for (let i = 0; i < total; i++) if (isStored(i)) positions.push(i);
  return positions;
}

/**
 * Exactly `count` of the positions [0, total), every subset equally likely, in ascending order.
 * Selection sampling (Knuth's Algorithm S): position i is taken with probability
 * still-needed / still-left, so the output comes out sorted (ready for CSR) in O(total) time
 * and O(count) memory, with no total-sized scratch array.
 */
export function sampleSortedPositions(rng: Rng, total: number, count: number): Float64Array {
  const positions = new Float64Array(count);
  let taken = 0;
  for (let i = 0; i < total && taken < count; i++) {
    // When still-needed equals still-left the test is always true (nextFloat < 1), so exactly `count` are taken.
    if ((total - i) * rng.nextFloat() < count - taken) positions[taken++] = i;
  }
  return positions;
}

/**
 * values[k] = float32(source[positions[k]]); a value that is not finite in float32 (NaN, ±Infinity,
 * or beyond float32's range) is refused rather than stored.
 */
export function gatherFloat32(name: string, source: ArrayLike<number>, positions: ArrayLike<number>): Float32Array {
  const values = new Float32Array(positions.length);
  for (let k = 0; k < positions.length; k++) {
    const p = positions[k];
    values[k] = source[p];
    if (!Number.isFinite(values[k])) {
      throw new RangeError(`${name}[${p}] = ${source[p]} must be finite in float32 (|x| <= 3.4028234663852886e38)`);
    }
  }
  return values;
}

/** count standard-normal samples times `scale`, as float32. */
export function normalValues(rng: Rng, count: number, scale: number): Float32Array {
  const values = new Float32Array(count);
  for (let k = 0; k < count; k++) values[k] = rng.nextNormal() * scale;
  return values;
}

/** Options of the random constructors. */
export interface RandomValueOptions {
  /** Standard deviation of the normal values; default 1. */
  valueScale?: number;
}

/** The checked valueScale (capped so normal samples stay far inside float32's range). */
export function readValueScale(opts: RandomValueOptions): number {
  return opts.valueScale === undefined ? 1 : checkNumberInRange('opts.valueScale', opts.valueScale, 0, 1e30, true);
}
