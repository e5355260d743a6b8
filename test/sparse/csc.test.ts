import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CsrMatrix,
  csrToDense,
  randomCsr,
  transposeStructure,
  validateCsr,
  validateCsrStructure,
} from '../../src/sparse/index.js';

/** Wᵀ as a CsrMatrix, its values gathered from W through perm. */
function gatherTranspose(w: CsrMatrix): CsrMatrix {
  const t = transposeStructure(w);
  const values = Float32Array.from(t.perm, (k) => w.values[k]);
  return { rows: t.rows, cols: t.cols, rowPtr: t.rowPtr, colIdx: t.colIdx, values };
}

function denseTranspose(dense: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = dense[r * cols + c];
  return out;
}

describe('transposeStructure', () => {
  it('gives the pattern of Wᵀ and the index of each of its entries in W.values', () => {
    // W (3 x 4): row 0 = {0, 2}, row 1 empty, row 2 = {1, 2, 3}.
    const w = { rows: 3, cols: 4, rowPtr: Uint32Array.of(0, 2, 2, 5), colIdx: Uint32Array.of(0, 2, 1, 2, 3) };
    const t = transposeStructure(w);
    expect(t.rows).toBe(4);
    expect(t.cols).toBe(3);
    expect(Array.from(t.rowPtr)).toEqual([0, 1, 2, 4, 5]);
    expect(Array.from(t.colIdx)).toEqual([0, 2, 0, 2, 2]);
    expect(Array.from(t.perm)).toEqual([0, 2, 1, 3, 4]);
  });

  it('handles 1x1, single rows and columns, and all-empty matrices', () => {
    for (const w of [randomCsr(1, 1, 1, 0), randomCsr(1, 9, 0.5, 1), randomCsr(9, 1, 0.5, 2), randomCsr(4, 6, 0, 3)]) {
      expect(csrToDense(gatherTranspose(w))).toEqual(denseTranspose(csrToDense(w), w.rows, w.cols));
    }
    const empty = transposeStructure(randomCsr(4, 6, 0, 3));
    expect(Array.from(empty.rowPtr)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('validates its argument', () => {
    const w = { rows: 2, cols: 2, rowPtr: Uint32Array.of(0, 2, 1), colIdx: Uint32Array.of(0, 1) };
    expect(() => transposeStructure(w)).toThrow(/^w\.rowPtr must be non-decreasing/);
  });

  it('gathers Wᵀ from W.values, sorts row indices, and inverts itself (property)', () => {
    const matrix = fc
      .record({
        rows: fc.integer({ min: 1, max: 20 }),
        cols: fc.integer({ min: 1, max: 20 }),
        density: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.nat(),
      })
      .map(({ rows, cols, density, seed }) => randomCsr(rows, cols, density, seed));
    fc.assert(
      fc.property(matrix, (w) => {
        const wt = gatherTranspose(w);
        validateCsr(wt); // row indices of W strictly increasing within each column
        expect(csrToDense(wt)).toEqual(denseTranspose(csrToDense(w), w.rows, w.cols));

        const t = transposeStructure(w);
        const back = transposeStructure(t);
        validateCsrStructure(back);
        expect([back.rows, back.cols]).toEqual([w.rows, w.cols]);
        expect(back.rowPtr).toEqual(w.rowPtr);
        expect(back.colIdx).toEqual(w.colIdx);
        // Entry k of W is entry back.perm[k] of Wᵀ, which is entry t.perm[back.perm[k]] of W.
        expect(Array.from(back.perm, (p) => t.perm[p])).toEqual(Array.from(w.colIdx, (_, k) => k));
      }),
    );
  });
});
