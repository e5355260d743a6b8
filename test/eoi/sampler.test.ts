import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eoiRotationsFor } from '../../src/eoi/density.js';
import { popcount32, sampleEoiRotations } from '../../src/eoi/sampler.js';
import { Rng } from '../../src/random.js';
import { referenceSample } from './oracle.js';

describe('sampleEoiRotations', () => {
  it('draws i = nextInt(M), j = nextInt(M-1) shifted past i, angle = 2π·nextFloat()', () => {
    const s = sampleEoiRotations(20, 30, 0.2, 7);
    const rng = new Rng(7);
    for (let t = 0; t < s.rotations; t++) {
      const i = rng.nextInt(30);
      const j0 = rng.nextInt(29);
      const angle = 2 * Math.PI * rng.nextFloat();
      expect([s.pairs[2 * t], s.pairs[2 * t + 1]]).toEqual([i, j0 >= i ? j0 + 1 : j0]);
      expect(s.cos[t]).toBe(Math.cos(angle));
      expect(s.sin[t]).toBe(Math.sin(angle));
    }
  });

  it('matches the Set-based reference: same rotations, nnz and column supports', () => {
    for (const [rows, cols, density, seed] of [
      [16, 16, 0.3, 1],
      [40, 9, 0.5, 2],
      [7, 50, 0.9, 3],
      [1, 33, 0.4, 4],
      [33, 1, 1, 5],
      [64, 64, 1, 6],
    ] as const) {
      const s = sampleEoiRotations(rows, cols, density, seed);
      const ref = referenceSample(rows, cols, density, seed);
      expect(Array.from(s.pairs)).toEqual(ref.pairs);
      expect(Array.from(s.cos)).toEqual(ref.cos);
      expect(s.nnz).toBe(ref.nnz);
      for (let c = 0; c < s.M; c++) {
        const bits: number[] = [];
        for (let r = 0; r < s.m; r++) if ((s.columnMasks[c * s.wordsPerColumn + (r >>> 5)]! >>> (r & 31)) & 1) bits.push(r);
        expect(bits).toEqual([...ref.supports[c]!].sort((a, b) => a - b));
        expect(s.columnCounts[c]).toBe(bits.length);
      }
    }
  });

  it('stops at the closer of the two densities around the target, keeping the later one on a tie', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 48 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(1e6),
        (rows, cols, u, seed) => {
          const M = Math.max(rows, cols);
          const total = rows * cols;
          const density = Math.min(1, 1 / M + u * (1 - 1 / M));
          const s = sampleEoiRotations(rows, cols, density, seed);
          const ref = referenceSample(rows, cols, density, seed);
          expect(s.rotations).toBe(ref.pairs.length / 2);
          expect(s.nnz).toBe(ref.nnz);
          if (ref.crossing === null) {
            expect(s.rotations).toBe(0); // the start already reaches the target
            return;
          }
          const { before, after } = ref.crossing;
          expect(before / total).toBeLessThan(density);
          expect(after / total).toBeGreaterThanOrEqual(density);
          // Within one rotation's increment of the target, and the closer of the two.
          expect(Math.abs(s.nnz / total - density)).toBeLessThanOrEqual((after - before) / total);
          const closer = Math.min(Math.abs(before / total - density), Math.abs(after / total - density));
          expect(Math.abs(s.nnz / total - density)).toBe(closer);
          if (Math.abs(before / total - density) === Math.abs(after / total - density)) expect(s.nnz).toBe(after);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = sampleEoiRotations(64, 48, 0.3, 11);
    const b = sampleEoiRotations(64, 48, 0.3, 11);
    const c = sampleEoiRotations(64, 48, 0.3, 12);
    expect(b.pairs).toEqual(a.pairs);
    expect(b.cos).toEqual(a.cos);
    expect(b.columnMasks).toEqual(a.columnMasks);
    expect(c.pairs).not.toEqual(a.pairs);
    expect(sampleEoiRotations(10, 10, 0.5).pairs).toEqual(sampleEoiRotations(10, 10, 0.5, 0).pairs);
  });

  it('needs no rotation at density 1/M and reaches density 1 exactly', () => {
    expect(sampleEoiRotations(12, 30, 1 / 30, 1).rotations).toBe(0);
    expect(sampleEoiRotations(1, 1, 1, 1).rotations).toBe(0);
    const full = sampleEoiRotations(24, 40, 1, 3);
    expect(full.nnz).toBe(24 * 40);
  });

  it('takes on average the rotation count predicted by the recursion (within 5%)', () => {
    for (const [M, density, predicted] of [
      [128, 0.125, 192],
      [100, 0.5, 252],
    ] as const) {
      expect(eoiRotationsFor(M, M, density)).toBe(predicted);
      let sum = 0;
      const seeds = 20;
      for (let seed = 0; seed < seeds; seed++) sum += sampleEoiRotations(M, M, density, seed).rotations;
      expect(Math.abs(sum / seeds - predicted) / predicted).toBeLessThan(0.05);
    }
  });

  it('is fast at 4096 x 4096, density 0.1', () => {
    const start = performance.now();
    const s = sampleEoiRotations(4096, 4096, 0.1, 1);
    expect(performance.now() - start).toBeLessThan(3000);
    expect(Math.abs(s.rotations - eoiRotationsFor(4096, 4096, 0.1)) / s.rotations).toBeLessThan(0.05);
    expect(Math.abs(s.nnz / 4096 ** 2 - 0.1)).toBeLessThan(1e-3);
  });

  it('popcount32 counts set bits of any 32-bit word', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        expect(popcount32(x)).toBe(x.toString(2).split('').filter((b) => b === '1').length);
      }),
    );
  });
});
