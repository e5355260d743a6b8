import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepByBudget, keepTop, kthLargest, scoreTable } from '../../src/masks/select.js';

describe('score selection', () => {
  it('kthLargest agrees with sorting, ties and -Infinity included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(-Infinity), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 200 }), fc.nat(), (xs, pick) => {
        const values = Float64Array.from(xs);
        const k = 1 + (pick % values.length);
        const sorted = Array.from(values).sort((a, b) => b - a);
        // === rather than toBe: -0 and 0 are the same score.
        expect(kthLargest(values, k) === sorted[k - 1], `k = ${k}`).toBe(true);
        expect(Array.from(values)).toEqual(xs); // input untouched
      }),
      { numRuns: 500 },
    );
  });

  it('keepTop keeps exactly count, the highest first, ties at the threshold to the lowest indices', () => {
    const scores = Float64Array.of(3, 1, 2, 2, -Infinity, 2, 5);
    expect(Array.from(keepTop(scores, 3))).toEqual([1, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(keepTop(scores, 4))).toEqual([1, 0, 1, 1, 0, 0, 1]);
    expect(Array.from(keepTop(scores, 0))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(keepTop(scores, 6))).toEqual([1, 1, 1, 1, 0, 1, 1]);
  });

  it('refuses NaN scores and budgets larger than what may be kept', () => {
    expect(() => keepTop(Float64Array.of(1, NaN), 1)).toThrow(/scores\[1\] is NaN/);
    expect(() => keepTop(Float64Array.of(1, -Infinity), 2)).toThrow(/cannot keep 2 entries: only 1 may still be kept/);
  });

  it('global and per-layer budgets read the same table', () => {
    const table = scoreTable([3, 2]);
    table.all.set([0.1, 0.9, 0.2, 0.8, 0.7]);
    expect(keepByBudget(table, { scope: 'global', count: 2 }).map((m) => Array.from(m))).toEqual([[0, 1, 0], [1, 0]]);
    expect(keepByBudget(table, { scope: 'layer', counts: [2, 1] }).map((m) => Array.from(m))).toEqual([[0, 1, 1], [1, 0]]);
  });
});
