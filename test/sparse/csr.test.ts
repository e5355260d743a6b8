import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CsrMatrix,
  csrFromDense,
  csrFromMask,
  csrNnz,
  csrRowLengths,
  csrToDense,
  randomCsr,
  validateCsr,
} from '../../src/sparse/index.js';

/** 3 x 4: row 0 = {0: 1, 2: 2}, row 1 empty, row 2 = {1: 3, 3: 4}. */
function example(): CsrMatrix {
  return {
    rows: 3,
    cols: 4,
    rowPtr: Uint32Array.of(0, 2, 2, 4),
    colIdx: Uint32Array.of(0, 2, 1, 3),
    values: Float32Array.of(1, 2, 3, 4),
  };
}

const exampleDense = [1, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4];

describe('validateCsr', () => {
  it('accepts a valid matrix, including column indices that drop at a row boundary', () => {
    expect(() => validateCsr(example())).not.toThrow();
  });

  const cases: Array<[string, (m: Record<string, unknown>) => unknown, ErrorConstructor, RegExp]> = [
    ['a non-object', () => undefined, TypeError, /^w must be a CSR matrix object, got undefined$/],
    ['an array', () => [1, 2], TypeError, /^w must be a CSR matrix object, got an Array$/],
    ['rows = 0', (m) => ({ ...m, rows: 0 }), RangeError, /^w\.rows must be an integer in \[1, 4294967295\], got 0$/],
    ['fractional rows', (m) => ({ ...m, rows: 2.5 }), TypeError, /^w\.rows must be an integer/],
    ['cols as a string', (m) => ({ ...m, cols: '4' }), TypeError, /^w\.cols must be an integer in \[1, 4294967295\], got 4$/],
    ['negative cols', (m) => ({ ...m, cols: -4 }), RangeError, /^w\.cols must be an integer/],
    ['rowPtr as Int32Array', (m) => ({ ...m, rowPtr: Int32Array.of(0, 2, 2, 4) }), TypeError, /^w\.rowPtr must be a Uint32Array, got Int32Array$/],
    ['rowPtr as a plain array', (m) => ({ ...m, rowPtr: [0, 2, 2, 4] }), TypeError, /^w\.rowPtr must be a Uint32Array, got an Array$/],
    ['colIdx as Float32Array', (m) => ({ ...m, colIdx: Float32Array.of(0, 2, 1, 3) }), TypeError, /^w\.colIdx must be a Uint32Array, got Float32Array$/],
    ['values as Float64Array', (m) => ({ ...m, values: Float64Array.of(1, 2, 3, 4) }), TypeError, /^w\.values must be a Float32Array, got Float64Array$/],
    ['missing values', (m) => ({ ...m, values: undefined }), TypeError, /^w\.values must be a Float32Array, got undefined$/],
    ['rowPtr too short', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 2, 4) }), RangeError, /^w\.rowPtr must have length 4 \(w\.rows \+ 1\), got 3$/],
    ['rowPtr too long', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 2, 2, 4, 4) }), RangeError, /^w\.rowPtr must have length 4/],
    ['rowPtr[0] != 0', (m) => ({ ...m, rowPtr: Uint32Array.of(1, 2, 2, 4) }), RangeError, /^w\.rowPtr\[0\] must be 0, got 1$/],
    ['rowPtr decreasing', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 3, 2, 4) }), RangeError, /^w\.rowPtr must be non-decreasing, but w\.rowPtr\[2\] = 2 < w\.rowPtr\[1\] = 3$/],
    ['rowPtr ending before nnz', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 2, 2, 3) }), RangeError, /^w\.colIdx must have length 3 \(w\.rowPtr\[rows\]\), got 4$/],
    ['rowPtr ending after nnz', (m) => ({ ...m, rowPtr: Uint32Array.of(0, 2, 2, 5) }), RangeError, /^w\.colIdx must have length 5 \(w\.rowPtr\[rows\]\), got 4$/],
    ['values shorter than nnz', (m) => ({ ...m, values: Float32Array.of(1, 2, 3) }), RangeError, /^w\.values must have length 4 \(w\.rowPtr\[rows\]\), got 3$/],
    ['colIdx = cols', (m) => ({ ...m, colIdx: Uint32Array.of(0, 2, 1, 4) }), RangeError, /^w\.colIdx\[3\] = 4 must be < cols \(4\)$/],
    ['unsorted colIdx', (m) => ({ ...m, colIdx: Uint32Array.of(2, 0, 1, 3) }), RangeError, /^w\.colIdx must be strictly increasing within each row, but row 0 has w\.colIdx\[1\] = 0 after w\.colIdx\[0\] = 2$/],
    ['duplicate colIdx', (m) => ({ ...m, colIdx: Uint32Array.of(0, 2, 3, 3) }), RangeError, /^w\.colIdx must be strictly increasing within each row, but row 2 has w\.colIdx\[3\] = 3 after w\.colIdx\[2\] = 3$/],
    ['a NaN value', (m) => ({ ...m, values: Float32Array.of(1, NaN, 3, 4) }), RangeError, /^w\.values\[1\] = NaN must be finite$/],
    ['an infinite value', (m) => ({ ...m, values: Float32Array.of(1, 2, 3, -Infinity) }), RangeError, /^w\.values\[3\] = -Infinity must be finite$/],
  ];
  for (const [what, corrupt, kind, message] of cases) {
    it(`refuses ${what}`, () => {
      const bad = corrupt(example() as unknown as Record<string, unknown>);
      expect(() => validateCsr(bad)).toThrow(kind);
      expect(() => validateCsr(bad)).toThrow(message);
    });
  }

  it('names the matrix as told', () => {
    expect(() => validateCsr({ ...example(), rows: 0 }, 'layers[2].weight')).toThrow(/^layers\[2\]\.weight\.rows must be/);
  });
});

describe('csrFromDense / csrToDense', () => {
  it('stores the nonzeros, sorted, and round-trips', () => {
    expect(csrFromDense(exampleDense, 3, 4)).toEqual(example());
    expect(Array.from(csrToDense(example()))).toEqual(exampleDense);
  });

  it('keeps every element with keepZeros', () => {
    const m = csrFromDense(exampleDense, 3, 4, { keepZeros: true });
    expect(csrNnz(m)).toBe(12);
    expect(Array.from(csrRowLengths(m))).toEqual([4, 4, 4]);
    expect(Array.from(csrToDense(m))).toEqual(exampleDense);
  });

  it('gives an all-empty matrix for a zero input', () => {
    const m = csrFromDense(new Float32Array(6), 2, 3);
    expect(Array.from(m.rowPtr)).toEqual([0, 0, 0]);
    expect(m.colIdx.length).toBe(0);
  });

  it('refuses bad arguments', () => {
    expect(() => csrFromDense(exampleDense, 3, 5)).toThrow(/^dense must have length 15 \(rows\*cols\), got 12$/);
    expect(() => csrFromDense(exampleDense, 0, 4)).toThrow(RangeError);
    expect(() => csrFromDense(exampleDense, 3, 4.5)).toThrow(TypeError);
    expect(() => csrFromDense('123' as unknown as number[], 1, 3)).toThrow(TypeError);
    expect(() => csrFromDense([0, NaN], 1, 2)).toThrow(/^dense\[1\] = NaN must be finite in float32/);
    expect(() => csrFromDense([1e39, 0], 1, 2)).toThrow(/^dense\[0\] = 1e\+39 must be finite in float32/);
  });
});

describe('csrFromMask', () => {
  const maskBytes = Uint8Array.from(exampleDense, (v) => (v !== 0 ? 1 : 0));
  const maskBools = exampleDense.map((v) => v !== 0);

  it('takes the pattern from a Uint8Array or a boolean array, values from a dense array', () => {
    expect(csrFromMask(maskBytes, 3, 4, exampleDense)).toEqual(example());
    expect(csrFromMask(maskBools, 3, 4, Float64Array.from(exampleDense))).toEqual(example());
  });

  it('stores zeros without values, and keeps masked positions whose value is zero', () => {
    const m = csrFromMask(maskBytes, 3, 4);
    expect(Array.from(m.colIdx)).toEqual([0, 2, 1, 3]);
    expect(Array.from(m.values)).toEqual([0, 0, 0, 0]);
  });

  it('reads values only at masked positions', () => {
    const values = exampleDense.map((v) => (v === 0 ? NaN : v));
    expect(csrFromMask(maskBytes, 3, 4, values)).toEqual(example());
    expect(() => csrFromMask(maskBytes, 3, 4, exampleDense.map((v) => (v === 3 ? NaN : v)))).toThrow(
      /^values\[9\] = NaN must be finite in float32/,
    );
  });

  it('refuses masks that are not exactly 0/1 or booleans', () => {
    expect(() => csrFromMask(Uint8Array.of(0, 2), 1, 2)).toThrow(RangeError);
    expect(() => csrFromMask(Uint8Array.of(0, 2), 1, 2)).toThrow(/^mask\[1\] = 2 must be 0 or 1$/);
    expect(() => csrFromMask([true, 1] as unknown as boolean[], 1, 2)).toThrow(/^mask\[1\] must be a boolean, got 1$/);
    expect(() => csrFromMask([true, , false] as boolean[], 1, 3)).toThrow(/^mask\[1\] must be a boolean, got undefined$/);
    expect(() => csrFromMask(Int8Array.of(0, 1) as unknown as Uint8Array, 1, 2)).toThrow(
      /^mask must be a Uint8Array, got Int8Array$/,
    );
    expect(() => csrFromMask(maskBytes, 4, 4)).toThrow(/^mask must have length 16 \(rows\*cols\), got 12$/);
    expect(() => csrFromMask(maskBytes, 3, 4, [1, 2])).toThrow(/^values must have length 12 \(rows\*cols\), got 2$/);
  });
});

describe('randomCsr', () => {
  it('stores exactly round(density*rows*cols) entries and validates', () => {
    for (const [rows, cols, density] of [
      [1, 1, 1],
      [17, 33, 0.1],
      [33, 17, 0.5],
      [5, 7, 0.999],
      [4, 4, 0],
    ] as const) {
      const m = randomCsr(rows, cols, density, 7);
      validateCsr(m);
      expect(csrNnz(m)).toBe(Math.round(density * rows * cols));
    }
  });

  it('is a function of its arguments', () => {
    expect(randomCsr(17, 33, 0.3, 5)).toEqual(randomCsr(17, 33, 0.3, 5));
    expect(randomCsr(17, 33, 0.3, 5)).not.toEqual(randomCsr(17, 33, 0.3, 6));
  });

  it('scales the values by valueScale', () => {
    const unit = randomCsr(9, 9, 0.5, 3);
    const doubled = randomCsr(9, 9, 0.5, 3, { valueScale: 2 });
    expect(doubled.colIdx).toEqual(unit.colIdx);
    expect(Array.from(doubled.values)).toEqual(Array.from(unit.values, (v) => 2 * v));
  });

  it('chooses every position equally often', () => {
    // 3 of 9 positions over 3000 seeds: each position is expected 1000 times (sd ~26).
    const hits = new Array<number>(9).fill(0);
    for (let seed = 0; seed < 3000; seed++) {
      const m = randomCsr(3, 3, 1 / 3, seed);
      for (let r = 0; r < 3; r++) for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) hits[r * 3 + m.colIdx[k]]++;
    }
    for (const count of hits) expect(Math.abs(count - 1000)).toBeLessThan(130);
  });

  it('refuses bad arguments', () => {
    expect(() => randomCsr(3, 3, 1.5, 0)).toThrow(/^density must be a number in \[0, 1\], got 1\.5$/);
    expect(() => randomCsr(3, 3, NaN, 0)).toThrow(RangeError);
    expect(() => randomCsr(3, 3, -0.1, 0)).toThrow(RangeError);
    expect(() => randomCsr(3, 3, 0.5, -1)).toThrow(/^seed must be an integer in \[0, /);
    expect(() => randomCsr(3, 3, 0.5, 1.5)).toThrow(TypeError);
    expect(() => randomCsr(0, 3, 0.5, 0)).toThrow(/^rows must be an integer in \[1, /);
    expect(() => randomCsr(3, 3, 0.5, 0, { valueScale: 0 })).toThrow(/^opts\.valueScale must be a number in \(0, 1e\+30\]/);
    expect(() => randomCsr(3, 3, 0.5, 0, { valueScale: Infinity })).toThrow(RangeError);
  });
});

describe('csrNnz / csrRowLengths', () => {
  it('count stored entries', () => {
    expect(csrNnz(example())).toBe(4);
    expect(Array.from(csrRowLengths(example()))).toEqual([2, 0, 2]);
  });

  it('validate their argument', () => {
    expect(() => csrNnz({ ...example(), rowPtr: Uint32Array.of(0, 2, 2, 3) })).toThrow(/^m\.colIdx must have length 3/);
    expect(() => csrRowLengths({ ...example(), rows: 2 })).toThrow(/^m\.rowPtr must have length 3 \(m\.rows \+ 1\), got 4$/);
  });
});

describe('properties', () => {
  const shape = fc.record({ rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 1, max: 12 }) });

  it('randomCsr makes valid matrices that survive dense -> CSR -> dense', () => {
    fc.assert(
      fc.property(shape, fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), ({ rows, cols }, density, seed) => {
        const m = randomCsr(rows, cols, density, seed);
        validateCsr(m);
        const dense = csrToDense(m);
        // The pattern is read from the stored positions, not the values (a stored value may be 0).
        const pattern = csrToDense({ ...m, values: new Float32Array(m.values.length).fill(1) });
        expect(csrFromMask(Uint8Array.from(pattern), rows, cols, dense)).toEqual(m);
        expect(csrToDense(csrFromDense(dense, rows, cols))).toEqual(dense);
      }),
    );
  });

  it('csrFromDense and csrFromMask make valid matrices that round-trip', () => {
    const denseCase = shape.chain(({ rows, cols }) =>
      fc.record({
        rows: fc.constant(rows),
        cols: fc.constant(cols),
        dense: fc.array(fc.oneof(fc.constant(0), fc.float({ noNaN: true, noDefaultInfinity: true })), {
          minLength: rows * cols,
          maxLength: rows * cols,
        }),
        mask: fc.array(fc.boolean(), { minLength: rows * cols, maxLength: rows * cols }),
      }),
    );
    fc.assert(
      fc.property(denseCase, ({ rows, cols, dense, mask }) => {
        const fromDense = csrFromDense(dense, rows, cols);
        validateCsr(fromDense);
        expect(csrToDense(fromDense)).toEqual(Float32Array.from(dense, (v) => v + 0)); // -0 reads back as 0
        const fromMask = csrFromMask(mask, rows, cols, dense);
        validateCsr(fromMask);
        expect(csrNnz(fromMask)).toBe(mask.filter(Boolean).length);
        expect(csrToDense(fromMask)).toEqual(Float32Array.from(dense, (v, i) => (mask[i] ? v : 0)));
      }),
    );
  });
});
