import { describe, expect, it } from 'vitest';
import { eoiConv } from '../src/eoi/conv.js';
import { convFilterCsr, initConvFilter, type ConvInitSpec } from '../src/nn/conv-init.js';
import { haarOrthogonal, initWeights } from '../src/nn/init.js';
import { convBsrFromCsr, convBsrToCsr, randomConvBsr } from '../src/sparse/conv-bsr.js';
import { type CsrMatrix, csrToDense } from '../src/sparse/csr.js';
import { checkCsrWellFormed, maxDeviationFromScaledIdentity, shortSideGram } from './eoi/linalg.js';

const BASE = { cOut: 12, cIn: 6, kh: 3, kw: 3, gain: 1.4, seed: 5 };

/** The centre tap of a CSR filter as a dense cOut x cIn float64 matrix. */
function centreOf(w: CsrMatrix, cOut: number, cIn: number, kh: number, kw: number): Float64Array {
  const dense = csrToDense(w);
  const centre = ((kh - 1) / 2) * kw + (kw - 1) / 2;
  return Float64Array.from({ length: cOut * cIn }, (_, n) => dense[n * kh * kw + centre]!);
}

/** Stored entries per tap (kh·kw counts) and how many stored values are exactly 0 off the centre. */
function tapStats(w: CsrMatrix, kh: number, kw: number): { perTap: number[]; nonzeroOffCentre: number } {
  const centre = ((kh - 1) / 2) * kw + (kw - 1) / 2;
  const perTap = new Array<number>(kh * kw).fill(0);
  let nonzeroOffCentre = 0;
  w.colIdx.forEach((c, t) => {
    perTap[c % (kh * kw)]!++;
    if (c % (kh * kw) !== centre && w.values[t] !== 0) nonzeroOffCentre++;
  });
  return { perTap, nonzeroOffCentre };
}

describe('convFilterCsr', () => {
  it('stores every mask position (trainable zeros included) at row o, column (ci·kh + ky)·kw + kx', () => {
    const kernel = eoiConv(8, 5, 3, { density: 0.3, seed: 1, gain: 2 });
    const w = convFilterCsr(kernel);
    checkCsrWellFormed(w);
    expect([w.rows, w.cols]).toEqual([8, 45]);
    expect(w.values.length).toBe(kernel.nnz);
    expect(Array.from(w.values).filter((v) => v === 0).length).toBeGreaterThan(kernel.nnz / 2);
    // OIHW flat index = o·cols + column, so the dense filter is the masked kernel itself.
    expect(csrToDense(w)).toEqual(kernel.weights.map((x, n) => (kernel.mask[n] ? x : 0)));
    let stored = 0;
    for (let o = 0; o < 8; o++) for (let t = w.rowPtr[o]!; t < w.rowPtr[o + 1]!; t++) stored += kernel.mask[o * 45 + w.colIdx[t]!]!;
    expect(stored).toBe(kernel.nnz);
    // Rectangular kernels index the same way.
    const mask = new Uint8Array(2 * 3 * 1 * 5);
    mask[(1 * 3 + 2) * 5 + 4] = 1; // o = 1, ci = 2, ky = 0, kx = 4
    const one = convFilterCsr({ shape: [2, 3, 1, 5], weights: new Float32Array(30).fill(7), mask });
    expect(Array.from(one.rowPtr)).toEqual([0, 0, 1]);
    expect(Array.from(one.colIdx)).toEqual([14]);
  });

  it('refuses a malformed kernel, naming the field', () => {
    const ok = { shape: [2, 2, 3, 3] as const, weights: new Float32Array(36), mask: new Uint8Array(36) };
    expect(() => convFilterCsr(null as never)).toThrow(/kernel must be a \{ shape, weights, mask \} object/);
    expect(() => convFilterCsr({ ...ok, shape: [2, 2, 3] as never })).toThrow(/kernel\.shape must be \[cOut, cIn, kh, kw\]/);
    expect(() => convFilterCsr({ ...ok, shape: [2, 0, 3, 3] })).toThrow(/kernel\.shape\[1\] must be an integer in \[1,/);
    expect(() => convFilterCsr({ ...ok, weights: new Float64Array(36) as never })).toThrow(/kernel\.weights must be a Float32Array, got Float64Array/);
    expect(() => convFilterCsr({ ...ok, weights: new Float32Array(35) })).toThrow(/kernel\.weights must have length 36 \(cOut·cIn·kh·kw\)/);
    expect(() => convFilterCsr({ ...ok, mask: new Uint8Array(37) })).toThrow(/kernel\.mask must have length 36/);
    expect(() => convFilterCsr({ ...ok, mask: new Uint8Array(36).fill(2) })).toThrow(/mask\[0\] = 2 must be 0 or 1/);
  });
});

describe('initConvFilter', () => {
  it("'eoi' is eoiConv's kernel as a CSR filter, in both modes", () => {
    for (const moreNonzeros of [false, true]) {
      const w = initConvFilter({ ...BASE, density: 0.2, init: 'eoi', moreNonzeros });
      const kernel = eoiConv(BASE.cOut, BASE.cIn, 3, { density: 0.2, seed: BASE.seed, gain: BASE.gain, moreNonzeros });
      expect(w).toEqual(convFilterCsr(kernel));
      expect(w.values.length).toBe(Math.round(0.2 * 12 * 6 * 9));
      const { n, g } = shortSideGram(centreOf(w, 12, 6, 3, 3), 12, 6);
      expect(maxDeviationFromScaledIdentity(g, n, BASE.gain ** 2)).toBeLessThan(2e-5 * BASE.gain ** 2);
      expect(tapStats(w, 3, 3).nonzeroOffCentre).toBe(0);
    }
  });

  it("'delta-orthogonal': Haar orthogonal times the gain at the centre, every other tap stored as 0", () => {
    for (const [cOut, cIn, kh, kw] of [
      [12, 6, 3, 3],
      [4, 10, 3, 5],
      [7, 7, 1, 1],
    ] as const) {
      const spec = { cOut, cIn, kh, kw, gain: 1.4, seed: 5, density: 1, init: 'delta-orthogonal' as const };
      const w = initConvFilter(spec);
      checkCsrWellFormed(w);
      expect([w.rows, w.cols, w.values.length]).toEqual([cOut, cIn * kh * kw, cOut * cIn * kh * kw]);
      const centre = centreOf(w, cOut, cIn, kh, kw);
      expect(Float32Array.from(centre)).toEqual(haarOrthogonal(cOut, cIn, 5, 1.4));
      const { n, g } = shortSideGram(centre, cOut, cIn);
      // float32 storage of unit vectors times 1.4: 1e-5 is a few hundred ulps of the products' sum.
      expect(maxDeviationFromScaledIdentity(g, n, 1.96)).toBeLessThan(1e-5 * 1.96);
      expect(tapStats(w, kh, kw).nonzeroOffCentre).toBe(0);
      expect(initConvFilter(spec)).toEqual(w);
      expect(initConvFilter({ ...spec, seed: 6 }).values).not.toEqual(w.values);
    }
  });

  it("'random': round(d·numel) positions anywhere in the kernel, N(0, gain²/fan-in) over each row's stored count", () => {
    const spec = { cOut: 16, cIn: 8, kh: 3, kw: 3, gain: 1.5, seed: 3, density: 0.25, init: 'random' as const };
    const w = initConvFilter(spec);
    checkCsrWellFormed(w);
    expect(w.values.length).toBe(Math.round(0.25 * 16 * 8 * 9));
    // The linear 'random' over the flattened filter, so fan-in is the filter row's stored count.
    expect(w).toEqual(initWeights({ rows: 16, cols: 72, density: 0.25, init: 'random', gain: 1.5, seed: 3 }));
    tapStats(w, 3, 3).perTap.forEach((count) => expect(count).toBeGreaterThan(0));
    // Standardised draws have variance 1: over 288 values, within 0.3.
    let sumSq = 0;
    for (let o = 0; o < 16; o++) {
      const fanIn = w.rowPtr[o + 1]! - w.rowPtr[o]!;
      for (let t = w.rowPtr[o]!; t < w.rowPtr[o + 1]!; t++) sumSq += (w.values[t]! * Math.sqrt(fanIn) / 1.5) ** 2;
    }
    expect(Math.abs(sumSq / w.values.length - 1)).toBeLessThan(0.3);
    // Any kernel size, even ones, since nothing sits at a centre.
    expect(initConvFilter({ ...spec, kh: 2, kw: 4 }).cols).toBe(64);
    expect(initConvFilter({ ...spec, seed: 4 }).colIdx).not.toEqual(w.colIdx);
  });

  it("'random' with blockSize: round(d·blocks) whole blocks of channel pairs with every tap, N(0, gain²/fan-in), no element mask in blocks of that size", () => {
    // 10 x 7 channels in blocks of 4: a 3 x 2 block grid, partial at both channel edges.
    const spec = { cOut: 10, cIn: 7, kh: 3, kw: 3, gain: 1.5, seed: 3, density: 0.5, init: 'random' as const, blockSize: 4 as const };
    const w = initConvFilter(spec);
    checkCsrWellFormed(w);
    const blocks = convBsrFromCsr(w, spec, 4);
    expect(blocks.elementMask).toBeUndefined();
    expect(blocks.colIdx.length).toBe(3);
    // The blocks randomConvBsr draws for the seed, their unit-normal values scaled to each filter row's stored count.
    const unit = convBsrToCsr(randomConvBsr(spec, 0.5, 4, 3, { valueScale: 1 })).w;
    expect({ rowPtr: w.rowPtr, colIdx: w.colIdx }).toEqual({ rowPtr: unit.rowPtr, colIdx: unit.colIdx });
    for (let o = 0; o < 10; o++) {
      const fanIn = w.rowPtr[o + 1]! - w.rowPtr[o]!;
      for (let t = w.rowPtr[o]!; t < w.rowPtr[o + 1]!; t++) expect(w.values[t]).toBe(Math.fround(unit.values[t]! * (1.5 / Math.sqrt(fanIn))));
    }
    expect(initConvFilter({ ...spec, seed: 4 }).colIdx).not.toEqual(w.colIdx);
    expect(() => initConvFilter({ ...spec, init: 'eoi' })).toThrow(/blockSize draws a block mask for init 'random' only, got init 'eoi'/);
    expect(() => initConvFilter({ ...spec, blockSize: 32 as never })).toThrow(/blockSize must be one of 4, 8, 16/);
  });

  it("'gaussian': dense, N(0, gain² / (cIn·kh·kw))", () => {
    const w = initConvFilter({ cOut: 32, cIn: 4, kh: 5, kw: 5, gain: 2, seed: 1, density: 1, init: 'gaussian' });
    expect(w.values.length).toBe(32 * 4 * 25);
    const variance = w.values.reduce((a, v) => a + v * v, 0) / w.values.length;
    // 3200 draws: the sample variance is within 10% of gain²/fan-in = 4/100.
    expect(Math.abs(variance / 0.04 - 1)).toBeLessThan(0.1);
  });

  it("'masked-delta-orthogonal': a random mask on the delta-orthogonal kernel, not rescaled", () => {
    const spec = { ...BASE, cOut: 16, cIn: 16, density: 0.3, init: 'masked-delta-orthogonal' as const };
    const w = initConvFilter(spec);
    checkCsrWellFormed(w);
    expect(w.values.length).toBe(Math.round(0.3 * 16 * 16 * 9));
    const delta = csrToDense(initConvFilter({ ...spec, density: 1, init: 'delta-orthogonal' }));
    const dense = csrToDense(w);
    // W = mask ⊙ Q: every stored value is Q's at that position, bit for bit.
    let mismatched = 0;
    for (let o = 0; o < 16; o++) for (let t = w.rowPtr[o]!; t < w.rowPtr[o + 1]!; t++) if (w.values[t] !== delta[o * 144 + w.colIdx[t]!]) mismatched++;
    expect(mismatched).toBe(0);
    expect(dense.filter((x, n) => x !== 0 && x !== delta[n]).length).toBe(0);
    // Most stored weights are exactly 0 (only about 1/9 of them sit at the centre tap).
    const zeros = Array.from(w.values).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0.75 * w.values.length);
    tapStats(w, 3, 3).perTap.forEach((count) => expect(count).toBeGreaterThan(0));
    // At density 1 it is delta-orthogonal; the mask is its own stream, not 'random''s.
    expect(initConvFilter({ ...spec, density: 1 })).toEqual(initConvFilter({ ...spec, density: 1, init: 'delta-orthogonal' }));
    expect(w.colIdx).not.toEqual(initConvFilter({ ...spec, init: 'random' }).colIdx);
    expect(initConvFilter(spec)).toEqual(w);
    expect(initConvFilter({ ...spec, seed: 6 }).colIdx).not.toEqual(w.colIdx);
  });

  it('refuses bad specs, naming the option and its allowed values', () => {
    const spec = (over: Partial<Record<keyof ConvInitSpec, unknown>>) => ({ ...BASE, density: 0.5, init: 'random', ...over }) as ConvInitSpec;
    expect(() => initConvFilter(spec({ init: 'kaiming' }))).toThrow(/init must be one of eoi, delta-orthogonal, random, gaussian, masked-delta-orthogonal, got kaiming/);
    expect(() => initConvFilter(undefined as never)).toThrow(/spec must be a conv init spec object/);
    expect(() => initConvFilter(spec({ cOut: 0 }))).toThrow(/cOut must be an integer in \[1,/);
    expect(() => initConvFilter(spec({ cIn: 2.5 }))).toThrow(TypeError);
    expect(() => initConvFilter(spec({ kh: -1 }))).toThrow(/kh must be an integer in \[1,/);
    expect(() => initConvFilter(spec({ kw: 0 }))).toThrow(/kw must be/);
    expect(() => initConvFilter(spec({ gain: Number.NaN }))).toThrow(/gain must be a number/);
    expect(() => initConvFilter(spec({ seed: -3 }))).toThrow(/seed must be an integer in \[0,/);
    expect(() => initConvFilter(spec({ density: 0 }))).toThrow(/density must be a number in \(0, 1\], got 0/);
    expect(() => initConvFilter(spec({ density: 1.2, init: 'masked-delta-orthogonal' }))).toThrow(/density must be a number in \(0, 1\]/);
    expect(() => initConvFilter(spec({ density: 0.5, init: 'gaussian' }))).toThrow(/init 'gaussian' is dense: density must be 1, got 0\.5/);
    expect(() => initConvFilter(spec({ density: 0.5, init: 'delta-orthogonal' }))).toThrow(/init 'delta-orthogonal' is dense: density must be 1, got 0\.5/);
    expect(() => initConvFilter(spec({ density: 1, init: 'delta-orthogonal', kw: 4 }))).toThrow(/kw must be odd for init 'delta-orthogonal'/);
    expect(() => initConvFilter(spec({ init: 'masked-delta-orthogonal', kh: 2 }))).toThrow(/kh must be odd for init 'masked-delta-orthogonal'/);
    expect(() => initConvFilter(spec({ init: 'eoi', kh: 2, kw: 2 }))).toThrow(/kh must be odd for init 'eoi'/);
    expect(() => initConvFilter(spec({ init: 'eoi', kh: 3, kw: 5 }))).toThrow(/kw must equal kh for init 'eoi'/);
    expect(() => initConvFilter(spec({ init: 'eoi', density: 0.01 }))).toThrow(/density must be a number in \[0\.0833.*, 1\], got 0\.01/);
    expect(() => initConvFilter(spec({ init: 'random', moreNonzeros: true }))).toThrow(/moreNonzeros applies to init 'eoi' only, got it with init 'random'/);
    expect(() => initConvFilter(spec({ init: 'eoi', moreNonzeros: 'yes' }))).toThrow(/moreNonzeros must be a boolean/);
  });
});
