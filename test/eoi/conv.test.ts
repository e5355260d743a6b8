import { describe, expect, it } from 'vitest';
import { eoiConv } from '../../src/eoi/conv.js';
import { eoi } from '../../src/eoi/eoi.js';
import { maxDeviationFromScaledIdentity, shortSideGram } from './linalg.js';

/** The centre tap as a dense cOut x cIn float64 matrix. */
function centreTap(weights: Float32Array, cOut: number, cIn: number, k: number): Float64Array {
  const centre = ((k - 1) / 2) * k + (k - 1) / 2;
  return Float64Array.from({ length: cOut * cIn }, (_, n) => weights[n * k * k + centre]!);
}

describe('eoiConv', () => {
  it('writes EOI(cOut, cIn) times the gain at the centre tap and nothing elsewhere', () => {
    for (const [cOut, cIn, k] of [
      [16, 8, 3],
      [8, 24, 5],
      [12, 12, 1],
    ] as const) {
      const conv = eoiConv(cOut, cIn, k, { density: 0.3, seed: 4, gain: 1.3 });
      expect(conv.shape).toEqual([cOut, cIn, k, k]);
      expect(conv.weights.length).toBe(cOut * cIn * k * k);
      expect(conv.centreDensity).toBe(0.3);
      const h = eoi(cOut, cIn, { density: 0.3, seed: 4, gain: 1.3 });
      expect(conv.nnz).toBe(h.values.length);
      expect(conv.rotations).toBe(h.rotations);
      const centre = ((k - 1) / 2) * k + (k - 1) / 2;
      let masked = 0;
      conv.mask.forEach((bit, n) => {
        masked += bit;
        if (n % (k * k) !== centre) {
          expect(bit).toBe(0);
          expect(conv.weights[n]).toBe(0);
        }
      });
      expect(masked).toBe(conv.nnz);
      for (let o = 0; o < cOut; o++) {
        for (let p = h.rowPtr[o]!; p < h.rowPtr[o + 1]!; p++) {
          const n = (o * cIn + h.colIdx[p]!) * k * k + centre;
          expect(conv.weights[n]).toBe(h.values[p]);
          expect(conv.mask[n]).toBe(1);
        }
      }
      const { n, g } = shortSideGram(centreTap(conv.weights, cOut, cIn, k), cOut, cIn);
      expect(maxDeviationFromScaledIdentity(g, n, 1.3 * 1.3)).toBeLessThan(2e-5 * 1.69);
    }
  });

  it('"more nonzeros": centre at min(d·k², 1, √d), zero-valued mask entries up to round(d·numel)', () => {
    for (const [cOut, cIn, k, d] of [
      [32, 32, 3, 0.05],
      [16, 48, 3, 0.3],
      [24, 8, 5, 0.01],
    ] as const) {
      const conv = eoiConv(cOut, cIn, k, { density: d, seed: 2, moreNonzeros: true });
      expect(conv.centreDensity).toBe(Math.min(d * k * k, 1, Math.sqrt(d)));
      const h = eoi(cOut, cIn, { density: conv.centreDensity, seed: 2 });
      const numel = cOut * cIn * k * k;
      expect(conv.nnz).toBe(Math.max(Math.round(d * numel), h.values.length));
      expect(conv.mask.reduce((a, b) => a + b, 0)).toBe(conv.nnz);
      const centre = ((k - 1) / 2) * k + (k - 1) / 2;
      let offCentre = 0;
      conv.mask.forEach((bit, n) => {
        if (n % (k * k) !== centre) {
          expect(conv.weights[n]).toBe(0);
          offCentre += bit;
        }
      });
      expect(offCentre).toBeGreaterThan(0);
      const again = eoiConv(cOut, cIn, k, { density: d, seed: 2, moreNonzeros: true });
      expect(again.mask).toEqual(conv.mask);
      expect(eoiConv(cOut, cIn, k, { density: d, seed: 3, moreNonzeros: true }).mask).not.toEqual(conv.mask);
    }
  });

  it('rejects even or non-positive k and densities whose centre matrix would be below 1/max(cOut, cIn)', () => {
    expect(() => eoiConv(8, 8, 2, { density: 0.5 })).toThrow(RangeError);
    expect(() => eoiConv(8, 8, 4, { density: 0.5 })).toThrow(/k must be an odd positive integer/);
    expect(() => eoiConv(8, 8, 0, { density: 0.5 })).toThrow(/k must be an integer in \[1,/);
    expect(() => eoiConv(8, 8, 1.5, { density: 0.5 })).toThrow(TypeError);
    expect(() => eoiConv(0, 8, 3, { density: 0.5 })).toThrow(/cOut/);
    expect(() => eoiConv(8, -1, 3, { density: 0.5 })).toThrow(/cIn/);
    expect(() => eoiConv(8, 16, 3, { density: 0.05 })).toThrow(/density must be a number in \[0\.0625/);
    expect(eoiConv(8, 16, 3, { density: 0.05, moreNonzeros: true }).centreDensity).toBe(Math.sqrt(0.05));
    expect(() => eoiConv(8, 16, 3, { density: 0.005, moreNonzeros: true })).toThrow(/density must be a number in \[/);
    expect(() => eoiConv(8, 16, 3, { density: Number.NaN })).toThrow(/density/);
    expect(() => eoiConv(8, 16, 3, { density: 1.5 })).toThrow(/density/);
  });
});
