/**
 * Block-sparse rows (BSR): the compressed-row layout of CSR over square blocks, each stored block
 * dense. Shapes need not divide the block size; the last block row/column is padded with zeros.
 */

import { Rng } from '../random.js';
import {
  checkFiniteElements,
  checkLength,
  checkNonNegativeInt,
  checkNumberInRange,
  checkObject,
  checkOneOf,
  checkPositiveInt,
  checkTypedArray,
} from '../validate.js';
import { type CsrMatrix, csrFromDense, csrFromMask, validateCsr } from './csr.js';
import {
  type AxisNames,
  checkShape,
  compressPositions,
  MAX_DIM,
  normalValues,
  type RandomValueOptions,
  readValueScale,
  sampleSortedPositions,
  validateCompressedStructure,
} from './structure.js';

/** Block sides a BSR matrix may use. */
export const BSR_BLOCK_SIZES = [4, 8, 16, 32] as const;
/** One of BSR_BLOCK_SIZES. */
export type BsrBlockSize = (typeof BSR_BLOCK_SIZES)[number];

/**
 * A layer's storage format, `value` absent meaning 'csr': 'csr', or { bsr: b } with b one of
 * `blockSizes` (a layer kind's own list). Throws a RangeError naming format and the allowed ones.
 */
export function checkStorageFormat<B extends number>(value: unknown, blockSizes: readonly B[]): 'csr' | { bsr: B } {
  if (value === undefined || value === 'csr') return 'csr';
  const bsr = typeof value === 'object' && value !== null ? (value as { bsr?: unknown }).bsr : undefined;
  if ((blockSizes as readonly unknown[]).includes(bsr)) return { bsr: bsr as B };
  throw new RangeError(`format must be 'csr' or { bsr: ${blockSizes.join(' | ')} }, got ${JSON.stringify(value)}`);
}

/**
 * A rows x cols matrix stored as blockSize x blockSize blocks.
 *
 * Masks that do not fill whole blocks: a stored block may hold elements outside the sparsity
 * pattern. `elementMask` marks which ones are in it, and such elements hold exactly 0. Training
 * keeps them 0 by masking the gradient: the SDDMM writes 0 where elementMask is 0 (as
 * bsrSddmmRef does), and an elementwise optimizer (SGD, momentum, Adam, weight decay) turns a
 * zero gradient on a zero weight with zero state into a zero update. elementMask is absent when
 * every in-range element of every stored block is in the pattern (block-aligned masks, dense
 * blocks, randomBsr), so those layers pay for no mask.
 */
export interface BsrMatrix {
  rows: number;
  cols: number;
  blockSize: BsrBlockSize;
  /** ceil(rows / blockSize) */
  blockRows: number;
  /** ceil(cols / blockSize) */
  blockCols: number;
  /** length blockRows + 1: the CSR rowPtr over blocks */
  rowPtr: Uint32Array;
  /** block column of each stored block, strictly increasing within a block row */
  colIdx: Uint32Array;
  /** nBlocks·blockSize², block after block, each row-major; positions past rows/cols are 0 */
  values: Float32Array;
  /** optional, same length as values: 1 where the element is in the sparsity pattern, else 0 */
  elementMask?: Uint8Array;
}

const BSR_AXES: AxisNames = { rows: 'blockRows', cols: 'blockCols', row: 'block row' };

function checkBlockSize(blockSize: unknown, name = 'blockSize'): BsrBlockSize {
  return checkOneOf(name, blockSize, BSR_BLOCK_SIZES);
}

/** A field that is fully determined by others (blockRows by rows and blockSize). */
function checkDerived(name: string, value: unknown, expected: number, formula: string): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${formula} = ${expected}, got ${String(value)}`);
  if (value !== expected) throw new RangeError(`${name} must be ${formula} = ${expected}, got ${value}`);
}

/**
 * Visits every position of every stored block, padding included: `offset` indexes values (and
 * elementMask); `row`, `col` are the element's coordinates in the padded matrix.
 */
export function forEachBlockElement(
  m: Pick<BsrMatrix, 'blockSize' | 'blockRows' | 'rowPtr' | 'colIdx'>,
  visit: (offset: number, row: number, col: number) => void,
): void {
  const b = m.blockSize;
  for (let br = 0; br < m.blockRows; br++) {
    for (let block = m.rowPtr[br]; block < m.rowPtr[br + 1]; block++) {
      const firstCol = m.colIdx[block] * b;
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < b; j++) visit(block * b * b + i * b + j, br * b + i, firstCol + j);
      }
    }
  }
}

/**
 * Checks an untrusted BsrMatrix: shape, blockSize in {4, 8, 16, 32}, blockRows/blockCols derived
 * from them, the CSR rules for rowPtr/colIdx over blocks, values a Float32Array of nBlocks·blockSize²
 * finite numbers that are 0 in the padding, and elementMask (if present) a Uint8Array of 0/1 of the
 * same length, 0 in the padding, with values 0 wherever it is 0.
 */
export function validateBsr(m: unknown, name = 'w'): asserts m is BsrMatrix {
  const fields = checkObject(name, m, 'a BSR matrix');
  const rows = checkPositiveInt(`${name}.rows`, fields.rows, MAX_DIM);
  const cols = checkPositiveInt(`${name}.cols`, fields.cols, MAX_DIM);
  const b = checkBlockSize(fields.blockSize, `${name}.blockSize`);
  const blockRows = Math.ceil(rows / b);
  const blockCols = Math.ceil(cols / b);
  checkDerived(`${name}.blockRows`, fields.blockRows, blockRows, `ceil(${name}.rows / ${name}.blockSize)`);
  checkDerived(`${name}.blockCols`, fields.blockCols, blockCols, `ceil(${name}.cols / ${name}.blockSize)`);
  const nBlocks = validateCompressedStructure(name, fields.rowPtr, fields.colIdx, blockRows, blockCols, BSR_AXES);
  const values = checkTypedArray(`${name}.values`, fields.values, Float32Array);
  checkLength(`${name}.values`, values, nBlocks * b * b, `${name}.rowPtr[blockRows] * blockSize^2`);
  checkFiniteElements(`${name}.values`, values);
  const elementMask =
    fields.elementMask === undefined
      ? undefined
      : checkTypedArray(`${name}.elementMask`, fields.elementMask, Uint8Array);
  if (elementMask) checkLength(`${name}.elementMask`, elementMask, values.length, `${name}.values.length`);

  forEachBlockElement(m as BsrMatrix, (offset, row, col) => {
    const isPadding = row >= rows || col >= cols;
    const where = `(row ${row}, col ${col}) lies in the padding beyond the ${rows} x ${cols} matrix`;
    if (isPadding && values[offset] !== 0) {
      throw new RangeError(`${name}.values[${offset}] = ${values[offset]} must be 0: ${where}`);
    }
    if (!elementMask) return;
    const inPattern = elementMask[offset];
    if (inPattern > 1) throw new RangeError(`${name}.elementMask[${offset}] = ${inPattern} must be 0 or 1`);
    if (inPattern === 1 && isPadding) throw new RangeError(`${name}.elementMask[${offset}] must be 0: ${where}`);
    if (inPattern === 0 && values[offset] !== 0) {
      throw new RangeError(
        `${name}.values[${offset}] = ${values[offset]} must be 0: ` +
          `${name}.elementMask[${offset}] = 0 puts it outside the pattern`,
      );
    }
  });
}

/**
 * BSR holding the entries of a validated CSR matrix: a block is stored when any entry falls in it.
 * With `elementwisePattern`, the CSR entries are the pattern, recorded in elementMask unless they
 * fill every stored block; without it, whole stored blocks are the pattern.
 */
function blocksFromCsr(m: CsrMatrix, blockSize: BsrBlockSize, elementwisePattern: boolean): BsrMatrix {
  const b = blockSize;
  const blockRows = Math.ceil(m.rows / b);
  const blockCols = Math.ceil(m.cols / b);
  // Rows (or columns) of block `index` inside a dimension of length `dim`: b except at a padded edge.
  const extent = (index: number, dim: number) => Math.min(b, dim - index * b);
  const rowEnd = (br: number) => br * b + extent(br, m.rows);

  // Pass 1: the sorted block columns each block row touches.
  const rowPtr = new Uint32Array(blockRows + 1);
  const blockColumns: number[] = [];
  const lastBlockRowSeen = new Float64Array(blockCols).fill(-1);
  for (let br = 0; br < blockRows; br++) {
    const touched: number[] = [];
    for (let r = br * b; r < rowEnd(br); r++) {
      for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) {
        const bc = Math.floor(m.colIdx[k] / b);
        if (lastBlockRowSeen[bc] !== br) {
          lastBlockRowSeen[bc] = br;
          touched.push(bc);
        }
      }
    }
    touched.sort((x, y) => x - y);
    for (const bc of touched) blockColumns.push(bc);
    rowPtr[br + 1] = blockColumns.length;
  }
  const colIdx = Uint32Array.from(blockColumns);

  // Pass 2: scatter each entry into its block.
  const values = new Float32Array(colIdx.length * b * b);
  const elementMask = new Uint8Array(values.length);
  const blockOfColumn = new Uint32Array(blockCols);
  let inRangeElements = 0;
  for (let br = 0; br < blockRows; br++) {
    for (let block = rowPtr[br]; block < rowPtr[br + 1]; block++) {
      blockOfColumn[colIdx[block]] = block;
      inRangeElements += extent(br, m.rows) * extent(colIdx[block], m.cols);
    }
    for (let r = br * b; r < rowEnd(br); r++) {
      for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) {
        const c = m.colIdx[k];
        const offset = blockOfColumn[Math.floor(c / b)] * b * b + (r - br * b) * b + (c % b);
        values[offset] = m.values[k];
        elementMask[offset] = 1;
      }
    }
  }
  const bsr: BsrMatrix = { rows: m.rows, cols: m.cols, blockSize, blockRows, blockCols, rowPtr, colIdx, values };
  // Each CSR entry marks one element, so the mask is all ones exactly when nnz covers every in-range element.
  if (elementwisePattern && m.colIdx.length < inRangeElements) bsr.elementMask = elementMask;
  return bsr;
}

/** BSR of a dense row-major matrix: the blocks holding any nonzero, stored whole (no elementMask). */
export function bsrFromDense(dense: ArrayLike<number>, rows: number, cols: number, blockSize: BsrBlockSize): BsrMatrix {
  const b = checkBlockSize(blockSize);
  return blocksFromCsr(csrFromDense(dense, rows, cols), b, false);
}

/**
 * BSR of a row-major element mask (as csrFromMask; `values` dense rows x cols, default zeros): a
 * block is stored if any of its elements is in the mask; elementMask keeps the rest at zero.
 */
export function bsrFromMask(
  mask: Uint8Array | boolean[],
  rows: number,
  cols: number,
  blockSize: BsrBlockSize,
  values?: ArrayLike<number>,
): BsrMatrix {
  const b = checkBlockSize(blockSize);
  return blocksFromCsr(csrFromMask(mask, rows, cols, values), b, true);
}

/** BSR of a CSR matrix: its stored entries (zeros included) are the pattern, as in bsrFromMask. */
export function bsrFromCsr(m: CsrMatrix, blockSize: BsrBlockSize): BsrMatrix {
  validateCsr(m, 'm');
  return blocksFromCsr(m, checkBlockSize(blockSize), true);
}

/**
 * The CSR matrix of a BSR matrix's pattern: every in-range element of every stored block (those
 * elementMask marks, when it has one), stored zeros included, row by row in column order. For a
 * block-structured matrix (no elementMask) bsrFromCsr gives back the same blocks.
 */
export function bsrToCsr(m: BsrMatrix): CsrMatrix {
  validateBsr(m, 'm');
  const b = m.blockSize;
  const rowPtr = new Uint32Array(m.rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const br = Math.floor(r / b);
    for (let block = m.rowPtr[br]; block < m.rowPtr[br + 1]; block++) {
      const offset = block * b * b + (r - br * b) * b;
      for (let j = 0; j < b && m.colIdx[block] * b + j < m.cols; j++) {
        if (m.elementMask && !m.elementMask[offset + j]) continue;
        colIdx.push(m.colIdx[block] * b + j);
        values.push(m.values[offset + j]);
      }
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows: m.rows, cols: m.cols, rowPtr, colIdx: Uint32Array.from(colIdx), values: Float32Array.from(values) };
}

/** The dense rows x cols row-major matrix, padding dropped. */
export function bsrToDense(m: BsrMatrix): Float32Array {
  validateBsr(m, 'm');
  const dense = new Float32Array(m.rows * m.cols);
  forEachBlockElement(m, (offset, row, col) => {
    if (row < m.rows && col < m.cols) dense[row * m.cols + col] = m.values[offset];
  });
  return dense;
}

/**
 * A random block mask: exactly round(density·blockRows·blockCols) blocks, every such set equally
 * likely, whole blocks in the pattern, normal values of standard deviation `valueScale` (padding 0).
 */
export function randomBsr(
  rows: number,
  cols: number,
  density: number,
  blockSize: BsrBlockSize,
  seed: number,
  opts: RandomValueOptions = {},
): BsrMatrix {
  checkShape(rows, cols);
  checkNumberInRange('density', density, 0, 1);
  const b = checkBlockSize(blockSize);
  checkNonNegativeInt('seed', seed);
  const valueScale = readValueScale(opts);
  const blockRows = Math.ceil(rows / b);
  const blockCols = Math.ceil(cols / b);
  const rng = new Rng(seed);
  const totalBlocks = blockRows * blockCols;
  const positions = sampleSortedPositions(rng, totalBlocks, Math.round(density * totalBlocks));
  const { rowPtr, colIdx } = compressPositions(positions, blockRows, blockCols);
  const values = normalValues(rng, positions.length * b * b, valueScale);
  const bsr: BsrMatrix = { rows, cols, blockSize: b, blockRows, blockCols, rowPtr, colIdx, values };
  forEachBlockElement(bsr, (offset, row, col) => {
    if (row >= rows || col >= cols) values[offset] = 0;
  });
  return bsr;
}
