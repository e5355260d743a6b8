import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBsr, randomCsr, rowSwizzle } from '../../src/sparse/index.js';

describe('rowSwizzle', () => {
  it('orders rows by decreasing length, ties by row index', () => {
    // lengths 2, 0, 3, 1, 2
    expect(Array.from(rowSwizzle(Uint32Array.of(0, 2, 2, 5, 6, 8)))).toEqual([2, 0, 4, 3, 1]);
  });

  it('keeps the identity when all rows are equal, and handles one row and no rows', () => {
    expect(Array.from(rowSwizzle(Uint32Array.of(0, 3, 6, 9)))).toEqual([0, 1, 2]);
    expect(Array.from(rowSwizzle(Uint32Array.of(0, 0, 0)))).toEqual([0, 1]);
    expect(Array.from(rowSwizzle(Uint32Array.of(0, 5)))).toEqual([0]);
    expect(Array.from(rowSwizzle(Uint32Array.of(0)))).toEqual([]);
  });

  it('takes a BSR rowPtr (block rows)', () => {
    const w = randomBsr(40, 40, 0.4, 8, 1);
    expect(rowSwizzle(w.rowPtr).length).toBe(w.blockRows);
  });

  it('refuses a malformed rowPtr', () => {
    expect(() => rowSwizzle([0, 1] as unknown as Uint32Array)).toThrow(/^rowPtr must be a Uint32Array, got an Array$/);
    expect(() => rowSwizzle(new Uint32Array(0))).toThrow(/^rowPtr\.length must be an integer in \[1, /);
    expect(() => rowSwizzle(Uint32Array.of(1, 2))).toThrow(/^rowPtr\[0\] must be 0, got 1$/);
    expect(() => rowSwizzle(Uint32Array.of(0, 3, 2))).toThrow(/^rowPtr must be non-decreasing, but rowPtr\[2\] = 2 < rowPtr\[1\] = 3$/);
  });

  it('is a permutation with non-increasing lengths and increasing index within ties (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (rows, cols, seed) => {
        const { rowPtr } = randomCsr(rows, cols, 0.4, seed);
        const order = rowSwizzle(rowPtr);
        expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, r) => r));
        const length = (r: number) => rowPtr[r + 1] - rowPtr[r];
        for (let i = 1; i < rows; i++) {
          const [prev, next] = [order[i - 1], order[i]];
          expect(length(prev) > length(next) || (length(prev) === length(next) && prev < next)).toBe(true);
        }
      }),
    );
  });
});
