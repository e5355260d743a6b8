import { describe, expect, it } from 'vitest';
import { generateMasks } from '../../src/masks/generate.js';
import { saoDensities, saoLayer, saoMasks } from '../../src/masks/sao.js';
import { csrToDense } from '../../src/sparse/csr.js';
import { degrees, SHAPES } from './fixtures.js';

/** Short-side lines of a dense rows x cols matrix (rows when rows <= cols, else columns). */
function lines(dense: Float32Array, rows: number, cols: number): Float64Array[] {
  const wide = rows <= cols;
  return Array.from({ length: Math.min(rows, cols) }, (_, s) =>
    Float64Array.from({ length: Math.max(rows, cols) }, (_, t) => dense[wide ? s * cols + t : t * cols + s]!),
  );
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('SAO', () => {
  const CASES: Array<[rows: number, cols: number, density: number]> = [
    [16, 16, 0.25], // square: k = 4, four full 4x4 orthogonal blocks
    [16, 20, 0.25], // wide: k = 5, G = 4 groups of a = 4 rows
    [20, 16, 0.5], // tall: k = 10, G = 2 groups of a = 8 columns
    [4, 16, 0.5], // few rows: k = 8, G = 2 groups of a = 2 rows
    [12, 12, 1], // density 1: one dense orthogonal block
  ];
  for (const [rows, cols, density] of CASES) {
    it(`${rows} x ${cols} at ${density}: bi-regular (short side degree k = floor(d·M), long side m·k/M), lines sharing a support orthonormal, W Wᵀ = g² I`, () => {
      const gain = 1.3;
      const w = saoLayer(rows, cols, density, { seed: 5, gain });
      const m = Math.min(rows, cols);
      const M = Math.max(rows, cols);
      const k = Math.floor(density * M);
      expect(w.degree).toBe(k);
      expect(w.colIdx.length / (rows * cols)).toBeCloseTo(k / M, 12);
      const deg = degrees(w);
      const [shortDeg, longDeg] = rows <= cols ? [deg.rows, deg.cols] : [deg.cols, deg.rows];
      expect(new Set(shortDeg)).toEqual(new Set([k]));
      expect(new Set(longDeg)).toEqual(new Set([(m * k) / M]));
      // Lines with the same support form one block; their supports are disjoint from other blocks'.
      const ls = lines(csrToDense(w), rows, cols);
      const support = (v: Float64Array) => v.reduce((s, x, i) => (x !== 0 ? `${s},${i}` : s), '');
      const blocks = new Map<string, number[]>();
      ls.forEach((v, s) => blocks.set(support(v), [...(blocks.get(support(v)) ?? []), s]));
      expect(blocks.size).toBe(M / k);
      const used = new Set<number>();
      for (const [key, members] of blocks) {
        expect(members.length).toBe((m * k) / M);
        for (const i of key.split(',').filter(Boolean).map(Number)) {
          expect(used.has(i)).toBe(false);
          used.add(i);
        }
      }
      // Orthonormal (times the gain) within a block, orthogonal across blocks: W Wᵀ = g² I on the short side.
      ls.forEach((a, i) => ls.forEach((b, j) => expect(Math.abs(dot(a, b) - (i === j ? gain * gain : 0))).toBeLessThan(1e-5)));
    });
  }

  it('saoDensities lists exactly the buildable densities', () => {
    expect(saoDensities(16, 16)).toEqual([0.125, 0.25, 0.5, 1]);
    expect(saoDensities(16, 16, 'relu')).toEqual([0.25, 0.5, 1]);
    expect(saoDensities(128, 784)).toEqual([49 / 784, 98 / 784, 196 / 784, 392 / 784, 1]);
    expect(saoDensities(10, 128)).toEqual([0.5, 1]);
    for (const d of saoDensities(12, 30)) expect(() => saoLayer(12, 30, d, { seed: 1, gain: 1 })).not.toThrow();
  });

  it('refuses densities it cannot build, naming the argument, the layer and the densities it can', () => {
    expect(() => saoLayer(16, 16, 0.1, { seed: 0, gain: 1 })).toThrow(
      /density must give SAO a degree k = floor\(d·16\) >= 2 with k dividing 16 and 16\/k dividing 16 \(16 x 16 layer\); possible densities: 0.125, 0.25, 0.5, 1; got 0.1 \(k = 1\)/,
    );
    expect(() => saoLayer(16, 16, 0.1, { seed: 0, gain: 1 })).toThrow(RangeError);
    // degree 2 is enough for tanh, not for relu
    expect(() => saoLayer(16, 16, 0.125, { seed: 0, gain: 1, activation: 'tanh' })).not.toThrow();
    expect(() => saoLayer(16, 16, 0.125, { seed: 0, gain: 1, activation: 'relu' })).toThrow(/>= 4 .*possible densities: 0.25, 0.5, 1; got 0.125 \(k = 2\)/);
    // 784 inputs: 0.1 gives k = 78, which does not divide 784
    expect(() => saoMasks([[128, 784], [10, 128]], { density: 0.1 })).toThrow(/density \(layer 0\) must give SAO .*128 x 784 layer.*got 0.1 \(k = 78\)/);
    expect(() => saoMasks(SHAPES, { density: 0.25, distribution: 'global' })).toThrow(/distribution must be uniform, erk or per-layer densities for sao/);
  });

  it('as a generator: per-layer degrees reported, global density within 0.01 of the target', async () => {
    const { weights, report } = await generateMasks('sao', SHAPES, { density: 0.25, seed: 3, activation: 'relu' });
    expect(report.degrees).toEqual([5, 4, 4, 4]);
    expect(Math.abs(report.density - 0.25)).toBeLessThanOrEqual(0.01);
    expect(weights.map((w) => w.colIdx.length)).toEqual([80, 64, 64, 16]);
  });
});
