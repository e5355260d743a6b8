/**
 * The paper's naive EOI loop, for benchmarks and as an independent reference in tests: a dense float64
 * m x M matrix, every rotation applied to whole columns, and after each rotation the nonzeros of the
 * whole matrix recounted by value (!== 0). O(m·M) per rotation; do not use it to initialise networks.
 *
 * It draws from the same stream in the same order as sampler.ts, so for a seed it performs the same
 * rotations; its mask can differ from the structural one only where values cancel to exactly 0.
 */

import { Rng } from '../random.js';
import { checkSeed } from '../validate.js';
import { checkEoiArgs, drawRotation } from './sampler.js';

export interface EoiNaiveResult {
  rows: number;
  cols: number;
  rotations: number;
  /** 2 per rotation, i then j, as in EoiSample.pairs. */
  pairs: Uint32Array;
  /** W (= A, or Aᵀ when rows > cols) as a row-major rows x cols float64 array. */
  values: Float64Array;
  /** Entries of `values` that are not 0. */
  nnz: number;
}

/** `maxRotations` stops early (benchmarks time a prefix of the loop, whose cost per rotation is constant). */
export function eoiNaive(rows: number, cols: number, opts: { density: number; seed?: number; maxRotations?: number }): EoiNaiveResult {
  const { m, M } = checkEoiArgs(rows, cols, opts?.density);
  const density = opts.density;
  const rng = new Rng(checkSeed(opts.seed));
  const a = new Float64Array(m * M); // row-major m x M
  for (let r = 0; r < m; r++) a[r * M + r] = 1;
  const total = m * M;
  const pairs: number[] = [];
  const oldI = new Float64Array(m);
  const oldJ = new Float64Array(m);
  let nnz = m;
  const maxRotations = opts.maxRotations ?? Infinity;

  while (nnz / total < density && pairs.length / 2 < maxRotations) {
    const { i, j, cos, sin } = drawRotation(rng, M);
    for (let r = 0; r < m; r++) {
      const x = a[r * M + i]!;
      const y = a[r * M + j]!;
      oldI[r] = x;
      oldJ[r] = y;
      a[r * M + i] = cos * x + sin * y;
      a[r * M + j] = -sin * x + cos * y;
    }
    const next = countNonzeros(a);
    if (next / total >= density && density - nnz / total < next / total - density) {
      // The matrix before this rotation is closer to the target: undo it.
      for (let r = 0; r < m; r++) {
        a[r * M + i] = oldI[r]!;
        a[r * M + j] = oldJ[r]!;
      }
      break;
    }
    nnz = next;
    pairs.push(i, j);
  }

  return { rows, cols, rotations: pairs.length / 2, pairs: Uint32Array.from(pairs), values: rows > cols ? transpose(a, m, M) : a, nnz };
}

function countNonzeros(a: Float64Array): number {
  let n = 0;
  for (let k = 0; k < a.length; k++) if (a[k] !== 0) n++;
  return n;
}

function transpose(a: Float64Array, m: number, M: number): Float64Array {
  const t = new Float64Array(m * M);
  for (let r = 0; r < m; r++) for (let c = 0; c < M; c++) t[c * m + r] = a[r * M + c]!;
  return t;
}
