/**
 * CPU reference computations that the GPU kernels are tested against. Every result is a
 * Float64Array accumulated in float64 from the inputs as given, so it sits far closer to the exact
 * product than any float32 kernel can (compare at a relative tolerance around 1e-4, as Sputnik does).
 * Row-major throughout: X is batch x in (in = w.cols), Y and dY are batch x out (out = w.rows).
 */

import type { MatmulDims } from '../kernels/matmul.js';
import { checkLength, checkNumberArray, checkObject, checkPositiveInt } from '../validate.js';
import { type BsrMatrix, forEachBlockElement, validateBsr } from './bsr.js';
import { type CsrMatrix, validateCsr } from './csr.js';

/**
 * A sparse matrix as the list of its stored in-pattern elements, whatever the format:
 * element t sits at (row[t], col[t]) and holds values[slot[t]].
 */
interface StoredElements {
  rows: number;
  cols: number;
  row: number[];
  col: number[];
  slot: number[];
  values: Float32Array;
}

function csrElements(w: CsrMatrix): StoredElements {
  validateCsr(w, 'w');
  const elements: StoredElements = { rows: w.rows, cols: w.cols, row: [], col: [], slot: [], values: w.values };
  for (let r = 0; r < w.rows; r++) {
    for (let k = w.rowPtr[r]; k < w.rowPtr[r + 1]; k++) {
      elements.row.push(r);
      elements.col.push(w.colIdx[k]);
      elements.slot.push(k);
    }
  }
  return elements;
}

/** In-range elements of the stored blocks that elementMask (if any) keeps. */
function bsrElements(w: BsrMatrix): StoredElements {
  validateBsr(w, 'w');
  const elements: StoredElements = { rows: w.rows, cols: w.cols, row: [], col: [], slot: [], values: w.values };
  forEachBlockElement(w, (offset, row, col) => {
    if (row >= w.rows || col >= w.cols || (w.elementMask && w.elementMask[offset] === 0)) return;
    elements.row.push(row);
    elements.col.push(col);
    elements.slot.push(offset);
  });
  return elements;
}

/** A batch-major activation of `batch` x `width`, named in errors as `name` with `widthName`. */
function checkActivation(
  name: string,
  value: unknown,
  batch: number,
  width: number,
  widthName: string,
): ArrayLike<number> {
  const array = checkNumberArray(name, value);
  checkLength(name, array, batch * width, `batch*${widthName}`);
  return array;
}

function forward(w: StoredElements, x: ArrayLike<number>, batch: number, bias?: ArrayLike<number>): Float64Array {
  checkPositiveInt('batch', batch);
  checkActivation('x', x, batch, w.cols, 'w.cols');
  const y = new Float64Array(batch * w.rows);
  if (bias !== undefined) {
    checkLength('bias', checkNumberArray('bias', bias), w.rows, 'w.rows');
    for (let b = 0; b < batch; b++) for (let r = 0; r < w.rows; r++) y[b * w.rows + r] = bias[r];
  }
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < w.row.length; t++) y[b * w.rows + w.row[t]] += w.values[w.slot[t]] * x[b * w.cols + w.col[t]];
  }
  return y;
}

function backwardData(w: StoredElements, dy: ArrayLike<number>, batch: number): Float64Array {
  checkPositiveInt('batch', batch);
  checkActivation('dy', dy, batch, w.rows, 'w.rows');
  const dx = new Float64Array(batch * w.cols);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < w.row.length; t++) dx[b * w.cols + w.col[t]] += w.values[w.slot[t]] * dy[b * w.rows + w.row[t]];
  }
  return dx;
}

/** One gradient per slot of w.values; slots outside the pattern (BSR padding, masked-out) stay 0. */
function sddmm(w: StoredElements, dy: ArrayLike<number>, x: ArrayLike<number>, batch: number): Float64Array {
  checkPositiveInt('batch', batch);
  checkActivation('dy', dy, batch, w.rows, 'w.rows');
  checkActivation('x', x, batch, w.cols, 'w.cols');
  const dw = new Float64Array(w.values.length);
  for (let t = 0; t < w.row.length; t++) {
    let sum = 0;
    for (let b = 0; b < batch; b++) sum += dy[b * w.rows + w.row[t]] * x[b * w.cols + w.col[t]];
    dw[w.slot[t]] = sum;
  }
  return dw;
}

/** Y = X·Wᵀ (+ bias per output feature): batch x w.rows. */
export function spmmForwardRef(
  w: CsrMatrix,
  x: ArrayLike<number>,
  batch: number,
  bias?: ArrayLike<number>,
): Float64Array {
  return forward(csrElements(w), x, batch, bias);
}

/** dX = dY·W: batch x w.cols. */
export function spmmBackwardDataRef(w: CsrMatrix, dy: ArrayLike<number>, batch: number): Float64Array {
  return backwardData(csrElements(w), dy, batch);
}

/** dW at the stored entries, in w.values order: dW[k] = (dYᵀ·X)[r][c] for entry k at (r, c). */
export function sddmmRef(w: CsrMatrix, dy: ArrayLike<number>, x: ArrayLike<number>, batch: number): Float64Array {
  return sddmm(csrElements(w), dy, x, batch);
}

/** Y = X·Wᵀ (+ bias) for a BSR weight: batch x w.rows. */
export function bsrForwardRef(
  w: BsrMatrix,
  x: ArrayLike<number>,
  batch: number,
  bias?: ArrayLike<number>,
): Float64Array {
  return forward(bsrElements(w), x, batch, bias);
}

/** dX = dY·W for a BSR weight: batch x w.cols. */
export function bsrBackwardDataRef(w: BsrMatrix, dy: ArrayLike<number>, batch: number): Float64Array {
  return backwardData(bsrElements(w), dy, batch);
}

/**
 * dW for a BSR weight, one value per element of w.values (same layout): (dYᵀ·X)[r][c] for every
 * in-range element of a stored block, 0 in the padding and where elementMask is 0 (so that training
 * keeps masked-out elements exactly zero; see BsrMatrix).
 */
export function bsrSddmmRef(w: BsrMatrix, dy: ArrayLike<number>, x: ArrayLike<number>, batch: number): Float64Array {
  return sddmm(bsrElements(w), dy, x, batch);
}

/** Bias gradient: column sums of dY (batch x outFeatures), length outFeatures. */
export function biasGradRef(dy: ArrayLike<number>, batch: number, outFeatures: number): Float64Array {
  checkPositiveInt('batch', batch);
  checkPositiveInt('outFeatures', outFeatures);
  checkActivation('dy', dy, batch, outFeatures, 'outFeatures');
  const db = new Float64Array(outFeatures);
  for (let b = 0; b < batch; b++) for (let o = 0; o < outFeatures; o++) db[o] += dy[b * outFeatures + o];
  return db;
}

/** Dimensions of a dense product, as the public matmul takes them. */
function checkOptionalBoolean(name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
  }
  return value === true;
}

/**
 * C = op(A)·op(B) (+ bias[j] on every row), m x n. op(A) is m x k (A is stored k x m when
 * transposeA); op(B) is k x n (B is stored n x k when transposeB). All row-major.
 */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dims: MatmulDims,
  bias?: ArrayLike<number>,
): Float64Array {
  const fields = checkObject('dims', dims, 'a { m, k, n }');
  const m = checkPositiveInt('dims.m', fields.m);
  const k = checkPositiveInt('dims.k', fields.k);
  const n = checkPositiveInt('dims.n', fields.n);
  const transposeA = checkOptionalBoolean('dims.transposeA', fields.transposeA);
  const transposeB = checkOptionalBoolean('dims.transposeB', fields.transposeB);
  checkLength('a', checkNumberArray('a', a), m * k, 'm*k');
  checkLength('b', checkNumberArray('b', b), k * n, 'k*n');
  if (bias !== undefined) checkLength('bias', checkNumberArray('bias', bias), n, 'n');
  const aAt = transposeA ? (i: number, p: number) => a[p * m + i] : (i: number, p: number) => a[i * k + p];
  const bAt = transposeB ? (p: number, j: number) => b[j * k + p] : (p: number, j: number) => b[p * n + j];
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias === undefined ? 0 : bias[j];
      for (let p = 0; p < k; p++) sum += aAt(i, p) * bAt(p, j);
      c[i * n + j] = sum;
    }
  }
  return c;
}
