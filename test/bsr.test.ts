import { expect, it } from 'vitest';
import { eoi } from '../src/eoi/index.js';
import { forEachBlockElement } from '../src/sparse/bsr.js';
import { Rng } from '../src/random.js';
import {
  BSR_BLOCK_SIZES,
  type BsrMatrix,
  bsrBackwardDataRef,
  bsrForwardRef,
  bsrFromCsr,
  bsrSddmmRef,
  randomBsr,
  randomCsr,
} from '../src/sparse/index.js';
import { describeGpu, type RunCase } from './harness/gpu.js';
import { randomFloat32, worstBoundRatio } from './harness/tolerance.js';
import { abs, absValues, longestColumn, longestRow } from './sparse-fixtures.js';

/**
 * Runs forward (with bias for odd batches), backward-data and the weight gradient on the GPU and
 * checks them against the float64 references. Stored blocks are computed whole, so a dot product
 * has blockSize terms per stored block (the zeros of the padding and the mask add no error).
 */
async function expectBsrWithinBound(run: RunCase, w: BsrMatrix, batch: number, extra: Record<string, unknown> = {}) {
  const rng = new Rng(batch * 7907 + w.rows * 13 + w.cols + w.blockSize);
  const x = randomFloat32(rng, batch * w.cols);
  const dy = randomFloat32(rng, batch * w.rows);
  const bias = batch % 2 === 1 ? randomFloat32(rng, w.rows) : undefined;
  const { y, dx, dw } = await run('bsrPasses', { w, x, dy, batch, bias, ...extra });
  const b = w.blockSize;
  const forwardTerms = longestRow(w.rowPtr) * b + (bias ? 1 : 0);
  const backwardTerms = longestColumn({ cols: w.blockCols, colIdx: w.colIdx }) * b;
  const wAbs = absValues(w);
  expect(worstBoundRatio(y, bsrForwardRef(w, x, batch, bias), bsrForwardRef(wAbs, abs(x), batch, abs(bias)), forwardTerms)).toBeLessThanOrEqual(1);
  expect(worstBoundRatio(dx, bsrBackwardDataRef(w, dy, batch), bsrBackwardDataRef(wAbs, abs(dy), batch), backwardTerms)).toBeLessThanOrEqual(1);
  expect(worstBoundRatio(dw, bsrSddmmRef(w, dy, x, batch), bsrSddmmRef(w, abs(dy), abs(x), batch), batch)).toBeLessThanOrEqual(1);
  // Outside the pattern the gradient is exactly +0, so training keeps those weights at 0.
  forEachBlockElement(w, (offset, row, col) => {
    if (row >= w.rows || col >= w.cols || w.elementMask?.[offset] === 0) expect(Object.is(dw[offset], 0)).toBe(true);
  });
}

/** A shape that no block size divides, per block size. */
const ODD_SHAPES: Record<number, [number, number]> = { 4: [37, 45], 8: [45, 37], 16: [50, 70], 32: [70, 45] };

describeGpu('sparse', (run) => {
  for (const blockSize of BSR_BLOCK_SIZES) {
    const [rows, cols] = ODD_SHAPES[blockSize]!;
    it(`BSR-${blockSize} random blocks ${rows}x${cols} (padded edges), batch 7`, () =>
      expectBsrWithinBound(run, randomBsr(rows, cols, 0.4, blockSize, blockSize), 7));
    it(`BSR-${blockSize} element mask (blocks only partly in the pattern) ${cols}x${rows}, batch 7`, () => {
      const w = bsrFromCsr(randomCsr(cols, rows, 0.15, 100 + blockSize), blockSize);
      expect(w.elementMask).toBeDefined();
      return expectBsrWithinBound(run, w, 7);
    });
  }

  it('BSR-16 batch 64 and BSR-8 batch 1', async () => {
    await expectBsrWithinBound(run, randomBsr(50, 70, 0.4, 16, 41), 64);
    await expectBsrWithinBound(run, randomBsr(45, 37, 0.4, 8, 42), 1);
  });

  it('BSR-32 at 256x256, density 0.1, batch 64', () => expectBsrWithinBound(run, randomBsr(256, 256, 0.1, 32, 43), 64));

  it('BSR with no stored blocks', () => expectBsrWithinBound(run, randomBsr(20, 30, 0, 8, 44), 7));

  it('BSR one row 1x100 and one column 100x1', async () => {
    await expectBsrWithinBound(run, randomBsr(1, 100, 0.5, 8, 45), 7);
    await expectBsrWithinBound(run, randomBsr(100, 1, 0.5, 4, 46), 7);
  });

  it('BSR-16 of an EOI mask 64x128 (element mask)', () =>
    expectBsrWithinBound(run, bsrFromCsr(eoi(64, 128, { density: 0.2, seed: 47 }), 16), 7));

  it('folded workgroup grids and every tile configuration give the same results', async () => {
    const w = randomBsr(50, 70, 0.4, 16, 48);
    await expectBsrWithinBound(run, w, 64, { fold: { maxGroupsX: 2 } });
    for (const config of [
      { wgB: 1, wgR: 64, bv: 2 },
      { wgB: 4, wgR: 16, bv: 1 },
    ]) {
      await expectBsrWithinBound(run, w, 37, { config });
    }
  });
});
