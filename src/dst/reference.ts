/**
 * Exact CPU reference of one dynamic-sparse-training mask update of a CSR layer (what the GPU
 * kernels in src/kernels/dst.ts compute): drop the k stored entries of smallest |w|, then grow k
 * positions among those not kept, by the largest grow key. Keys are compared as the GPU compares
 * them, as unsigned 32-bit words, and every tie goes to the lower flat index r·cols + c, so the
 * drop and grow sets are fully determined and the GPU must reproduce them exactly. A BSR layer's
 * update is the same update on its block pattern (a CSR structure over blockRows x blockCols), by
 * block scores summed in float32 in the GPU's order.
 */
import { type BsrMatrix, validateBsr } from '../sparse/bsr.js';
import { type ConvBsrFilter, validateConvBsr } from '../sparse/conv-bsr.js';
import { type CsrStructure, validateCsrStructure } from '../sparse/csr.js';
import { checkNonNegativeInt } from '../validate.js';

/** src entry of a grown position: it has no old entry (value 0, optimizer state reset). */
export const DST_GROWN = 0xffffffff;

/** The structure after one update, and where each new entry's value comes from. */
export interface DstUpdateResult extends CsrStructure {
  /** old entry index of each new entry, DST_GROWN for a grown one */
  src: Uint32Array;
  /** old entry indices dropped, increasing */
  dropped: Uint32Array;
  /** flat positions grown, increasing */
  grown: Uint32Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of |x| rounded to float32: for non-negative floats their order is the numbers' order. */
export function magnitudeKey(x: number): number {
  f32[0] = Math.abs(x);
  return u32[0]!;
}

/** The PCG output hash of a 32-bit word (the GPU's shaders/dst_sequence.wgsl has the same one). */
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Rounds of SET's Feistel network (four: a pseudorandom permutation of its halves). */
const SET_ROUNDS = 4;

/** Bits of one half of SET's Feistel network over [0, n): the smallest h ≥ 1 with 4^h ≥ n. */
function setHalfBits(n: number): number {
  let h = 1;
  while (h < 16 && 4 ** h < n) h++;
  return h;
}

/** One pass of the Feistel network over [0, 4^h) (backwards with `inverse`), round keys from the salt. */
function feistel(salt: number, h: number, x: number, inverse: boolean): number {
  const mask = (1 << h) - 1;
  let left = (x >>> h) & mask;
  let right = x & mask;
  for (let j = 0; j < SET_ROUNDS; j++) {
    const round = inverse ? SET_ROUNDS - 1 - j : j;
    const key = pcgHash((salt + Math.imul(round, 0x9e3779b9)) >>> 0);
    if (inverse) {
      const l = right ^ (pcgHash((left ^ key) >>> 0) & mask);
      right = left;
      left = l;
    } else {
      const r = left ^ (pcgHash((right ^ key) >>> 0) & mask);
      left = right;
      right = r;
    }
  }
  return ((left << h) | right) >>> 0;
}

/**
 * SET's order of the flat positions [0, n): a seeded bijection π, a four-round Feistel network
 * on the smallest even-bit power of two ≥ n, re-applied while the result is ≥ n (cycle walking),
 * so that it permutes [0, n). Returns π(i). The GPU (shaders/dst_sequence.wgsl) computes the same
 * u32 arithmetic. Throws a RangeError unless 1 ≤ n ≤ 2^32 - 1 and 0 ≤ i < n.
 */
export function setSequence(salt: number, n: number, i: number): number {
  return walk(salt, n, i, false);
}

/** π⁻¹(p): where flat position p comes in SET's order of [0, n) (setSequence). */
export function setSequenceIndex(salt: number, n: number, p: number): number {
  return walk(salt, n, p, true);
}

function walk(salt: number, n: number, x: number, inverse: boolean): number {
  checkNonNegativeInt('n', n, 0xffffffff);
  if (n === 0) throw new RangeError('n must be at least 1, got 0');
  checkNonNegativeInt(inverse ? 'p' : 'i', x, n - 1);
  const h = setHalfBits(n);
  let y = x;
  do y = feistel(salt >>> 0, h, y, inverse);
  while (y >= n);
  return y;
}

/**
 * SET's grow key of flat position p of n: 2^32 - 1 - π⁻¹(p) (setSequenceIndex), so that the k
 * largest keys among the free positions are the first k free ones of the sequence π(0), π(1), …
 * (distinct keys: no ties).
 */
export function setGrowKey(salt: number, n: number, p: number): number {
  return 0xffffffff - setSequenceIndex(salt, n, p);
}

/** The salt of one layer's update: the run's seed, the layer's index and the update's index hashed together. */
export function dstSalt(seed: number, layer: number, update: number): number {
  return pcgHash((pcgHash(seed >>> 0) ^ pcgHash((Math.imul(layer, 0x9e3779b9) + update) >>> 0)) >>> 0);
}

/**
 * One update on the CPU. `magnitudes` are the stored values (entry order); `growKey(p)` gives the
 * unsigned 32-bit key of flat position p (only positions not kept are asked). Throws a RangeError
 * when k exceeds the stored count.
 */
export function dstUpdateReference(
  w: CsrStructure,
  magnitudes: ArrayLike<number>,
  k: number,
  growKey: (p: number) => number,
): DstUpdateResult {
  validateCsrStructure(w, 'w');
  const nnz = w.colIdx.length;
  checkNonNegativeInt('k', k, nnz);
  const drop = Array.from({ length: nnz }, (_, e) => e);
  // Smallest magnitude first; equal magnitudes by entry index, which is flat order.
  const mag = drop.map((e) => magnitudeKey(magnitudes[e]!));
  drop.sort((a, b) => mag[a]! - mag[b]! || a - b);
  const dropped = Uint32Array.from(drop.slice(0, k)).sort();
  const kept = new Uint8Array(nnz).fill(1);
  for (const e of dropped) kept[e] = 0;

  const stored = new Map<number, number>();
  for (let r = 0; r < w.rows; r++) for (let e = w.rowPtr[r]!; e < w.rowPtr[r + 1]!; e++) stored.set(r * w.cols + w.colIdx[e]!, e);
  const candidates: Array<{ p: number; key: number }> = [];
  for (let p = 0; p < w.rows * w.cols; p++) {
    const e = stored.get(p);
    if (e === undefined || !kept[e]) candidates.push({ p, key: growKey(p) >>> 0 });
  }
  candidates.sort((a, b) => b.key - a.key || a.p - b.p);
  const grown = Uint32Array.from(candidates.slice(0, k).map((c) => c.p)).sort();
  const isGrown = new Set(grown);

  const rowPtr = new Uint32Array(w.rows + 1);
  const colIdx: number[] = [];
  const src: number[] = [];
  for (let r = 0; r < w.rows; r++) {
    for (let c = 0; c < w.cols; c++) {
      const p = r * w.cols + c;
      const e = stored.get(p);
      if (e !== undefined && kept[e]) {
        colIdx.push(c);
        src.push(e);
      } else if (isGrown.has(p)) {
        colIdx.push(c);
        src.push(DST_GROWN);
      }
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows: w.rows, cols: w.cols, rowPtr, colIdx: Uint32Array.from(colIdx), src: Uint32Array.from(src), dropped, grown };
}

/** RigL's grow key from a dense gradient (rows x cols, row-major): the float32 bits of |g|. */
export function riglGrowKey(gradient: ArrayLike<number>): (p: number) => number {
  return (p) => magnitudeKey(gradient[p]!);
}

/** The dense weight gradient dW = dYᵀ·X in float64 (dy: batch x rows, x: batch x cols, row-major). */
export function denseGradientReference(dy: ArrayLike<number>, x: ArrayLike<number>, batch: number, rows: number, cols: number): Float64Array {
  const g = new Float64Array(rows * cols);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const d = dy[b * rows + r]!;
      if (d === 0) continue;
      for (let c = 0; c < cols; c++) g[r * cols + c] += d * x[b * cols + c]!;
    }
  }
  return g;
}

/**
 * The float32 sum of |x| over each of `blocks` consecutive runs of `blockWords` values (a BSR
 * layer's b², a block conv filter's b²·kh·kw), each summed in order and rounded after every
 * addition, as shaders/dst_blocks.wgsl sums them.
 */
export function blockScoresReference(values: ArrayLike<number>, blocks: number, blockWords: number): Float32Array {
  const scores = new Float32Array(blocks);
  for (let e = 0; e < blocks; e++) {
    let sum = 0;
    for (let j = e * blockWords; j < (e + 1) * blockWords; j++) sum = Math.fround(sum + Math.fround(Math.abs(values[j]!)));
    scores[e] = sum;
  }
  return scores;
}

/**
 * One update of a block-structured BSR layer (no elementMask) on the CPU: drops the k stored blocks
 * of smallest sum of |w| and grows k block positions not kept by the largest `growKey(p)` of block
 * position p = blockRow·blockCols + blockCol (dstUpdateReference on the block pattern). The result
 * is the new block pattern; src maps new blocks to old ones. Throws a TypeError for an elementMask,
 * a RangeError when k exceeds the block count.
 */
export function dstBlockUpdateReference(w: BsrMatrix, k: number, growKey: (p: number) => number): DstUpdateResult {
  validateBsr(w, 'w');
  if (w.elementMask) throw new TypeError('w: block updates move whole blocks; w has an elementMask');
  const blocks = { rows: w.blockRows, cols: w.blockCols, rowPtr: w.rowPtr, colIdx: w.colIdx };
  return dstUpdateReference(blocks, blockScoresReference(w.values, w.colIdx.length, w.blockSize * w.blockSize), k, growKey);
}

/**
 * One update of a block conv filter without an element mask on the CPU, as dstBlockUpdateReference
 * for a BSR layer: blocks of b² kernels (b²·kh·kw values) ranked by their sum of |w|, grown at the
 * largest `growKey(p)` of block position p = blockRow·blockCols + blockCol. Throws a TypeError for
 * an elementMask, a RangeError when k exceeds the block count.
 */
export function dstConvBlockUpdateReference(f: ConvBsrFilter, k: number, growKey: (p: number) => number): DstUpdateResult {
  validateConvBsr(f, 'f');
  if (f.elementMask) throw new TypeError('f: block updates move whole blocks; f has an elementMask');
  const blocks = { rows: f.blockRows, cols: f.blockCols, rowPtr: f.rowPtr, colIdx: f.colIdx };
  return dstUpdateReference(blocks, blockScoresReference(f.values, f.colIdx.length, f.blockSize * f.blockSize * f.kh * f.kw), k, growKey);
}

/**
 * RigL's grow key of block positions from a dense gradient (rows x cols, row-major): the float32
 * bits of the sum of float32 |g| over the block's in-range elements, row by row, as
 * shaders/dst_blocks.wgsl sums them. A block spans blockSize rows and `blockWidth` columns: a BSR
 * layer's blockSize, a block conv filter's blockSize·kh·kw (the taps of blockSize input channels).
 */
export function riglBlockGrowKey(gradient: ArrayLike<number>, rows: number, cols: number, blockSize: number, blockWidth = blockSize): (p: number) => number {
  const blockCols = Math.ceil(cols / blockWidth);
  return (p) => {
    const r0 = Math.floor(p / blockCols) * blockSize;
    const c0 = (p % blockCols) * blockWidth;
    let sum = 0;
    for (let r = r0; r < Math.min(rows, r0 + blockSize); r++) {
      for (let c = c0; c < Math.min(cols, c0 + blockWidth); c++) sum = Math.fround(sum + Math.fround(Math.abs(gradient[r * cols + c]!)));
    }
    return magnitudeKey(sum);
  };
}
