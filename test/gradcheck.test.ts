import { expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { forEachBlockElement } from '../src/sparse/bsr.js';
import { type BsrMatrix, bsrForwardRef, bsrFromCsr, type CsrMatrix, randomCsr, spmmForwardRef } from '../src/sparse/index.js';
import { describeGpu } from './harness/gpu.js';

/**
 * Gradient check of the backward kernels against finite differences of the float64 CPU forward,
 * for loss = sum(Y ∘ G) with Y = X·Wᵀ + b. Every value is a multiple of 2^-6 in [-1, 1] and the
 * step is 2^-6, so perturbed values stay exact in float32, the loss is exact in float64 (it is
 * linear in each parameter), and so is each central difference; the GPU sums here are short
 * enough (at most 7 terms of multiples of 2^-12) to be exact in float32 too. The gradients must
 * therefore agree exactly, which checks indexing and layout (value order, transposition, the
 * permutation, the bias) rather than rounding.
 */
const STEP = 2 ** -6;

function quantized(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => Math.round((rng.nextFloat() * 2 - 1) * 64) / 64);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Central differences of `loss` over the listed positions of `array` (others get 0). */
function centralDifferences(array: Float32Array, positions: Iterable<number>, loss: () => number): Float64Array {
  const grad = new Float64Array(array.length);
  for (const i of positions) {
    const saved = array[i]!;
    array[i] = saved + STEP;
    const up = loss();
    array[i] = saved - STEP;
    const down = loss();
    array[i] = saved;
    grad[i] = (up - down) / (2 * STEP);
  }
  return grad;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describeGpu('sparse', (run) => {
  it('CSR: SDDMM, backward-data and bias gradient equal finite differences of the CPU forward', async () => {
    const rng = new Rng(51);
    const batch = 3;
    const pattern = randomCsr(6, 5, 0.5, 52);
    const w: CsrMatrix = { ...pattern, values: quantized(rng, pattern.values.length) };
    const x = quantized(rng, batch * w.cols);
    const g = quantized(rng, batch * w.rows);
    const bias = quantized(rng, w.rows);
    const loss = () => dot(spmmForwardRef(w, x, batch, bias), g);

    const { dx } = await run('csrSpmm', { w, x, dy: g, batch, bias });
    const { dw, db } = await run('csrSddmm', { w, x, dy: g, batch });
    expect(Array.from(dw)).toEqual(Array.from(centralDifferences(w.values, all(w.values.length), loss)));
    expect(Array.from(dx)).toEqual(Array.from(centralDifferences(x, all(x.length), loss)));
    expect(Array.from(db)).toEqual(Array.from(centralDifferences(bias, all(bias.length), loss)));
  });

  it('BSR-4 with an element mask: the same, and exactly 0 outside the pattern', async () => {
    const rng = new Rng(53);
    const batch = 3;
    const pattern = randomCsr(6, 7, 0.4, 54);
    const w: BsrMatrix = bsrFromCsr({ ...pattern, values: quantized(rng, pattern.values.length) }, 4);
    expect(w.elementMask).toBeDefined();
    const x = quantized(rng, batch * w.cols);
    const g = quantized(rng, batch * w.rows);
    const bias = quantized(rng, w.rows);
    const loss = () => dot(bsrForwardRef(w, x, batch, bias), g);
    const inPattern: number[] = [];
    forEachBlockElement(w, (offset, row, col) => {
      if (row < w.rows && col < w.cols && w.elementMask![offset] === 1) inPattern.push(offset);
    });

    const { dx, dw } = await run('bsrPasses', { w, x, dy: g, batch, bias });
    expect(Array.from(dw)).toEqual(Array.from(centralDifferences(w.values, inPattern, loss)));
    expect(Array.from(dx)).toEqual(Array.from(centralDifferences(x, all(x.length), loss)));
  });
});
