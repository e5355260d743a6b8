import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleEoiRotations } from '../../src/eoi/sampler.js';
import { packRounds, scheduleRounds } from '../../src/eoi/schedule.js';

/** [I_m | 0] · G_t over the given rotation indices, dense float64 row-major m x M. */
function applyInOrder(m: number, M: number, pairs: Uint32Array, cos: ArrayLike<number>, sin: ArrayLike<number>, order: ArrayLike<number>): Float64Array {
  const a = new Float64Array(m * M);
  for (let r = 0; r < m; r++) a[r * M + r] = 1;
  for (let k = 0; k < order.length; k++) {
    const t = order[k]!;
    const i = pairs[2 * t]!;
    const j = pairs[2 * t + 1]!;
    for (let r = 0; r < m; r++) {
      const x = a[r * M + i]!;
      const y = a[r * M + j]!;
      a[r * M + i] = cos[t]! * x + sin[t]! * y;
      a[r * M + j] = -sin[t]! * x + cos[t]! * y;
    }
  }
  return a;
}

describe('scheduleRounds', () => {
  it('every rotation once; rounds pairwise disjoint; original order within a round', () => {
    const s = sampleEoiRotations(200, 200, 0.3, 4);
    const { rounds, roundPtr, order } = scheduleRounds(s.pairs);
    expect(roundPtr.length).toBe(rounds + 1);
    expect(roundPtr[rounds]).toBe(s.rotations);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: s.rotations }, (_, t) => t));
    for (let r = 0; r < rounds; r++) {
      expect(roundPtr[r + 1]!).toBeGreaterThan(roundPtr[r]!);
      const touched = new Set<number>();
      for (let slot = roundPtr[r]!; slot < roundPtr[r + 1]!; slot++) {
        const t = order[slot]!;
        for (const index of [s.pairs[2 * t]!, s.pairs[2 * t + 1]!]) {
          expect(touched.has(index)).toBe(false);
          touched.add(index);
        }
        if (slot > roundPtr[r]!) expect(t).toBeGreaterThan(order[slot - 1]!);
      }
    }
  });

  it('scheduled order gives the same product as the original order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(1e6), (M, m0, u, seed) => {
        const m = Math.min(m0, M);
        const density = Math.min(1, 1 / M + u * (1 - 1 / M));
        const s = sampleEoiRotations(m, M, density, seed);
        const schedule = scheduleRounds(s.pairs);
        const identity = Array.from({ length: s.rotations }, (_, t) => t);
        const original = applyInOrder(m, M, s.pairs, s.cos, s.sin, identity);
        const scheduled = applyInOrder(m, M, s.pairs, s.cos, s.sin, schedule.order);
        // Each column sees the same operations in the same order, so the match is bit-exact.
        expect(scheduled).toEqual(original);
      }),
      { numRuns: 200 },
    );
  });

  it('needs far fewer rounds than rotations, growing slowly with M', () => {
    const ratio: number[] = [];
    for (const M of [128, 512, 2048]) {
      const s = sampleEoiRotations(M, M, 0.1, 1);
      const { rounds } = scheduleRounds(s.pairs);
      expect(rounds).toBeLessThan(s.rotations / 10);
      ratio.push(rounds / Math.log(0.1 * M));
    }
    // rounds / log(d·M) stays within a small band while the rotation count grows ~20-fold.
    expect(Math.max(...ratio) / Math.min(...ratio)).toBeLessThan(3);
  });

  it('handles an empty sequence', () => {
    expect(scheduleRounds(new Uint32Array(0))).toEqual({ rounds: 0, roundPtr: Uint32Array.of(0), order: new Uint32Array(0) });
  });
});

describe('packRounds', () => {
  it('lists pairs and float32 (cos, sin) in scheduled order', () => {
    const s = sampleEoiRotations(40, 60, 0.3, 2);
    const schedule = scheduleRounds(s.pairs);
    const packed = packRounds(s, schedule);
    expect(packed.pairs.length).toBe(2 * s.rotations);
    expect(packed.cosSin.length).toBe(2 * s.rotations);
    schedule.order.forEach((t, slot) => {
      expect([packed.pairs[2 * slot], packed.pairs[2 * slot + 1]]).toEqual([s.pairs[2 * t], s.pairs[2 * t + 1]]);
      expect(packed.cosSin[2 * slot]).toBe(Math.fround(s.cos[t]!));
      expect(packed.cosSin[2 * slot + 1]).toBe(Math.fround(s.sin[t]!));
    });
  });
});
