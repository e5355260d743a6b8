import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { forEachBlockElement } from '../../src/sparse/bsr.js';
import {
  BSR_BLOCK_SIZES,
  type BsrMatrix,
  biasGradRef,
  bsrBackwardDataRef,
  bsrForwardRef,
  bsrFromCsr,
  bsrSddmmRef,
  bsrToDense,
  type CsrMatrix,
  csrFromMask,
  csrToDense,
  matmulRef,
  randomBsr,
  randomCsr,
  sddmmRef,
  spmmBackwardDataRef,
  spmmForwardRef,
} from '../../src/sparse/index.js';

function normals(seed: number, length: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length }, () => rng.nextNormal());
}

/** A CSR matrix with the given pattern (a predicate on row, col) and normal values. */
function patterned(rows: number, cols: number, inPattern: (r: number, c: number) => boolean): CsrMatrix {
  const mask = Uint8Array.from({ length: rows * cols }, (_, i) => (inPattern(Math.floor(i / cols), i % cols) ? 1 : 0));
  return csrFromMask(mask, rows, cols, normals(rows * cols, rows * cols));
}

const shapes: Array<[string, CsrMatrix]> = [
  ['1x1', randomCsr(1, 1, 1, 1)],
  ['1xN', randomCsr(1, 19, 0.5, 2)],
  ['Nx1', randomCsr(19, 1, 0.5, 3)],
  ['some empty rows', patterned(7, 5, (r, c) => r % 3 !== 0 && (r + c) % 2 === 0)],
  ['all rows empty', randomCsr(6, 4, 0, 4)],
  ['one full row', patterned(6, 9, (r) => r === 2)],
  ['a single nonzero', patterned(8, 5, (r, c) => r === 5 && c === 3)],
  ['17x33', randomCsr(17, 33, 0.3, 5)],
  ['33x17 dense', randomCsr(33, 17, 1, 6)],
];

// The naive side: plain triple loops over the dense weight (rows x cols), in float64.
function naiveForward(dense: Float32Array, rows: number, cols: number, x: Float32Array, batch: number, bias?: Float32Array) {
  const y = new Float64Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      let sum = bias ? bias[r] : 0;
      for (let c = 0; c < cols; c++) sum += x[b * cols + c] * dense[r * cols + c];
      y[b * rows + r] = sum;
    }
  }
  return y;
}

function naiveBackwardData(dense: Float32Array, rows: number, cols: number, dy: Float32Array, batch: number) {
  const dx = new Float64Array(batch * cols);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += dy[b * rows + r] * dense[r * cols + c];
      dx[b * cols + c] = sum;
    }
  }
  return dx;
}

/** dYᵀ·X, rows x cols. */
function naiveWeightGrad(rows: number, cols: number, dy: Float32Array, x: Float32Array, batch: number) {
  const g = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += dy[b * rows + r] * x[b * cols + c];
      g[r * cols + c] = sum;
    }
  }
  return g;
}

function expectClose(actual: Float64Array, expected: Float64Array) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 10);
}

describe('CSR references against dense loops', () => {
  for (const [what, w] of shapes) {
    for (const batch of [1, 3]) {
      it(`${what}, batch ${batch}`, () => {
        const dense = csrToDense(w);
        const x = normals(10 + batch, batch * w.cols);
        const dy = normals(20 + batch, batch * w.rows);
        const bias = normals(30, w.rows);
        expectClose(spmmForwardRef(w, x, batch), naiveForward(dense, w.rows, w.cols, x, batch));
        expectClose(spmmForwardRef(w, x, batch, bias), naiveForward(dense, w.rows, w.cols, x, batch, bias));
        expectClose(spmmBackwardDataRef(w, dy, batch), naiveBackwardData(dense, w.rows, w.cols, dy, batch));
        const g = naiveWeightGrad(w.rows, w.cols, dy, x, batch);
        const expected = new Float64Array(w.values.length);
        for (let r = 0; r < w.rows; r++) for (let k = w.rowPtr[r]; k < w.rowPtr[r + 1]; k++) expected[k] = g[r * w.cols + w.colIdx[k]];
        expectClose(sddmmRef(w, dy, x, batch), expected);
      });
    }
  }
});

describe('BSR references against dense loops', () => {
  const cases: Array<[string, BsrMatrix]> = [];
  for (const [what, w] of shapes) for (const b of BSR_BLOCK_SIZES) cases.push([`${what} in ${b}x${b} blocks`, bsrFromCsr(w, b)]);
  for (const b of BSR_BLOCK_SIZES) cases.push([`random 37x45 in ${b}x${b} blocks`, randomBsr(37, 45, 0.4, b, b)]);

  for (const [what, w] of cases) {
    it(what, () => {
      const batch = 3;
      const dense = bsrToDense(w);
      const x = normals(11, batch * w.cols);
      const dy = normals(21, batch * w.rows);
      const bias = normals(31, w.rows);
      expectClose(bsrForwardRef(w, x, batch, bias), naiveForward(dense, w.rows, w.cols, x, batch, bias));
      expectClose(bsrBackwardDataRef(w, dy, batch), naiveBackwardData(dense, w.rows, w.cols, dy, batch));
      // Gradient at every in-pattern element, exactly 0 in the padding and outside elementMask.
      const g = naiveWeightGrad(w.rows, w.cols, dy, x, batch);
      const expected = new Float64Array(w.values.length);
      forEachBlockElement(w, (offset, row, col) => {
        const inPattern = row < w.rows && col < w.cols && (!w.elementMask || w.elementMask[offset] === 1);
        if (inPattern) expected[offset] = g[row * w.cols + col];
      });
      expectClose(bsrSddmmRef(w, dy, x, batch), expected);
    });
  }

  it('masks the gradient of masked-out elements inside stored blocks', () => {
    const w = bsrFromCsr(patterned(4, 4, (r, c) => r === c), 4); // one block, diagonal pattern
    const dw = bsrSddmmRef(w, Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 1, 1, 1), 1);
    expect(Array.from(dw)).toEqual(Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)));
  });
});

describe('biasGradRef', () => {
  it('sums dY over the batch', () => {
    expect(Array.from(biasGradRef([1, 2, 3, 10, 20, 30], 2, 3))).toEqual([11, 22, 33]);
    expect(Array.from(biasGradRef([4], 1, 1))).toEqual([4]);
  });
});

describe('matmulRef', () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2 x 3), B = [[7, 8], [9, 10], [11, 12]] (3 x 2).
  const a = [1, 2, 3, 4, 5, 6];
  const b = [7, 8, 9, 10, 11, 12];
  const aT = [1, 4, 2, 5, 3, 6];
  const bT = [7, 9, 11, 8, 10, 12];
  const product = [58, 64, 139, 154];

  it('computes op(A)·op(B) for every transpose combination', () => {
    const dims = { m: 2, k: 3, n: 2 };
    expect(Array.from(matmulRef(a, b, dims))).toEqual(product);
    expect(Array.from(matmulRef(aT, b, { ...dims, transposeA: true }))).toEqual(product);
    expect(Array.from(matmulRef(a, bT, { ...dims, transposeB: true }))).toEqual(product);
    expect(Array.from(matmulRef(aT, bT, { ...dims, transposeA: true, transposeB: true }))).toEqual(product);
  });

  it('adds the bias to every row', () => {
    expect(Array.from(matmulRef(a, b, { m: 2, k: 3, n: 2 }, [1, -1]))).toEqual([59, 63, 140, 153]);
  });

  it('agrees with the sparse forward on a dense weight', () => {
    const w = randomCsr(5, 7, 1, 9);
    const x = normals(1, 3 * 7);
    // Y = X·Wᵀ: m = batch, k = in, n = out, W stored n x k.
    expectClose(matmulRef(x, csrToDense(w), { m: 3, k: 7, n: 5, transposeB: true }), spmmForwardRef(w, x, 3));
  });

  it('refuses bad dims and lengths', () => {
    expect(() => matmulRef(a, b, { m: 2, k: 3, n: 0 })).toThrow(/^dims\.n must be an integer in \[1, /);
    expect(() => matmulRef(a, b, { m: 2.5, k: 3, n: 2 })).toThrow(TypeError);
    expect(() => matmulRef(a, b, null as unknown as { m: 1; k: 1; n: 1 })).toThrow(/^dims must be a \{ m, k, n \} object, got null$/);
    expect(() => matmulRef(a, b, { m: 2, k: 3, n: 2, transposeA: 1 as unknown as boolean })).toThrow(
      /^dims\.transposeA must be a boolean, got 1$/,
    );
    expect(() => matmulRef(a, b, { m: 3, k: 3, n: 2 })).toThrow(/^a must have length 9 \(m\*k\), got 6$/);
    expect(() => matmulRef(a, b, { m: 2, k: 3, n: 3, transposeB: true })).toThrow(/^b must have length 9 \(k\*n\), got 6$/);
    expect(() => matmulRef(a, b, { m: 2, k: 3, n: 2 }, [1])).toThrow(/^bias must have length 2 \(n\), got 1$/);
    expect(() => matmulRef('abc' as unknown as number[], b, { m: 1, k: 3, n: 2 })).toThrow(TypeError);
  });
});

describe('argument checks', () => {
  const w = randomCsr(11, 33, 0.3, 1);
  const x = new Float32Array(2 * 33);
  const dy = new Float32Array(2 * 11);

  it('name the argument and the expected length', () => {
    expect(() => spmmForwardRef(w, x.subarray(1), 2)).toThrow(/^x must have length 66 \(batch\*w\.cols\), got 65$/);
    expect(() => spmmForwardRef(w, x, 2, new Float32Array(10))).toThrow(/^bias must have length 11 \(w\.rows\), got 10$/);
    expect(() => spmmBackwardDataRef(w, x, 2)).toThrow(/^dy must have length 22 \(batch\*w\.rows\), got 66$/);
    expect(() => sddmmRef(w, dy, dy, 2)).toThrow(/^x must have length 66 \(batch\*w\.cols\), got 22$/);
    expect(() => sddmmRef(w, x, x, 2)).toThrow(/^dy must have length 22/);
    expect(() => biasGradRef(dy, 2, 12)).toThrow(/^dy must have length 24 \(batch\*outFeatures\), got 22$/);
    const bsr = bsrFromCsr(w, 8);
    expect(() => bsrForwardRef(bsr, x.subarray(1), 2)).toThrow(/^x must have length 66 \(batch\*w\.cols\), got 65$/);
    expect(() => bsrBackwardDataRef(bsr, dy, 3)).toThrow(/^dy must have length 33 \(batch\*w\.rows\), got 22$/);
    expect(() => bsrSddmmRef(bsr, dy, x.subarray(2), 2)).toThrow(/^x must have length 66/);
  });

  it('refuse a bad batch, non-arrays and malformed matrices', () => {
    expect(() => spmmForwardRef(w, x, 0)).toThrow(/^batch must be an integer in \[1, /);
    expect(() => spmmForwardRef(w, x, 1.5)).toThrow(TypeError);
    expect(() => biasGradRef(dy, 2, 0)).toThrow(/^outFeatures must be an integer/);
    expect(() => spmmForwardRef(w, 'x' as unknown as Float32Array, 2)).toThrow(/^x must be a Float32Array, Float64Array or number\[\], got string$/);
    expect(() => spmmForwardRef(w, new BigInt64Array(66) as unknown as Float32Array, 2)).toThrow(TypeError);
    expect(() => spmmForwardRef({ ...w, values: w.values.map(() => NaN) }, x, 2)).toThrow(/^w\.values\[0\] = NaN must be finite$/);
    expect(() => bsrForwardRef({ ...bsrFromCsr(w, 8), blockSize: 12 as 8 }, x, 2)).toThrow(/^w\.blockSize must be one of/);
  });
});
