import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachBlockElement } from '../../src/sparse/bsr.js';
import {
  BSR_BLOCK_SIZES,
  type BsrMatrix,
  bsrFromCsr,
  bsrFromDense,
  bsrFromMask,
  bsrToDense,
  csrFromMask,
  csrToDense,
  randomBsr,
  randomCsr,
  validateBsr,
} from '../../src/sparse/index.js';

/**
 * 5 x 6 with 4 x 4 blocks (2 x 2 block grid, padded to 8 x 8): nonzeros at (0,0), (1,5) and (4,2),
 * so blocks (0,0), (0,1) and (1,0) are stored.
 */
function exampleDense(): Float32Array {
  const dense = new Float32Array(30);
  dense[0 * 6 + 0] = 1;
  dense[1 * 6 + 5] = 2;
  dense[4 * 6 + 2] = 3;
  return dense;
}

function example(): BsrMatrix {
  return bsrFromDense(exampleDense(), 5, 6, 4);
}

/** Offset in values of element (i, j) of stored block `block` (4 x 4 blocks). */
const at = (block: number, i: number, j: number) => block * 16 + i * 4 + j;

describe('bsrFromDense', () => {
  it('stores the blocks holding a nonzero, sorted, padded with zeros', () => {
    const m = example();
    expect([m.blockRows, m.blockCols]).toEqual([2, 2]);
    expect(Array.from(m.rowPtr)).toEqual([0, 2, 3]);
    expect(Array.from(m.colIdx)).toEqual([0, 1, 0]);
    expect(m.values.length).toBe(3 * 16);
    expect([m.values[at(0, 0, 0)], m.values[at(1, 1, 1)], m.values[at(2, 0, 2)]]).toEqual([1, 2, 3]);
    expect(m.elementMask).toBeUndefined();
    expect(bsrToDense(m)).toEqual(exampleDense());
  });

  it('round-trips dense -> BSR -> dense for shapes that do not divide the block', () => {
    for (const [rows, cols] of [
      [1, 1],
      [1, 33],
      [33, 1],
      [17, 33],
      [32, 32],
    ] as const) {
      const dense = csrToDense(randomCsr(rows, cols, 0.2, rows * cols));
      for (const b of BSR_BLOCK_SIZES) {
        const m = bsrFromDense(dense, rows, cols, b);
        validateBsr(m);
        expect([m.blockRows, m.blockCols]).toEqual([Math.ceil(rows / b), Math.ceil(cols / b)]);
        expect(bsrToDense(m)).toEqual(dense);
      }
    }
  });

  it('refuses bad arguments', () => {
    expect(() => bsrFromDense(exampleDense(), 5, 6, 5 as 4)).toThrow(/^blockSize must be one of 4, 8, 16, 32, got 5$/);
    expect(() => bsrFromDense(exampleDense(), 5, 6, '4' as unknown as 4)).toThrow(TypeError);
    expect(() => bsrFromDense(exampleDense(), 6, 6, 4)).toThrow(/^dense must have length 36 \(rows\*cols\), got 30$/);
  });
});

describe('bsrFromMask / bsrFromCsr', () => {
  it('stores a block when any of its elements is masked, and marks those elements', () => {
    const mask = Uint8Array.from(exampleDense(), (v) => (v !== 0 ? 1 : 0));
    mask[3 * 6 + 4] = 1; // a masked element with value 0 inside block (0, 1)
    const m = bsrFromMask(mask, 5, 6, 4, exampleDense());
    validateBsr(m);
    expect(Array.from(m.colIdx)).toEqual([0, 1, 0]);
    expect(bsrToDense(m)).toEqual(exampleDense());
    const marked: number[] = [];
    m.elementMask!.forEach((inPattern, offset) => inPattern && marked.push(offset));
    expect(marked).toEqual([at(0, 0, 0), at(1, 1, 1), at(1, 3, 0), at(2, 0, 2)]);
  });

  it('drops elementMask when the pattern fills every stored block, padding aside', () => {
    // 5 x 6 with 4 x 4 blocks: fill block (1, 1), whose in-range part is row 4 x cols 4..5.
    const mask = new Uint8Array(30);
    mask[4 * 6 + 4] = mask[4 * 6 + 5] = 1;
    const m = bsrFromMask(mask, 5, 6, 4);
    expect(Array.from(m.colIdx)).toEqual([1]);
    expect(m.elementMask).toBeUndefined();
    mask[4 * 6 + 5] = 0;
    expect(bsrFromMask(mask, 5, 6, 4).elementMask).toBeDefined();
  });

  it('CSR -> BSR -> dense equals CSR -> dense for every block size and awkward shape', () => {
    for (const [rows, cols, density] of [
      [1, 1, 1],
      [1, 40, 0.3],
      [40, 1, 0.3],
      [17, 33, 0.05],
      [17, 33, 0.6],
      [9, 9, 0],
    ] as const) {
      const csr = randomCsr(rows, cols, density, rows + cols);
      for (const b of BSR_BLOCK_SIZES) {
        const m = bsrFromCsr(csr, b);
        validateBsr(m);
        expect(bsrToDense(m)).toEqual(csrToDense(csr));
      }
    }
  });

  it('counts stored zeros as part of the pattern', () => {
    const csr = csrFromMask(Uint8Array.of(0, 1, 0, 0), 2, 2); // one stored entry, value 0
    const m = bsrFromCsr(csr, 4);
    expect(m.colIdx.length).toBe(1);
    expect(m.elementMask![at(0, 0, 1)]).toBe(1);
  });

  it('validates its CSR argument', () => {
    expect(() => bsrFromCsr({ ...randomCsr(3, 3, 0.5, 1), cols: 0 }, 4)).toThrow(/^m\.cols must be an integer/);
  });

  it('makes valid BSR whose dense form matches the masked input (property)', () => {
    const input = fc
      .record({ rows: fc.integer({ min: 1, max: 40 }), cols: fc.integer({ min: 1, max: 40 }), seed: fc.nat() })
      .chain(({ rows, cols, seed }) =>
        fc.record({
          rows: fc.constant(rows),
          cols: fc.constant(cols),
          csr: fc.double({ min: 0, max: 1, noNaN: true }).map((density) => randomCsr(rows, cols, density, seed)),
          blockSize: fc.constantFrom(...BSR_BLOCK_SIZES),
        }),
      );
    fc.assert(
      fc.property(input, ({ csr, blockSize }) => {
        const m = bsrFromCsr(csr, blockSize);
        validateBsr(m);
        expect(bsrToDense(m)).toEqual(csrToDense(csr));
        const inPattern = m.elementMask ? m.elementMask.reduce((sum, e) => sum + e, 0) : undefined;
        if (inPattern !== undefined) expect(inPattern).toBe(csr.colIdx.length);
      }),
    );
  });
});

describe('randomBsr', () => {
  it('stores exactly round(density*blockRows*blockCols) whole blocks, zero in the padding', () => {
    for (const b of BSR_BLOCK_SIZES) {
      const m = randomBsr(17, 70, 0.5, b, 3);
      validateBsr(m); // padding zero
      expect(m.colIdx.length).toBe(Math.round(0.5 * Math.ceil(17 / b) * Math.ceil(70 / b)));
      expect(m.elementMask).toBeUndefined();
      let inRangeZeros = 0;
      forEachBlockElement(m, (offset, row, col) => {
        if (row < 17 && col < 70 && m.values[offset] === 0) inRangeZeros++;
      });
      expect(inRangeZeros).toBe(0);
    }
  });

  it('is a function of its arguments and refuses bad ones', () => {
    expect(randomBsr(20, 20, 0.5, 8, 1)).toEqual(randomBsr(20, 20, 0.5, 8, 1));
    expect(randomBsr(20, 20, 0.5, 8, 1)).not.toEqual(randomBsr(20, 20, 0.5, 8, 2));
    expect(randomBsr(20, 20, 0, 8, 1).colIdx.length).toBe(0);
    expect(() => randomBsr(20, 20, 2, 8, 1)).toThrow(/^density must be a number in \[0, 1\], got 2$/);
    expect(() => randomBsr(20, 20, 0.5, 2 as 4, 1)).toThrow(/^blockSize must be one of 4, 8, 16, 32, got 2$/);
    expect(() => randomBsr(20, 20, 0.5, 8, -3)).toThrow(/^seed must be/);
    expect(() => randomBsr(20, 0, 0.5, 8, 1)).toThrow(/^cols must be/);
  });
});

describe('validateBsr', () => {
  it('accepts what the constructors make, with and without elementMask', () => {
    expect(() => validateBsr(example())).not.toThrow();
    expect(() => validateBsr(withMask())).not.toThrow();
  });

  /** The example with element (1, 5) out of the pattern: its block (0, 1) keeps a masked-out zero. */
  function withMask(): BsrMatrix {
    const mask = Uint8Array.from(exampleDense(), (v) => (v !== 0 ? 1 : 0));
    mask[2 * 6 + 5] = 1;
    return bsrFromMask(mask, 5, 6, 4, exampleDense());
  }

  const cases: Array<[string, (m: Record<string, unknown>) => unknown, ErrorConstructor, RegExp]> = [
    ['a non-object', () => null, TypeError, /^w must be a BSR matrix object, got null$/],
    ['rows = 0', (m) => ({ ...m, rows: 0 }), RangeError, /^w\.rows must be an integer in \[1, /],
    ['blockSize 5', (m) => ({ ...m, blockSize: 5 }), RangeError, /^w\.blockSize must be one of 4, 8, 16, 32, got 5$/],
    ['blockSize 64', (m) => ({ ...m, blockSize: 64 }), RangeError, /^w\.blockSize must be one of 4, 8, 16, 32, got 64$/],
    ['blockSize missing', (m) => ({ ...m, blockSize: undefined }), TypeError, /^w\.blockSize must be one of/],
    ['wrong blockRows', (m) => ({ ...m, blockRows: 1 }), RangeError, /^w\.blockRows must be ceil\(w\.rows \/ w\.blockSize\) = 2, got 1$/],
    ['wrong blockCols', (m) => ({ ...m, blockCols: 3 }), RangeError, /^w\.blockCols must be ceil\(w\.cols \/ w\.blockSize\) = 2, got 3$/],
    ['blockCols not a number', (m) => ({ ...m, blockCols: '2' }), TypeError, /^w\.blockCols must be/],
    ['rowPtr as Float64Array', (m) => ({ ...m, rowPtr: Float64Array.of(0, 2, 3) }), TypeError, /^w\.rowPtr must be a Uint32Array, got Float64Array$/],
    ['rowPtr of the wrong length', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 3) }), RangeError, /^w\.rowPtr must have length 3 \(w\.blockRows \+ 1\), got 2$/],
    ['rowPtr[0] != 0', (m) => ({ ...m, rowPtr: Uint32Array.of(1, 2, 3) }), RangeError, /^w\.rowPtr\[0\] must be 0, got 1$/],
    ['rowPtr decreasing', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 3, 2) }), RangeError, /^w\.rowPtr must be non-decreasing/],
    ['rowPtr not ending at nBlocks', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 2, 2) }), RangeError, /^w\.colIdx must have length 2 \(w\.rowPtr\[blockRows\]\), got 3$/],
    ['colIdx = blockCols', (m) => ({ ...m, colIdx: Uint32Array.of(0, 2, 0) }), RangeError, /^w\.colIdx\[1\] = 2 must be < blockCols \(2\)$/],
    ['duplicate colIdx', (m) => ({ ...m, colIdx: Uint32Array.of(1, 1, 0) }), RangeError, /^w\.colIdx must be strictly increasing within each block row, but block row 0 has w\.colIdx\[1\] = 1 after w\.colIdx\[0\] = 1$/],
    ['colIdx as Int32Array', (m) => ({ ...m, colIdx: Int32Array.of(0, 1, 0) }), TypeError, /^w\.colIdx must be a Uint32Array, got Int32Array$/],
    ['values as a plain array', (m) => ({ ...m, values: Array.from(m.values as Float32Array) }), TypeError, /^w\.values must be a Float32Array, got an Array$/],
    ['values of nnz length instead of nBlocks*b*b', (m) => ({ ...m, values: new Float32Array(3) }), RangeError, /^w\.values must have length 48 \(w\.rowPtr\[blockRows\] \* blockSize\^2\), got 3$/],
    ['a NaN value', (m) => ({ ...m, values: setAt(m.values as Float32Array, at(2, 0, 1), NaN) }), RangeError, /^w\.values\[33\] = NaN must be finite$/],
    ['a nonzero in the row padding', (m) => ({ ...m, values: setAt(m.values as Float32Array, at(2, 1, 0), 1) }), RangeError, /^w\.values\[36\] = 1 must be 0: \(row 5, col 0\) lies in the padding beyond the 5 x 6 matrix$/],
    ['a nonzero in the column padding', (m) => ({ ...m, values: setAt(m.values as Float32Array, at(1, 0, 2), 1) }), RangeError, /^w\.values\[18\] = 1 must be 0: \(row 0, col 6\)/],
  ];
  const maskCases: Array<[string, (m: Record<string, unknown>) => unknown, ErrorConstructor, RegExp]> = [
    ['elementMask as a boolean array', (m) => ({ ...m, elementMask: Array.from(m.elementMask as Uint8Array, Boolean) }), TypeError, /^w\.elementMask must be a Uint8Array, got an Array$/],
    ['elementMask of the wrong length', (m) => ({ ...m, elementMask: new Uint8Array(16) }), RangeError, /^w\.elementMask must have length 48 \(w\.values\.length\), got 16$/],
    ['an elementMask entry of 2', (m) => ({ ...m, elementMask: setAt(m.elementMask as Uint8Array, at(0, 0, 0), 2) }), RangeError, /^w\.elementMask\[0\] = 2 must be 0 or 1$/],
    ['elementMask set in the padding', (m) => ({ ...m, elementMask: setAt(m.elementMask as Uint8Array, at(1, 0, 3), 1) }), RangeError, /^w\.elementMask\[19\] must be 0: \(row 0, col 7\) lies in the padding/],
    ['a nonzero outside the element pattern', (m) => ({ ...m, values: setAt(m.values as Float32Array, at(1, 2, 0), 5) }), RangeError, /^w\.values\[24\] = 5 must be 0: w\.elementMask\[24\] = 0 puts it outside the pattern$/],
  ];
  for (const [build, list] of [
    [example, cases],
    [withMask, maskCases],
  ] as const) {
    for (const [what, corrupt, kind, message] of list) {
      it(`refuses ${what}`, () => {
        const bad = corrupt(build() as unknown as Record<string, unknown>);
        expect(() => validateBsr(bad)).toThrow(kind);
        expect(() => validateBsr(bad)).toThrow(message);
      });
    }
  }
});

function setAt<T extends Float32Array | Uint8Array>(array: T, index: number, value: number): T {
  const copy = array.slice() as T;
  copy[index] = value;
  return copy;
}
