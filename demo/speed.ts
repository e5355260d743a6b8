/**
 * "Sparse vs dense on your GPU": one cell of the sparse benchmark (bench/sparse.ts, the code
 * behind bench/RESULTS.md) on the visitor's adapter: our dense matmul and the CSR (random and EOI
 * masks) and BSR-16 kernels for a layer's three products, at one size, batch and density.
 */
import { benchSparseCase, type Pass, type SparseRecord } from '../bench/sparse.js';
import type { Context } from '../src/index.js';

export const SPEED_PASSES: ReadonlyArray<{ pass: Pass; label: string }> = [
  { pass: 'forward', label: 'forward Y = X·Wᵀ' },
  { pass: 'backward-data', label: 'backward dX = dY·W' },
  { pass: 'sddmm', label: 'weight gradient (SDDMM)' },
];

export const SPEED_VARIANTS = [
  { id: 'csr-random', label: 'CSR, random mask', format: 'csr', mask: 'random' },
  { id: 'csr-eoi', label: 'CSR, EOI mask', format: 'csr', mask: 'eoi' },
  { id: 'bsr16', label: 'BSR 16×16 blocks', format: 'bsr16', mask: 'block-random' },
] as const;

export interface SpeedRow {
  pass: Pass;
  denseMs: number;
  /** one per SPEED_VARIANTS entry, in that order; speedup = dense time / sparse time */
  sparse: Array<{ id: (typeof SPEED_VARIANTS)[number]['id']; ms: number; speedup: number }>;
}

export interface SpeedSettings {
  size: number;
  batch: number;
  density: number;
}

const REPS = 3;

export async function measureSpeed(ctx: Context, { size, batch, density }: SpeedSettings, progress: (line: string) => void): Promise<SpeedRow[]> {
  const records = await benchSparseCase(ctx, 'browser', { group: 'grid', size, batch, densities: [density], masks: ['random', 'eoi'], reps: REPS }, progress);
  const find = (pass: Pass, format: SparseRecord['format'], mask: string) => {
    const r = records.find((x) => x.pass === pass && x.format === format && x.shape.mask === mask);
    if (!r) throw new Error(`the benchmark returned no ${format} ${mask} ${pass} record`);
    return r.medianMs;
  };
  return SPEED_PASSES.map(({ pass }) => {
    const denseMs = find(pass, 'dense', 'none');
    const sparse = SPEED_VARIANTS.map((v) => {
      const ms = find(pass, v.format, v.mask);
      return { id: v.id, ms, speedup: denseMs / ms };
    });
    return { pass, denseMs, sparse };
  });
}
