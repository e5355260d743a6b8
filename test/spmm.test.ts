import { describe, expect, it } from 'vitest';
import { chooseSpmmBsrConfig, SPMM_BSR_GROUPS_PER_INVOCATION } from '../src/kernels/spmm-bsr.js';
import { chooseSpmmCsrConfig, SPMM_CSR_GROUPS_PER_INVOCATION } from '../src/kernels/spmm-csr.js';
import { Rng } from '../src/random.js';
import { type CsrMatrix, randomCsr, spmmBackwardDataRef, spmmForwardRef } from '../src/sparse/index.js';
import { describeGpu, type RunCase } from './harness/gpu.js';
import type { ActivationSpec } from '../src/kernels/activation.js';
import { activationRef } from '../src/train/activation-reference.js';
import { ACTIVATION_ULPS, randomFloat32, worstBoundRatio, worstFusedSlopeRatio, worstUlps } from './harness/tolerance.js';
import { abs, absValues, CSR_MASKS, longestColumn, longestRow } from './sparse-fixtures.js';

/** Runs forward (with bias) and backward-data on the GPU and checks both against the float64 references. */
async function expectSpmmWithinBound(run: RunCase, w: CsrMatrix, batch: number, extra: Record<string, unknown> = {}) {
  const rng = new Rng(batch * 7919 + w.rows * 31 + w.cols);
  const x = randomFloat32(rng, batch * w.cols);
  const dy = randomFloat32(rng, batch * w.rows);
  // Odd batches run with a bias, even ones without, so both pipelines are covered.
  const bias = batch % 2 === 1 ? randomFloat32(rng, w.rows) : undefined;
  const { y, dx } = await run('csrSpmm', { w, x, dy, batch, bias, ...extra });
  // Row r of Y is a dot product of its entries, plus one rounded term for the bias.
  const forwardTerms = longestRow(w.rowPtr) + (bias ? 1 : 0);
  expect(worstBoundRatio(y, spmmForwardRef(w, x, batch, bias), spmmForwardRef(absValues(w), abs(x), batch, abs(bias)), forwardTerms)).toBeLessThanOrEqual(1);
  expect(worstBoundRatio(dx, spmmBackwardDataRef(w, dy, batch), spmmBackwardDataRef(absValues(w), abs(dy), batch), longestColumn(w))).toBeLessThanOrEqual(1);
}

describe('tile choice', () => {
  it('64-invocation workgroups, bv from the kernel’s list, as few batch tiles as bv allows', () => {
    for (const batch of [1, 2, 4, 5, 8, 16, 17, 33, 64, 100, 128, 256, 1000]) {
      const groups = Math.ceil(batch / 4);
      for (const [config, allowed] of [
        [chooseSpmmCsrConfig(batch), SPMM_CSR_GROUPS_PER_INVOCATION],
        [chooseSpmmBsrConfig(batch), SPMM_BSR_GROUPS_PER_INVOCATION],
      ] as const) {
        expect(config.wgB * config.wgR).toBe(64);
        expect(allowed).toContain(config.bv);
        // A batch tile smaller than the batch only when bv is already the largest the kernel has.
        if (config.wgB * config.bv < groups) expect(config.bv).toBe(Math.max(...allowed));
      }
    }
  });
});

describeGpu('sparse', (run) => {
  for (const { name, w } of CSR_MASKS) {
    for (const batch of [7, 64]) {
      it(`CSR ${name}, batch ${batch}: forward and backward-data within the float32 bound`, () => expectSpmmWithinBound(run, w, batch));
    }
  }

  it('batch 1 (one vec4 group per invocation)', () => expectSpmmWithinBound(run, CSR_MASKS[0]!.w, 1));

  it('batch 130: several batch tiles per row, the last one partial', () => expectSpmmWithinBound(run, randomCsr(40, 56, 0.25, 21), 130));

  it('folded workgroup grids (limit lowered to 2 per dimension) give the same results', () =>
    expectSpmmWithinBound(run, CSR_MASKS[0]!.w, 64, { fold: { maxGroupsX: 2 } }));

  it('every tile configuration computes the same product', async () => {
    for (const config of [
      { wgB: 1, wgR: 64, bv: 8 },
      { wgB: 2, wgR: 32, bv: 4 },
      { wgB: 4, wgR: 16, bv: 2 },
    ]) {
      await expectSpmmWithinBound(run, CSR_MASKS[1]!.w, 37, { config });
    }
  });

  it('refuses a tile configuration the kernel is not written for', async () => {
    const w = CSR_MASKS[0]!.w;
    const params = { w, x: new Float32Array(4 * w.cols), dy: new Float32Array(4 * w.rows), batch: 4 };
    await expect(run('csrSpmm', { ...params, config: { wgB: 4, wgR: 16, bv: 3 } })).rejects.toThrow(/config\.bv must be one of 1, 2, 4, 8, got 3/);
    await expect(run('csrSpmm', { ...params, config: { wgB: 64, wgR: 64, bv: 1 } })).rejects.toThrow(/config\.wgB \* config\.wgR must be at most/);
  });

  it('csrMatmul (one-shot API) matches the reference', async () => {
    const w = CSR_MASKS[7]!.w;
    const batch = 5;
    const x = randomFloat32(new Rng(22), batch * w.cols);
    const y: Float32Array = await run('csrMatmul', { w, x, batch });
    expect(y.length).toBe(batch * w.rows);
    expect(worstBoundRatio(y, spmmForwardRef(w, x, batch), spmmForwardRef(absValues(w), abs(x), batch), longestRow(w.rowPtr))).toBeLessThanOrEqual(1);
  });

  it('csrMatmul refuses malformed CSR with validateCsr’s message, and mismatched x or batch', async () => {
    const w = randomCsr(4, 5, 0.5, 23);
    const x = new Float32Array(2 * 5);
    const badColumn = { ...w, colIdx: w.colIdx.map((c, i) => (i === 0 ? 5 : c)) };
    await expect(run('csrMatmul', { w: badColumn, x, batch: 2 })).rejects.toThrow(/w\.colIdx\[0\] = 5 must be < cols \(5\)/);
    const badRowPtr = { ...w, rowPtr: w.rowPtr.map((p, i) => (i === 0 ? 1 : p)) };
    await expect(run('csrMatmul', { w: badRowPtr, x, batch: 2 })).rejects.toThrow(/w\.rowPtr\[0\] must be 0, got 1/);
    await expect(run('csrMatmul', { w: { ...w, values: new Float64Array(w.values) }, x, batch: 2 })).rejects.toThrow(TypeError);
    await expect(run('csrMatmul', { w, x: new Float32Array(9), batch: 2 })).rejects.toThrow(/x must have length 10 \(batch\*w\.cols\), got 9/);
    await expect(run('csrMatmul', { w, x, batch: 0 })).rejects.toThrow(/batch must be an integer in \[1, /);
  });

  fusedPassTests(run);
});

/**
 * Activations for the fused passes: the deep MLP's tanh, relu's kink convention, softplus (act(0) != 0,
 * so the padding must be zeroed after the activation), parameters and the ghost-soft-neuron blend
 * through the uniforms, and GELU's longer formula.
 */
const FUSED_ACTIVATIONS: ActivationSpec[] = [
  { name: 'tanh' },
  { name: 'relu' },
  { name: 'softplus' },
  { name: 'leakyRelu', negativeSlope: 0.2 },
  { name: 'pswish', blend: 0.3 },
  { name: 'gelu' },
];

/** Every mask shape once, each with one activation (every activation on two or more masks), batches 1, 7 and 64 in turn. */
function fusedPassTests(run: RunCase): void {
  CSR_MASKS.forEach(({ name, w }, m) => {
    const activation = FUSED_ACTIVATIONS[m % FUSED_ACTIVATIONS.length]!;
    const batch = [7, 1, 64][m % 3]!;
    it(`CSR ${name}, batch ${batch}, ${activation.name}${activation.blend ? ' blended' : ''}: forward with the activation fused, backward-data with its derivative fused`, async () => {
      const rng = new Rng(m * 104729 + batch);
      const x = randomFloat32(rng, batch * w.cols);
      const dy = randomFloat32(rng, batch * w.rows);
      const zBelow = Float32Array.from(randomFloat32(rng, batch * w.cols), (v) => 3 * v);
      const bias = m % 2 === 0 ? randomFloat32(rng, w.rows) : undefined;
      const { z, y, dz } = await run('csrFused', { w, x, dy, zBelow, batch, bias, activation });
      expect(worstBoundRatio(z, spmmForwardRef(w, x, batch, bias), spmmForwardRef(absValues(w), abs(x), batch, abs(bias)), longestRow(w.rowPtr) + (bias ? 1 : 0))).toBeLessThanOrEqual(1);
      // y is act of the z the kernel computed, to the activation kernel's own tolerance.
      expect(worstUlps(y, activationRef(activation, z), () => 1)).toBeLessThanOrEqual(ACTIVATION_ULPS);
      const product = spmmBackwardDataRef(w, dy, batch);
      const magnitude = spmmBackwardDataRef(absValues(w), abs(dy), batch);
      expect(worstFusedSlopeRatio(dz, product, magnitude, longestColumn(w), zBelow, activation)).toBeLessThanOrEqual(1);
    });
  });
}
