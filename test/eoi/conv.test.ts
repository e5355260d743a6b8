import { describe, expect, it } from 'vitest';
import { eoiConv } from '../../src/eoi/conv.js';
import { eoi } from '../../src/eoi/eoi.js';
import { sampleEoiRotations } from '../../src/eoi/sampler.js';
import { maxDeviationFromScaledIdentity, shortSideGram } from './linalg.js';

/** The centre tap as a dense cOut x cIn float64 matrix. */
function centreTap(weights: Float32Array, cOut: number, cIn: number, k: number): Float64Array {
  const centre = ((k - 1) / 2) * k + (k - 1) / 2;
  return Float64Array.from({ length: cOut * cIn }, (_, n) => weights[n * k * k + centre]!);
}

function rhoH(d: number, k: number, moreNonzeros: boolean): number {
  return moreNonzeros ? Math.min(d * k * k, 1, Math.sqrt(d)) : d;
}

/**
 * Everything eoiConv promises for one call: round(d·numel) mask entries, gain·EOI(cOut, cIn) at
 * the centre density it reports (bit for bit), every other weight exactly 0, the centre orthogonal.
 */
function checkKernel(cOut: number, cIn: number, k: number, d: number, seed: number, moreNonzeros: boolean, gain: number) {
  const conv = eoiConv(cOut, cIn, k, { density: d, seed, gain, moreNonzeros });
  const numel = cOut * cIn * k * k;
  expect(conv.shape).toEqual([cOut, cIn, k, k]);
  expect(conv.weights.length).toBe(numel);
  expect(conv.nnz).toBe(Math.round(d * numel));
  expect(conv.mask.reduce((a, b) => a + b, 0)).toBe(conv.nnz);
  expect(conv.centreDensity).toBeLessThanOrEqual(rhoH(d, k, moreNonzeros));

  const h = eoi(cOut, cIn, { density: conv.centreDensity, seed, gain });
  expect(conv.rotations).toBe(h.rotations);
  expect(conv.rounds).toBe(h.rounds);
  const centre = ((k - 1) / 2) * k + (k - 1) / 2;
  const inH = new Uint8Array(numel);
  let wrongCentre = 0;
  for (let o = 0; o < cOut; o++) {
    for (let p = h.rowPtr[o]!; p < h.rowPtr[o + 1]!; p++) {
      const n = (o * cIn + h.colIdx[p]!) * k * k + centre;
      inH[n] = 1;
      if (conv.weights[n] !== h.values[p] || conv.mask[n] !== 1) wrongCentre++;
    }
  }
  let topUp = 0;
  let topUpOffCentre = 0;
  let nonzeroElsewhere = 0;
  conv.mask.forEach((bit, n) => {
    if (inH[n]) return;
    if (conv.weights[n] !== 0) nonzeroElsewhere++;
    topUp += bit;
    if (n % (k * k) !== centre) topUpOffCentre += bit;
  });
  // Counted, not asserted per element, to keep the loops fast.
  expect(wrongCentre).toBe(0);
  expect(nonzeroElsewhere).toBe(0);
  expect(topUp).toBe(conv.nnz - h.values.length);
  const { n, g } = shortSideGram(centreTap(conv.weights, cOut, cIn, k), cOut, cIn);
  // float32 storage of the float64 product: 2e-5 (times gain²) is far above rounding, far below a real error.
  expect(maxDeviationFromScaledIdentity(g, n, gain * gain)).toBeLessThan(2e-5 * gain * gain);
  return { conv, h, topUp, topUpOffCentre };
}

describe('eoiConv', () => {
  it('default mode: EOI at density d on the centre tap, the mask topped up to round(d·numel) with zeros anywhere', () => {
    for (const [cOut, cIn, k, d] of [
      [16, 8, 3, 0.3],
      [8, 24, 5, 0.1],
      [3, 16, 3, 0.2],
      [24, 1, 3, 0.5],
      [12, 12, 7, 1],
    ] as const) {
      const { conv, h, topUpOffCentre } = checkKernel(cOut, cIn, k, d, 4, false, 1.3);
      expect(conv.centreDensity).toBe(d);
      // Without the top-up the kernel would hold about d/k² of its weights.
      expect(h.values.length).toBeLessThan(conv.nnz / 2);
      expect(topUpOffCentre).toBeGreaterThan(0);
    }
  });

  it('"more nonzeros": centre at min(d·k², 1, √d), the same top-up to round(d·numel)', () => {
    for (const [cOut, cIn, k, d] of [
      [32, 32, 3, 0.05],
      [16, 48, 3, 0.3],
      [24, 8, 5, 0.01],
      [8, 8, 3, 1],
    ] as const) {
      const { conv, topUpOffCentre } = checkKernel(cOut, cIn, k, d, 2, true, 1);
      expect(conv.centreDensity).toBe(rhoH(d, k, true));
      expect(topUpOffCentre).toBeGreaterThan(0);
    }
    // d = 1: the centre is dense and every other tap is in the mask.
    const full = eoiConv(8, 8, 3, { density: 1, seed: 1, moreNonzeros: true });
    expect(full.mask.every((bit) => bit === 1)).toBe(true);
  });

  it('where EOI would pass the budget (k = 1, or "more nonzeros" with d <= 1/k⁴), the centre is a prefix of the same rotations, at the largest count that fits', () => {
    let cut = 0;
    for (const [cOut, cIn, k, d, moreNonzeros] of [
      [12, 12, 1, 0.3, false],
      [8, 24, 1, 0.5, true],
      [32, 32, 3, 0.01, true],
      [24, 40, 5, 0.0015, true],
    ] as const) {
      for (let seed = 0; seed < 8; seed++) {
        const { conv } = checkKernel(cOut, cIn, k, d, seed, moreNonzeros, 0.7);
        const full = sampleEoiRotations(cOut, cIn, rhoH(d, k, moreNonzeros), seed);
        if (full.nnz <= conv.nnz) {
          expect(conv.centreDensity).toBe(rhoH(d, k, moreNonzeros));
          continue;
        }
        cut++;
        // Same rotation stream, cut short: a strict prefix of what EOI at rho_H applies.
        const kept = sampleEoiRotations(cOut, cIn, conv.centreDensity, seed);
        expect(kept.rotations).toBeLessThan(full.rotations);
        expect(Array.from(full.pairs.subarray(0, 2 * kept.rotations))).toEqual(Array.from(kept.pairs));
        // At the largest count that fits: aiming one entry higher either passes the budget or
        // gives the same count.
        const next = sampleEoiRotations(cOut, cIn, (kept.nnz + 1) / (cOut * cIn), seed);
        expect(next.nnz > conv.nnz || next.nnz === kept.nnz).toBe(true);
      }
    }
    expect(cut).toBeGreaterThan(4); // the cut really happens in these configurations
  });

  it('is deterministic per seed, top-up positions included', () => {
    const a = eoiConv(16, 16, 3, { density: 0.2, seed: 9 });
    const b = eoiConv(16, 16, 3, { density: 0.2, seed: 9 });
    expect(b.mask).toEqual(a.mask);
    expect(b.weights).toEqual(a.weights);
    expect(eoiConv(16, 16, 3, { density: 0.2, seed: 10 }).mask).not.toEqual(a.mask);
    // The gain scales the values only.
    const scaled = eoiConv(16, 16, 3, { density: 0.2, seed: 9, gain: 2 });
    expect(scaled.mask).toEqual(a.mask);
    expect(scaled.weights).toEqual(a.weights.map((w) => Math.fround(2 * w)));
  });

  it('spreads the top-up uniformly over the free positions', () => {
    // 200 kernels, 8·8·3·3 = 576 positions: each free position is picked with probability
    // (budget - nnz(H)) / (numel - nnz(H)); the count per tap must match that within 5 sigma.
    const cOut = 8;
    const cIn = 8;
    const k = 3;
    const perTap = new Float64Array(k * k);
    const expected = new Float64Array(k * k);
    for (let seed = 0; seed < 200; seed++) {
      const conv = eoiConv(cOut, cIn, k, { density: 0.25, seed });
      const h = eoi(cOut, cIn, { density: conv.centreDensity, seed });
      const free = cOut * cIn * k * k - h.values.length;
      const p = (conv.nnz - h.values.length) / free;
      for (let tap = 0; tap < k * k; tap++) {
        const freeHere = tap === 4 ? cOut * cIn - h.values.length : cOut * cIn;
        expected[tap]! += p * freeHere;
      }
      conv.mask.forEach((bit, n) => {
        if (bit && conv.weights[n] === 0) perTap[n % (k * k)]!++;
      });
    }
    // Top-up entries at the centre are counted by value 0 too; H's own entries are nonzero.
    perTap.forEach((count, tap) => expect(Math.abs(count - expected[tap]!)).toBeLessThan(5 * Math.sqrt(expected[tap]!)));
  });

  it('refuses bad shapes, options and densities outside the reachable range, naming the argument and the range', () => {
    expect(() => eoiConv(8, 8, 2, { density: 0.5 })).toThrow(RangeError);
    expect(() => eoiConv(8, 8, 4, { density: 0.5 })).toThrow(/k must be an odd positive integer/);
    expect(() => eoiConv(8, 8, 0, { density: 0.5 })).toThrow(/k must be an integer in \[1,/);
    expect(() => eoiConv(8, 8, 1.5, { density: 0.5 })).toThrow(TypeError);
    expect(() => eoiConv(0, 8, 3, { density: 0.5 })).toThrow(/cOut/);
    expect(() => eoiConv(8, -1, 3, { density: 0.5 })).toThrow(/cIn/);
    // Default mode: the centre needs d >= 1/max(cOut, cIn).
    expect(() => eoiConv(8, 16, 3, { density: 0.05 })).toThrow(/density must be a number in \[0\.0625 \(= 1\/max\(cOut, cIn\)\), 1\], got 0\.05/);
    // "More nonzeros" reaches lower: min(d·k², √d) >= 1/16 from d = 1/144.
    expect(eoiConv(8, 16, 3, { density: 0.05, moreNonzeros: true }).centreDensity).toBe(Math.sqrt(0.05));
    expect(eoiConv(8, 16, 3, { density: 1 / 144, moreNonzeros: true }).nnz).toBe(8);
    expect(() => eoiConv(8, 16, 3, { density: 0.005, moreNonzeros: true })).toThrow(/density must be a number in \[0\.00694.*, 1\], got 0\.005/);
    expect(() => eoiConv(8, 16, 3, { density: Number.NaN })).toThrow(/density/);
    expect(() => eoiConv(8, 16, 3, { density: 1.5 })).toThrow(/density must be a number in \[.*, 1\], got 1\.5/);
    expect(() => eoiConv(8, 16, 3, { density: '0.5' as never })).toThrow(TypeError);
    expect(() => eoiConv(8, 16, 3, { density: 0.5, seed: -1 })).toThrow(/seed must be an integer in \[0,/);
    expect(() => eoiConv(8, 16, 3, { density: 0.5, gain: Number.POSITIVE_INFINITY })).toThrow(/gain must be a number in/);
    expect(() => eoiConv(8, 16, 3, { density: 0.5, moreNonzeros: 1 as never })).toThrow(/moreNonzeros must be a boolean/);
  });
});
