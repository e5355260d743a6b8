import { describe, expect, it } from 'vitest';
import { eoiRotationsFor, expectedEoiDensity } from '../../src/eoi/density.js';
import { Rng } from '../../src/random.js';

// Exact-recursion predictions of the rotation count (checked by simulation when they were tabulated).
const DENSITIES = [0.05, 0.1, 0.125, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99];
const TABLE: Array<[M: number, rotations: number[]]> = [
  [100, [84, 123, 137, 168, 200, 252, 306, 394, 542]],
  [128, [124, 174, 192, 232, 272, 339, 409, 522, 711]],
  [512, [854, 1057, 1127, 1288, 1450, 1719, 2002, 2456, 3219]],
];

describe('expectedEoiDensity / eoiRotationsFor', () => {
  it('reproduce the rotation-count table of eoi.md', () => {
    for (const [M, expected] of TABLE) {
      expect(DENSITIES.map((d) => eoiRotationsFor(M, M, d))).toEqual(expected);
    }
    expect(eoiRotationsFor(784, 100, 0.0735)).toBe(1644);
  });

  it('eoiRotationsFor is the smallest k whose expected density reaches the target', () => {
    for (const [rows, cols, d] of [
      [100, 100, 0.5],
      [30, 200, 0.2],
      [64, 64, 0.9],
    ] as const) {
      const k = eoiRotationsFor(rows, cols, d);
      expect(expectedEoiDensity(rows, cols, k)).toBeGreaterThanOrEqual(d);
      expect(expectedEoiDensity(rows, cols, k - 1)).toBeLessThan(d);
    }
  });

  it('starts at 1/M, increases with k, depends only on M = max(rows, cols)', () => {
    expect(expectedEoiDensity(10, 40, 0)).toBe(1 / 40);
    let last = 0;
    for (let k = 0; k < 300; k += 7) {
      const d = expectedEoiDensity(40, 40, k);
      expect(d).toBeGreaterThan(last);
      expect(d).toBeLessThanOrEqual(1);
      last = d;
    }
    expect(expectedEoiDensity(3, 40, 55)).toBe(expectedEoiDensity(40, 40, 55));
    expect(expectedEoiDensity(40, 1, 55)).toBe(expectedEoiDensity(40, 40, 55));
  });

  it('matches a direct simulation of one row support', () => {
    const M = 30;
    const k = 40;
    const rng = new Rng(123);
    const trials = 20000;
    let sum = 0;
    for (let t = 0; t < trials; t++) {
      const support = new Set([0]);
      for (let step = 0; step < k; step++) {
        const i = rng.nextInt(M);
        let j = rng.nextInt(M - 1);
        if (j >= i) j++;
        if (support.has(i) !== support.has(j)) support.add(support.has(i) ? j : i);
      }
      sum += support.size / M;
    }
    // Standard error of the mean is about 0.2 / sqrt(20000) ≈ 0.0015.
    expect(Math.abs(sum / trials - expectedEoiDensity(M, M, k))).toBeLessThan(0.006);
  });

  it('the closed-form approximation never overestimates the rotation count', () => {
    for (const [M, expected] of TABLE) {
      DENSITIES.forEach((rho, n) => {
        const approx = ((M - 1) / 2) * Math.log(((M - 1) * rho) / (1 - rho));
        expect(approx).toBeLessThanOrEqual(expected[n]!);
      });
    }
  });

  it('handles the edges: 1 x 1, density 1/M, density 1, large M', () => {
    expect(expectedEoiDensity(1, 1, 5)).toBe(1);
    expect(eoiRotationsFor(1, 1, 1)).toBe(0);
    expect(eoiRotationsFor(50, 20, 1 / 50)).toBe(0);
    const full = eoiRotationsFor(64, 64, 1);
    expect(expectedEoiDensity(64, 64, full)).toBeGreaterThan(1 - 1e-9);
    expect(expectedEoiDensity(64, 64, 10 ** 9)).toBeGreaterThanOrEqual(1 - Number.EPSILON);
    const start = performance.now();
    const k = eoiRotationsFor(4096, 4096, 0.1);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(k).toBeGreaterThan(12000);
    expect(k).toBeLessThan(13500);
  });
});
