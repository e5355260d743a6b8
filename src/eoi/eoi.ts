/**
 * EOI on the CPU: sample the rotations, apply them to A = [I_m | 0] in float64, emit W = gain·A (or
 * gain·Aᵀ when rows > cols) as CSR with the structural mask.
 *
 * A is stored column by column as sparse lists: a rotation of columns i and j leaves both with the
 * union of their supports, so they share one sorted row list and only those rows are touched. The
 * work is the sum of the union sizes, far below m per rotation at the densities EOI is used for.
 */

import type { CsrMatrix } from '../sparse/csr.js';
import { checkFloat32Scale } from '../validate.js';
import { eoiMaskToCsr } from './mask-to-csr.js';
import { sampleEoiRotations, type EoiSample } from './sampler.js';
import { scheduleRounds } from './schedule.js';

/** Options of eoi(): the target density, the seed of the rotation sequence, and the gain. */
export interface EoiOptions {
  /** Target density in [1/max(rows, cols), 1]. */
  density: number;
  /** Integer in [0, 2^53); default 0. */
  seed?: number;
  /**
   * Multiplier of the orthogonal matrix; all singular values equal |gain|. Its magnitude must be
   * in the float32 range [2^-126, 3.4028234663852886e38] (the values are stored as float32). Default 1.
   */
  gain?: number;
}

/**
 * An EOI weight: a CSR matrix (rows x cols) with how many Givens rotations built it and in how many GPU rounds.
 */
export type EoiMatrix = CsrMatrix & {
  /** Givens rotations applied. */
  rotations: number;
  /** Rounds of pairwise-disjoint rotations the GPU path needs for the same sequence (schedule.ts). */
  rounds: number;
};

/** Sparse columns of A: each column's sorted row indices and float64 values, aligned. */
interface SparseColumns {
  rowsOf: Uint32Array[];
  valuesOf: Float64Array[];
}

/**
 * Exact orthogonal initialisation on the CPU: a sparse rows x cols matrix W = gain·Q whose
 * rows (rows <= cols) or columns (rows > cols) are exactly orthonormal, times `gain`, built by
 * composing random Givens rotations on [I | 0] in float64 until the structural density reaches
 * `opts.density`. The result is CSR (row-major, column indices sorted in each row) holding the
 * whole structural mask (a stored entry may be 0), with the rotation count and the GPU round count.
 * Deterministic in (rows, cols, density, seed).
 *
 * @param rows - output features (W is rows x cols), an integer in [1, MAX_EOI_DIM]
 * @param cols - input features
 * @param opts - density in [1/max(rows, cols), 1], seed (integer, default 0), gain (default 1)
 * @throws RangeError or TypeError naming the argument when a shape, the density, the seed or the
 * gain is outside its range (nothing is clamped)
 *
 * @example
 * ```ts
 * const w = eoi(128, 784, { density: 0.125, seed: 1 }); // 128 orthonormal rows
 * csrToDense(w); // 128 x 784, row-major
 * ```
 */
export function eoi(rows: number, cols: number, opts: EoiOptions): EoiMatrix {
  return eoiFromSample(sampleEoiRotations(rows, cols, opts?.density, opts?.seed), opts?.gain);
}

/** The CPU numerics for an already drawn sample: W = gain·A (or gain·Aᵀ) with the sample's mask. */
export function eoiFromSample(sample: EoiSample, gain?: number): EoiMatrix {
  const g = checkGain(gain);
  const a = applyRotations(sample);
  const csr = eoiMaskToCsr(sample, (r, c) => g * valueInColumn(a, r, c));
  return { ...csr, rotations: sample.rotations, rounds: scheduleRounds(sample.pairs).rounds };
}

function checkGain(gain: unknown): number {
  return gain === undefined ? 1 : checkFloat32Scale('gain', gain, true);
}

/** A = [I_m | 0] · G_1 · … · G_R in float64, as sparse columns whose supports equal the sample's mask. */
function applyRotations(sample: EoiSample): SparseColumns {
  const { m, M, pairs, cos, sin } = sample;
  // Empty columns share one empty list each: a rotation replaces a column's lists, never writes them.
  const empty = new Uint32Array(0);
  const noValues = new Float64Array(0);
  const rowsOf: Uint32Array[] = [];
  const valuesOf: Float64Array[] = [];
  for (let c = 0; c < M; c++) {
    rowsOf.push(c < m ? Uint32Array.of(c) : empty);
    valuesOf.push(c < m ? Float64Array.of(1) : noValues);
  }

  for (let t = 0; t < sample.rotations; t++) {
    const i = pairs[2 * t]!;
    const j = pairs[2 * t + 1]!;
    const c = cos[t]!;
    const s = sin[t]!;
    const ri = rowsOf[i]!;
    const rj = rowsOf[j]!;
    const vi = valuesOf[i]!;
    const vj = valuesOf[j]!;
    const union = ri === rj ? ri : mergeSorted(ri, rj);
    const ni = new Float64Array(union.length);
    const nj = new Float64Array(union.length);
    // Walk both old lists alongside the union; a row missing from a list contributes 0.
    let pi = 0;
    let pj = 0;
    for (let k = 0; k < union.length; k++) {
      const r = union[k]!;
      const x = pi < ri.length && ri[pi] === r ? vi[pi++]! : 0;
      const y = pj < rj.length && rj[pj] === r ? vj[pj++]! : 0;
      ni[k] = c * x + s * y;
      nj[k] = -s * x + c * y;
    }
    rowsOf[i] = union;
    rowsOf[j] = union;
    valuesOf[i] = ni;
    valuesOf[j] = nj;
  }
  return { rowsOf, valuesOf };
}

function mergeSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let p = 0;
  let q = 0;
  let n = 0;
  while (p < a.length && q < b.length) {
    const x = a[p]!;
    const y = b[q]!;
    out[n++] = x <= y ? x : y;
    if (x <= y) p++;
    if (y <= x) q++;
  }
  while (p < a.length) out[n++] = a[p++]!;
  while (q < b.length) out[n++] = b[q++]!;
  return out.subarray(0, n);
}

/** A[r][c], found by binary search in column c's sorted rows; the mask guarantees r is there. */
function valueInColumn(a: SparseColumns, r: number, c: number): number {
  const rows = a.rowsOf[c]!;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  if (rows[lo] !== r) throw new Error(`internal: A[${r}][${c}] is in the mask but not in the numeric support`);
  return a.valuesOf[c]![lo]!;
}
