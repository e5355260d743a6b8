import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eoi, eoiFromSample } from '../../src/eoi/eoi.js';
import { eoiCsrFromDense } from '../../src/eoi/mask-to-csr.js';
import { eoiNaive } from '../../src/eoi/naive.js';
import { sampleEoiRotations } from '../../src/eoi/sampler.js';
import { scheduleRounds } from '../../src/eoi/schedule.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import {
  checkCsrWellFormed,
  csrToDense64,
  maxDeviationFromScaledIdentity,
  shortSideGram,
  singularValues,
  symmetricEigenvalues,
} from './linalg.js';
import { patternOf, patternOfSupports, referenceSample, sampleFromRotations } from './oracle.js';

function gramDeviation(w: CsrMatrix, gain: number): number {
  const { n, g } = shortSideGram(csrToDense64(w), w.rows, w.cols);
  return maxDeviationFromScaledIdentity(g, n, gain * gain);
}

const SHAPES: Array<[rows: number, cols: number]> = [
  [32, 32],
  [48, 20],
  [20, 48],
  [1, 40],
  [40, 1],
  [1, 1],
];

describe('eoi', () => {
  it('the Jacobi eigen solver used below recovers known eigenvalues', () => {
    // Q·diag(1, 2, 5)·Qᵀ for a rotation Q in the (0, 2) plane.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const a = Float64Array.of(c * c * 1 + s * s * 5, 0, c * s * (5 - 1), 0, 2, 0, c * s * (5 - 1), 0, s * s * 1 + c * c * 5);
    symmetricEigenvalues(a, 3).forEach((e, k) => expect(e).toBeCloseTo([1, 2, 5][k]!, 12));
  });

  for (const [rows, cols] of SHAPES) {
    it(`${rows} x ${cols}: short-side rows orthonormal, singular values = gain, at densities 1/M .. 1`, () => {
      const M = Math.max(rows, cols);
      for (const density of [1 / M, 0.1, 0.3, 0.7, 1].filter((d) => d >= 1 / M)) {
        for (const gain of [1, 1.7]) {
          const w = eoi(rows, cols, { density, seed: 3, gain });
          checkCsrWellFormed(w);
          expect([w.rows, w.cols]).toEqual([rows, cols]);
          expect(gramDeviation(w, gain)).toBeLessThanOrEqual(2e-5 * gain * gain);
          for (const sv of singularValues(csrToDense64(w), rows, cols)) expect(Math.abs(sv - gain)).toBeLessThan(1e-4 * gain);
        }
      }
    });
  }

  it('emits exactly the structural mask, at the sampled density', () => {
    for (const [rows, cols] of SHAPES) {
      const M = Math.max(rows, cols);
      for (const density of [1 / M, 0.25, 0.6, 1].filter((d) => d >= 1 / M)) {
        const w = eoi(rows, cols, { density, seed: 9 });
        const ref = referenceSample(rows, cols, density, 9);
        expect(patternOf(w)).toEqual(patternOfSupports(rows, cols, ref.supports));
        expect(w.values.length).toBe(ref.nnz);
        expect(w.rotations).toBe(ref.pairs.length / 2);
      }
    }
  });

  it('keeps positions whose values cancel to exactly 0 (mask is structural)', () => {
    // Rotating (0, 1) by a and then by −a restores [I | 0] numerically, with exact zeros at
    // (0, 1) and (1, 0) that are structurally in the mask.
    const sample = sampleFromRotations(2, 3, [
      { i: 0, j: 1, angle: 0.7 },
      { i: 0, j: 1, angle: -0.7 },
    ]);
    const w = eoiFromSample(sample);
    expect(patternOf(w)).toEqual([0, 1, 3, 4]);
    expect(Array.from(w.values)).toEqual([expect.closeTo(1, 15), 0, 0, expect.closeTo(1, 15)]);
    const fromDense = eoiCsrFromDense(sample, Float32Array.of(1, 0, 0, 0, 1, 0));
    expect(Array.from(fromDense.colIdx)).toEqual(Array.from(w.colIdx));
    expect(Array.from(fromDense.values)).toEqual([1, 0, 0, 1]);
  });

  it('square: every row and every column keeps a nonzero', () => {
    for (const seed of [1, 2, 3]) {
      const w = eoi(128, 128, { density: 0.125, seed });
      const colHit = new Uint8Array(128);
      for (let r = 0; r < 128; r++) {
        expect(w.rowPtr[r + 1]! - w.rowPtr[r]!).toBeGreaterThan(0);
        for (let p = w.rowPtr[r]!; p < w.rowPtr[r + 1]!; p++) colHit[w.colIdx[p]!] = 1;
      }
      expect(colHit.every((h) => h === 1)).toBe(true);
    }
  });

  it('is deterministic per seed', () => {
    const a = eoi(50, 30, { density: 0.4, seed: 5 });
    const b = eoi(50, 30, { density: 0.4, seed: 5 });
    expect(b.values).toEqual(a.values);
    expect(b.colIdx).toEqual(a.colIdx);
    expect(b.rowPtr).toEqual(a.rowPtr);
    expect(eoi(50, 30, { density: 0.4, seed: 6 }).values).not.toEqual(a.values);
  });

  it('reports the rotation count and the round count of its schedule', () => {
    const w = eoi(100, 100, { density: 0.5, seed: 2 });
    const s = sampleEoiRotations(100, 100, 0.5, 2);
    expect(w.rotations).toBe(s.rotations);
    expect(w.rounds).toBe(scheduleRounds(s.pairs).rounds);
    expect(w.rounds).toBeLessThan(w.rotations / 5);
  });

  it('agrees with the naive dense loop: same rotations, same mask, same values to float32', () => {
    for (const [rows, cols, density, seed] of [
      [24, 24, 0.3, 1],
      [30, 12, 0.5, 2],
      [9, 40, 0.8, 3],
    ] as const) {
      const w = eoi(rows, cols, { density, seed });
      const naive = eoiNaive(rows, cols, { density, seed });
      expect(w.rotations).toBe(naive.rotations);
      expect(w.values.length).toBe(naive.nnz);
      const dense = csrToDense64(w);
      for (let k = 0; k < dense.length; k++) {
        expect(naive.values[k] !== 0).toBe(dense[k] !== 0);
        expect(Math.abs(dense[k]! - naive.values[k]!)).toBeLessThan(1e-7);
      }
    }
  });

  it('eoiCsrFromDense reproduces the CPU result from the dense m x M matrix A', () => {
    for (const [rows, cols] of [
      [20, 36],
      [36, 20],
    ] as const) {
      const sample = sampleEoiRotations(rows, cols, 0.4, 8);
      const w = eoiFromSample(sample);
      const dense = csrToDense64(w);
      const a = new Float32Array(sample.m * sample.M);
      for (let r = 0; r < sample.m; r++) {
        for (let c = 0; c < sample.M; c++) a[r * sample.M + c] = sample.transposed ? dense[c * cols + r]! : dense[r * cols + c]!;
      }
      const again = eoiCsrFromDense(sample, a);
      expect(again.rowPtr).toEqual(w.rowPtr);
      expect(again.colIdx).toEqual(w.colIdx);
      expect(again.values).toEqual(w.values);
      expect(() => eoiCsrFromDense(sample, new Float32Array(3))).toThrow(/a must have length/);
    }
  });

  it('holds its invariants on random small shapes, densities, seeds and gains', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(1e6),
        fc.double({ min: 0.25, max: 4, noNaN: true }),
        (rows, cols, u, seed, gain) => {
          const M = Math.max(rows, cols);
          const density = Math.min(1, 1 / M + u * (1 - 1 / M));
          const w = eoi(rows, cols, { density, seed, gain });
          checkCsrWellFormed(w);
          expect(gramDeviation(w, gain)).toBeLessThanOrEqual(2e-5 * gain * gain);
          expect(patternOf(w)).toEqual(patternOfSupports(rows, cols, referenceSample(rows, cols, density, seed).supports));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('4096 x 4096 at density 0.1 in well under a few seconds, rows orthonormal', () => {
    const start = performance.now();
    const w = eoi(4096, 4096, { density: 0.1, seed: 1 });
    expect(performance.now() - start).toBeLessThan(5000);
    expect(Math.abs(w.values.length / 4096 ** 2 - 0.1)).toBeLessThan(1e-3);
    const rowDot = (a: number, b: number): number => {
      let p = w.rowPtr[a]!;
      let q = w.rowPtr[b]!;
      let sum = 0;
      while (p < w.rowPtr[a + 1]! && q < w.rowPtr[b + 1]!) {
        if (w.colIdx[p] === w.colIdx[q]) sum += w.values[p++]! * w.values[q++]!;
        else if (w.colIdx[p]! < w.colIdx[q]!) p++;
        else q++;
      }
      return sum;
    };
    for (let k = 0; k < 64; k++) {
      const a = (k * 613) % 4096;
      const b = (k * 1931 + 7) % 4096;
      expect(Math.abs(rowDot(a, b) - (a === b ? 1 : 0))).toBeLessThan(2e-5);
      expect(Math.abs(rowDot(a, a) - 1)).toBeLessThan(2e-5);
    }
  });
});
