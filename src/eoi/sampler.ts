/**
 * The EOI sampler for a dense (linear) layer: draws the sequence of Givens rotations
 * and tracks the sparsity pattern of A = [I_m | 0] · G_1 · G_2 · … structurally, without any numbers.
 *
 * Draw order per rotation (one Rng stream seeded with `seed`, nothing else drawn from it):
 *   i = rng.nextInt(M); j = rng.nextInt(M - 1); if (j >= i) j += 1;   // uniform ordered pair, i != j
 *   angle = 2π · rng.nextFloat();  cos = Math.cos(angle), sin = Math.sin(angle)
 * Every ordered pair is equally likely, so the unordered pair {i, j} is uniform. The rotation maps
 * (old columns) col_i <- cos·col_i + sin·col_j, col_j <- −sin·col_i + cos·col_j.
 *
 * Stopping: rotations are drawn while nnz / (rows·cols) < density. For the rotation that first reaches
 * the target, the densities before and after it are compared; the rotation is dropped only when the
 * density before it is strictly closer to the target (a tie keeps it, so the result reaches the target).
 */

import { Rng } from '../random.js';
import { checkDensity, checkPositiveInt, checkSeed, checkSizeLimit } from '../validate.js';

/** The sampled rotation sequence and the structural mask of the m x M matrix A it produces. */
export interface EoiSample {
  /** Shape of the requested weight W; A is m x M with m = min, M = max. */
  rows: number;
  cols: number;
  m: number;
  M: number;
  /** W = Aᵀ (rows > cols) rather than W = A. */
  transposed: boolean;
  /** The target density the sampler stopped at. */
  density: number;
  rotations: number;
  /** 2 per rotation: i then j, in application order. */
  pairs: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
  /** 32-bit words per column bitset: ceil(m / 32). */
  wordsPerColumn: number;
  /** M bitsets over the m rows of A; column c occupies words [c·wordsPerColumn, (c+1)·wordsPerColumn),
   *  bit r of the column set means A[r][c] is in the mask. */
  columnMasks: Uint32Array;
  /** Number of set bits of each column bitset (nonzeros per column of A). */
  columnCounts: Uint32Array;
  /** Entries in the mask: the sum of columnCounts. */
  nnz: number;
}

/** Largest rows/cols accepted: pair indices are stored as Uint32 and drawn with Rng.nextInt. */
export const MAX_EOI_DIM = 0xffffffff;

/** One rotation drawn in the documented order; shared with the naive reference so both see one stream. */
export function drawRotation(rng: Rng, M: number): { i: number; j: number; cos: number; sin: number } {
  const i = rng.nextInt(M);
  let j = rng.nextInt(M - 1);
  if (j >= i) j += 1;
  const angle = 2 * Math.PI * rng.nextFloat();
  return { i, j, cos: Math.cos(angle), sin: Math.sin(angle) };
}

/**
 * Largest EOI problem accepted, checked before anything is allocated: max(rows, cols) columns of
 * per-column state, the structural mask's 32-bit words (max · ceil(min / 32)) and the expected
 * nonzeros (density · rows · cols). Each bound keeps one array under 512 MiB.
 */
export const MAX_EOI_COLUMNS = 2 ** 24;
export const MAX_EOI_MASK_WORDS = 2 ** 27;
export const MAX_EOI_NONZEROS = 2 ** 27;

/** Validates rows, cols and density (which must be in [1/max(rows, cols), 1]) and the size limits; returns m and M. */
export function checkEoiArgs(rows: unknown, cols: unknown, density: unknown): { m: number; M: number } {
  const r = checkPositiveInt('rows', rows, MAX_EOI_DIM);
  const c = checkPositiveInt('cols', cols, MAX_EOI_DIM);
  const M = Math.max(r, c);
  const m = Math.min(r, c);
  const d = checkDensity('density', density, 1 / M, '1/max(rows, cols)');
  const what = `an EOI matrix of ${r} x ${c} at density ${d}`;
  checkSizeLimit(what, M, MAX_EOI_COLUMNS, 'columns of per-column state (max(rows, cols))');
  checkSizeLimit(what, M * Math.ceil(m / 32), MAX_EOI_MASK_WORDS, 'mask words (max(rows, cols)·ceil(min(rows, cols)/32))');
  checkSizeLimit(what, Math.ceil(d * r * c), MAX_EOI_NONZEROS, 'nonzeros (density·rows·cols)');
  return { m, M };
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Samples the rotations for a rows x cols EOI matrix of the given density (see the file comment). */
export function sampleEoiRotations(rows: number, cols: number, density: number, seed?: number): EoiSample {
  const { m, M } = checkEoiArgs(rows, cols, density);
  const rng = new Rng(checkSeed(seed));
  const W = Math.ceil(m / 32);
  const columnMasks = new Uint32Array(M * W);
  const columnCounts = new Uint32Array(M);
  for (let r = 0; r < m; r++) {
    columnMasks[r * W + (r >>> 5)] = 1 << (r & 31);
    columnCounts[r] = 1;
  }

  const total = m * M;
  const union = new Uint32Array(W);
  const pairs: number[] = [];
  const cos: number[] = [];
  const sin: number[] = [];
  let nnz = m;
  while (nnz / total < density) {
    const rot = drawRotation(rng, M);
    const oi = rot.i * W;
    const oj = rot.j * W;
    let unionCount = 0;
    for (let w = 0; w < W; w++) {
      const u = columnMasks[oi + w]! | columnMasks[oj + w]!;
      union[w] = u;
      unionCount += popcount32(u);
    }
    // Both columns take the union: each gains what the other had.
    const next = nnz + 2 * unionCount - columnCounts[rot.i]! - columnCounts[rot.j]!;
    if (next / total >= density && density - nnz / total < next / total - density) break;
    columnMasks.set(union, oi);
    columnMasks.set(union, oj);
    columnCounts[rot.i] = unionCount;
    columnCounts[rot.j] = unionCount;
    nnz = next;
    pairs.push(rot.i, rot.j);
    cos.push(rot.cos);
    sin.push(rot.sin);
  }

  return {
    rows,
    cols,
    m,
    M,
    transposed: rows > cols,
    density,
    rotations: cos.length,
    pairs: Uint32Array.from(pairs),
    cos: Float64Array.from(cos),
    sin: Float64Array.from(sin),
    wordsPerColumn: W,
    columnMasks,
    columnCounts,
    nnz,
  };
}
