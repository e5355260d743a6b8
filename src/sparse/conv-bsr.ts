/**
 * Block-sparse conv filters: the cOut x cIn grid of kh x kw kernels stored as blocks of
 * blockSize output channels x blockSize input channels, each stored block holding all kh·kw taps
 * of its blockSize² kernels densely. Channel counts need not divide the block size; the last block
 * row / column is padded with zeros. The GPU side is GpuConvBsrFilter (gpu-conv-bsr.ts), the
 * kernels shaders/conv_bsr.wgsl and shaders/sddmm_conv_bsr.wgsl.
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
import { MAX_CONV_DIM } from './conv-geometry.js';
import { type CsrMatrix, validateCsr } from './csr.js';
import {
  type AxisNames,
  compressPositions,
  normalValues,
  type RandomValueOptions,
  readValueScale,
  sampleSortedPositions,
  validateCompressedStructure,
} from './structure.js';

/** Block sides a block-sparse convolution filter may use. */
export const CONV_BSR_BLOCK_SIZES = [4, 8, 16] as const;
/** One of CONV_BSR_BLOCK_SIZES. */
export type ConvBsrBlockSize = (typeof CONV_BSR_BLOCK_SIZES)[number];

/** A conv filter's full shape: cOut kernels of cIn·kh·kw taps (OIHW). */
export interface ConvFilterDims {
  cOut: number;
  cIn: number;
  kh: number;
  kw: number;
}

/**
 * A conv filter in blocks over (output channel, input channel).
 *
 * Block blk (in rowPtr/colIdx order, at block row br and block column bc) stores, for every tap
 * t = ky·kw + kx, a blockSize x blockSize row-major matrix: values[((blk·kh·kw + t)·blockSize + i)·
 * blockSize + j] is tap (ky, kx) from input channel bc·blockSize + j into output channel
 * br·blockSize + i. Positions past cOut or cIn hold 0. As in BsrMatrix, `elementMask` (same
 * length) marks which elements of the stored blocks are in the sparsity pattern when not all are;
 * elements outside it hold exactly 0 and the weight gradient writes 0 there, so training keeps them
 * 0. It is absent when every in-range element of every stored block is in the pattern.
 */
export interface ConvBsrFilter extends ConvFilterDims {
  blockSize: ConvBsrBlockSize;
  /** ceil(cOut / blockSize) */
  blockRows: number;
  /** ceil(cIn / blockSize) */
  blockCols: number;
  /** length blockRows + 1: the CSR rowPtr over blocks */
  rowPtr: Uint32Array;
  /** block column of each stored block, strictly increasing within a block row */
  colIdx: Uint32Array;
  /** nBlocks·kh·kw·blockSize², block after block, tap after tap */
  values: Float32Array;
  /** optional, same length as values: 1 where the element is in the pattern, else 0 */
  elementMask?: Uint8Array;
}

const AXES: AxisNames = { rows: 'blockRows', cols: 'blockCols', row: 'block row' };

/**
 * Visits every position of every stored block, padding included: `offset` indexes values (and
 * elementMask); co, ci are its channels in the padded filter, t its tap.
 */
function forEachElement(
  f: Pick<ConvBsrFilter, 'blockSize' | 'blockRows' | 'rowPtr' | 'colIdx' | 'kh' | 'kw'>,
  visit: (offset: number, co: number, ci: number, t: number) => void,
): void {
  const b = f.blockSize;
  const taps = f.kh * f.kw;
  for (let br = 0; br < f.blockRows; br++) {
    for (let blk = f.rowPtr[br]; blk < f.rowPtr[br + 1]; blk++) {
      for (let t = 0; t < taps; t++) {
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < b; j++) visit(((blk * taps + t) * b + i) * b + j, br * b + i, f.colIdx[blk] * b + j, t);
        }
      }
    }
  }
}

/** Checks cOut, cIn, kh, kw of `fields`, named `name`.field. */
function checkFilterDims(name: string, fields: Record<string, unknown>): ConvFilterDims {
  const dim = (field: keyof ConvFilterDims) => checkPositiveInt(`${name}.${field}`, fields[field], MAX_CONV_DIM);
  return { cOut: dim('cOut'), cIn: dim('cIn'), kh: dim('kh'), kw: dim('kw') };
}

/**
 * Checks an untrusted ConvBsrFilter: shape, blockSize in {4, 8, 16}, blockRows / blockCols derived
 * from them, the CSR rules for rowPtr/colIdx over blocks, values a Float32Array of
 * nBlocks·kh·kw·blockSize² finite numbers that are 0 in the padding, and elementMask (if present)
 * a Uint8Array of 0/1 of the same length, 0 in the padding, with values 0 wherever it is 0.
 */
export function validateConvBsr(f: unknown, name = 'w'): asserts f is ConvBsrFilter {
  const fields = checkObject(name, f, 'a block-sparse conv filter');
  const { cOut, cIn, kh, kw } = checkFilterDims(name, fields);
  const b = checkOneOf(`${name}.blockSize`, fields.blockSize, CONV_BSR_BLOCK_SIZES);
  for (const [field, channels, expected] of [['blockRows', 'cOut', Math.ceil(cOut / b)], ['blockCols', 'cIn', Math.ceil(cIn / b)]] as const) {
    const value = fields[field];
    const message = `${name}.${field} must be ceil(${name}.${channels} / ${name}.blockSize) = ${expected}, got ${String(value)}`;
    if (typeof value !== 'number') throw new TypeError(message);
    if (value !== expected) throw new RangeError(message);
  }
  const blocks = validateCompressedStructure(name, fields.rowPtr, fields.colIdx, Math.ceil(cOut / b), Math.ceil(cIn / b), AXES);
  const values = checkTypedArray(`${name}.values`, fields.values, Float32Array);
  checkLength(`${name}.values`, values, blocks * kh * kw * b * b, `${name}.rowPtr[blockRows] * kh*kw * blockSize^2`);
  checkFiniteElements(`${name}.values`, values);
  const elementMask = fields.elementMask === undefined ? undefined : checkTypedArray(`${name}.elementMask`, fields.elementMask, Uint8Array);
  if (elementMask) checkLength(`${name}.elementMask`, elementMask, values.length, `${name}.values.length`);
  forEachElement(f as ConvBsrFilter, (offset, co, ci) => {
    const isPadding = co >= cOut || ci >= cIn;
    const where = `(output channel ${co}, input channel ${ci}) lies in the padding beyond ${cOut} x ${cIn} channels`;
    if (isPadding && values[offset] !== 0) throw new RangeError(`${name}.values[${offset}] = ${values[offset]} must be 0: ${where}`);
    if (!elementMask) return;
    const inPattern = elementMask[offset];
    if (inPattern > 1) throw new RangeError(`${name}.elementMask[${offset}] = ${inPattern} must be 0 or 1`);
    if (inPattern === 1 && isPadding) throw new RangeError(`${name}.elementMask[${offset}] must be 0: ${where}`);
    if (inPattern === 0 && values[offset] !== 0) {
      throw new RangeError(`${name}.values[${offset}] = ${values[offset]} must be 0: ${name}.elementMask[${offset}] = 0 puts it outside the pattern`);
    }
  });
}

/**
 * A random block mask: exactly round(density·blockRows·blockCols) blocks, every such set equally
 * likely, whole blocks in the pattern (no elementMask), normal values of standard deviation
 * `valueScale` (padding 0). Its element density is that block density when blockSize divides cOut
 * and cIn.
 */
export function randomConvBsr(
  dims: ConvFilterDims,
  density: number,
  blockSize: ConvBsrBlockSize,
  seed: number,
  opts: RandomValueOptions = {},
): ConvBsrFilter {
  const { cOut, cIn, kh, kw } = checkFilterDims('dims', checkObject('dims', dims, 'a { cOut, cIn, kh, kw }'));
  checkNumberInRange('density', density, 0, 1);
  const b = checkOneOf('blockSize', blockSize, CONV_BSR_BLOCK_SIZES);
  checkNonNegativeInt('seed', seed);
  const valueScale = readValueScale(opts);
  const blockRows = Math.ceil(cOut / b);
  const blockCols = Math.ceil(cIn / b);
  const rng = new Rng(seed);
  const positions = sampleSortedPositions(rng, blockRows * blockCols, Math.round(density * blockRows * blockCols));
  const values = normalValues(rng, positions.length * kh * kw * b * b, valueScale);
  const f: ConvBsrFilter = { cOut, cIn, kh, kw, blockSize: b, blockRows, blockCols, ...compressPositions(positions, blockRows, blockCols), values };
  forEachElement(f, (offset, co, ci) => {
    if (co >= cOut || ci >= cIn) values[offset] = 0;
  });
  return f;
}

/**
 * The block filter covering a CSR filter (cOut = w.rows, w.cols = cIn·kh·kw, OIHW columns): a
 * block is stored when any entry falls in it; the entries (zeros included) are the pattern,
 * recorded in elementMask unless they fill every stored block.
 */
export function convBsrFromCsr(w: CsrMatrix, shape: Omit<ConvFilterDims, 'cOut'>, blockSize: ConvBsrBlockSize): ConvBsrFilter {
  validateCsr(w, 'w');
  const { cIn, kh, kw } = checkFilterDims('shape', { ...checkObject('shape', shape, 'a { cIn, kh, kw }'), cOut: w.rows });
  const taps = kh * kw;
  if (w.cols !== cIn * taps) throw new RangeError(`w.cols must equal cIn*kh*kw = ${cIn * taps}, got ${w.cols}`);
  const b = checkOneOf('blockSize', blockSize, CONV_BSR_BLOCK_SIZES);
  const cOut = w.rows;
  const blockRows = Math.ceil(cOut / b);
  const blockCols = Math.ceil(cIn / b);
  const blockOf = (col: number) => Math.floor(col / taps / b);

  // The sorted block columns each block row touches, and where each block lands.
  const blockColumns: number[] = [];
  const rowPtr = new Uint32Array(blockRows + 1);
  const slot = new Int32Array(blockCols);
  let inRange = 0;
  const rowBlocks: Int32Array[] = [];
  for (let br = 0; br < blockRows; br++) {
    const touched = new Set<number>();
    for (let co = br * b; co < Math.min(cOut, (br + 1) * b); co++) {
      for (let k = w.rowPtr[co]; k < w.rowPtr[co + 1]; k++) touched.add(blockOf(w.colIdx[k]));
    }
    const sorted = [...touched].sort((x, y) => x - y);
    slot.fill(-1);
    for (const bc of sorted) {
      slot[bc] = blockColumns.length;
      blockColumns.push(bc);
      inRange += (Math.min(cOut, (br + 1) * b) - br * b) * (Math.min(cIn, (bc + 1) * b) - bc * b) * taps;
    }
    rowBlocks.push(slot.slice());
    rowPtr[br + 1] = blockColumns.length;
  }

  const values = new Float32Array(blockColumns.length * taps * b * b);
  const elementMask = new Uint8Array(values.length);
  for (let co = 0; co < cOut; co++) {
    const blocks = rowBlocks[Math.floor(co / b)]!;
    for (let k = w.rowPtr[co]; k < w.rowPtr[co + 1]; k++) {
      const col = w.colIdx[k];
      const ci = Math.floor(col / taps);
      const offset = ((blocks[Math.floor(ci / b)]! * taps + (col % taps)) * b + (co % b)) * b + (ci % b);
      values[offset] = w.values[k];
      elementMask[offset] = 1;
    }
  }
  const f: ConvBsrFilter = { cOut, cIn, kh, kw, blockSize: b, blockRows, blockCols, rowPtr, colIdx: Uint32Array.from(blockColumns), values };
  // Each CSR entry marks one element, so the mask is all ones exactly when nnz covers every in-range element.
  if (w.colIdx.length < inRange) f.elementMask = elementMask;
  return f;
}

/**
 * The stored elements of a block filter as a CSR filter (cOut rows, cIn·kh·kw OIHW columns): every
 * in-pattern element of every stored block (all in-range ones without elementMask), zeros
 * included, and `offsets`, where each CSR entry sits in f.values (so a values-layout gradient reads
 * in CSR order as dw[offsets[e]]).
 */
export function convBsrToCsr(f: ConvBsrFilter): { w: CsrMatrix; offsets: Uint32Array } {
  validateConvBsr(f, 'f');
  const { cOut, cIn, blockSize: b } = f;
  const taps = f.kh * f.kw;
  const rowPtr = new Uint32Array(cOut + 1);
  const colIdx: number[] = [];
  const offsets: number[] = [];
  for (let co = 0; co < cOut; co++) {
    const br = Math.floor(co / b);
    for (let blk = f.rowPtr[br]; blk < f.rowPtr[br + 1]; blk++) {
      const bc = f.colIdx[blk];
      for (let ci = bc * b; ci < Math.min(cIn, (bc + 1) * b); ci++) {
        for (let t = 0; t < taps; t++) {
          const offset = ((blk * taps + t) * b + (co % b)) * b + (ci % b);
          if (f.elementMask && !f.elementMask[offset]) continue;
          colIdx.push(ci * taps + t);
          offsets.push(offset);
        }
      }
    }
    rowPtr[co + 1] = colIdx.length;
  }
  const values = Float32Array.from(offsets, (o) => f.values[o]);
  return { w: { rows: cOut, cols: cIn * taps, rowPtr, colIdx: Uint32Array.from(colIdx), values }, offsets: Uint32Array.from(offsets) };
}
