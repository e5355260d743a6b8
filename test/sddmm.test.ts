import { expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { biasGradRef, type CsrMatrix, randomCsr, sddmmRef } from '../src/sparse/index.js';
import { describeGpu, type RunCase } from './harness/gpu.js';
import { randomFloat32, worstBoundRatio } from './harness/tolerance.js';
import { abs, CSR_MASKS, patterned } from './sparse-fixtures.js';

/** Runs the SDDMM and the bias gradient on the GPU; both are dot products over the batch. */
async function expectGradientsWithinBound(run: RunCase, w: CsrMatrix, batch: number, extra: Record<string, unknown> = {}) {
  const rng = new Rng(batch * 104729 + w.rows * 17 + w.cols);
  const x = randomFloat32(rng, batch * w.cols);
  const dy = randomFloat32(rng, batch * w.rows);
  const { dw, db } = await run('csrSddmm', { w, x, dy, batch, ...extra });
  expect(dw.length).toBe(w.colIdx.length);
  expect(worstBoundRatio(dw, sddmmRef(w, dy, x, batch), sddmmRef(w, abs(dy), abs(x), batch), batch)).toBeLessThanOrEqual(1);
  expect(worstBoundRatio(db, biasGradRef(dy, batch, w.rows), biasGradRef(abs(dy), batch, w.rows), batch)).toBeLessThanOrEqual(1);
}

describeGpu('sparse', (run) => {
  for (const { name, w } of CSR_MASKS) {
    for (const batch of [7, 64]) {
      it(`CSR ${name}, batch ${batch}: SDDMM and bias gradient within the float32 bound`, () => expectGradientsWithinBound(run, w, batch));
    }
  }

  it('batch 1 and batch 130', async () => {
    await expectGradientsWithinBound(run, CSR_MASKS[0]!.w, 1);
    await expectGradientsWithinBound(run, randomCsr(40, 56, 0.25, 31), 130);
  });

  it('rows of every length from 1 to 24: work items end at every offset within their segment', () =>
    expectGradientsWithinBound(run, patterned(24, 24, 32, (r, c) => c <= r), 9));

  it('folded workgroup grids (limit lowered to 2 per dimension) give the same results', () =>
    expectGradientsWithinBound(run, CSR_MASKS[1]!.w, 64, { fold: { maxGroupsX: 2 } }));
});
