/**
 * Independent references for the EOI tests: the sampler re-derived with Sets instead of bitsets, and
 * an EoiSample built from a hand-chosen rotation sequence.
 */

import { Rng } from '../../src/random.js';
import type { EoiSample } from '../../src/eoi/sampler.js';

export interface ReferenceSample {
  pairs: number[];
  cos: number[];
  sin: number[];
  nnz: number;
  /** nnz before and after the rotation that first reached the target (kept or dropped). */
  crossing: { before: number; after: number } | null;
  supports: Set<number>[];
}

/** The documented stream and stopping rule, with column supports as Sets. */
export function referenceSample(rows: number, cols: number, density: number, seed: number): ReferenceSample {
  const m = Math.min(rows, cols);
  const M = Math.max(rows, cols);
  const rng = new Rng(seed);
  const supports = Array.from({ length: M }, (_, c) => new Set<number>(c < m ? [c] : []));
  const total = m * M;
  const out: ReferenceSample = { pairs: [], cos: [], sin: [], nnz: m, crossing: null, supports };
  while (out.nnz / total < density) {
    const i = rng.nextInt(M);
    const j0 = rng.nextInt(M - 1);
    const j = j0 >= i ? j0 + 1 : j0;
    const angle = 2 * Math.PI * rng.nextFloat();
    const union = new Set([...supports[i]!, ...supports[j]!]);
    const after = out.nnz - supports[i]!.size - supports[j]!.size + 2 * union.size;
    if (after / total >= density) {
      out.crossing = { before: out.nnz, after };
      if (Math.abs(out.nnz / total - density) < Math.abs(after / total - density)) break;
    }
    supports[i] = union;
    supports[j] = new Set(union);
    out.nnz = after;
    out.pairs.push(i, j);
    out.cos.push(Math.cos(angle));
    out.sin.push(Math.sin(angle));
  }
  return out;
}

/** An EoiSample for a given rotation sequence, its mask built structurally with Sets. */
export function sampleFromRotations(
  rows: number,
  cols: number,
  rotations: Array<{ i: number; j: number; angle: number }>,
): EoiSample {
  const m = Math.min(rows, cols);
  const M = Math.max(rows, cols);
  const supports = Array.from({ length: M }, (_, c) => new Set<number>(c < m ? [c] : []));
  for (const { i, j } of rotations) {
    const union = new Set([...supports[i]!, ...supports[j]!]);
    supports[i] = union;
    supports[j] = union;
  }
  const W = Math.ceil(m / 32);
  const columnMasks = new Uint32Array(M * W);
  const columnCounts = new Uint32Array(M);
  supports.forEach((set, c) => {
    columnCounts[c] = set.size;
    for (const r of set) columnMasks[c * W + (r >>> 5)]! |= 1 << (r & 31);
  });
  const nnz = supports.reduce((n, s) => n + s.size, 0);
  return {
    rows,
    cols,
    m,
    M,
    transposed: rows > cols,
    density: nnz / (m * M),
    rotations: rotations.length,
    pairs: Uint32Array.from(rotations.flatMap(({ i, j }) => [i, j])),
    cos: Float64Array.from(rotations, ({ angle }) => Math.cos(angle)),
    sin: Float64Array.from(rotations, ({ angle }) => Math.sin(angle)),
    wordsPerColumn: W,
    columnMasks,
    columnCounts,
    nnz,
  };
}

/** Sorted positions (row * cols + col) of a CSR pattern. */
export function patternOf(w: { rows: number; cols: number; rowPtr: Uint32Array; colIdx: Uint32Array }): number[] {
  const out: number[] = [];
  for (let r = 0; r < w.rows; r++) {
    for (let p = w.rowPtr[r]!; p < w.rowPtr[r + 1]!; p++) out.push(r * w.cols + w.colIdx[p]!);
  }
  return out;
}

/** Sorted positions in W (row * cols + col) of the reference supports, transposed when rows > cols. */
export function patternOfSupports(rows: number, cols: number, supports: Set<number>[]): number[] {
  const out: number[] = [];
  supports.forEach((set, c) => {
    for (const r of set) out.push(rows > cols ? c * cols + r : r * cols + c);
  });
  return out.sort((a, b) => a - b);
}
