/**
 * EOI initialisation time: the GPU batched path (eoiBatch), our CPU path (eoi per layer)
 * and a faithful port of the paper's naive loop (recount the whole matrix after every rotation),
 * in one run. The naive loop's cost per rotation is constant, so where running it to the end would
 * take minutes it is timed over a prefix and extrapolated to the full rotation count (marked).
 */
import { eoiBatch } from '../src/eoi/batch.js';
import { eoi } from '../src/eoi/eoi.js';
import { eoiNaive } from '../src/eoi/naive.js';
import type { Context } from '../src/gpu/context.js';

export interface EoiBenchCase {
  label: string;
  layers: number;
  rows: number;
  cols: number;
  density: number;
}

export const EOI_CASES: EoiBenchCase[] = [
  { label: '(a) 1 x 4096² @ 0.1', layers: 1, rows: 4096, cols: 4096, density: 0.1 },
  { label: '(b) 1000 x 128² @ 0.125', layers: 1000, rows: 128, cols: 128, density: 0.125 },
  { label: '(c) 100 x 1024² @ 0.05', layers: 100, rows: 1024, cols: 1024, density: 0.05 },
];

export interface EoiBenchRow {
  label: string;
  gpuMs: number;
  cpuMs: number;
  naiveMs: number;
  naiveExtrapolated: boolean;
  rotationsPerLayer: number;
  adapter: string;
}

/** Naive loop budget: at most this many rotations are timed per case (then extrapolated). */
const NAIVE_ROTATION_BUDGET = 400;

export async function benchEoi(ctx: Context, cases: EoiBenchCase[], log: (line: string) => void): Promise<EoiBenchRow[]> {
  const rows: EoiBenchRow[] = [];
  for (const c of cases) {
    const specs = Array.from({ length: c.layers }, (_, seed) => ({ rows: c.rows, cols: c.cols, density: c.density, seed }));
    log(`${c.label}: GPU batched…`);
    await eoiBatch(ctx, specs.slice(0, 1)); // compile the pipeline outside the timing
    let t0 = performance.now();
    const gpu = await eoiBatch(ctx, specs, { onSampled: (done, total) => done % Math.max(1, total / 4) === 0 && log(`  sampled ${done}/${total} layers`) });
    const gpuMs = performance.now() - t0;
    log(`${c.label}: GPU ${gpuMs.toFixed(0)} ms; CPU…`);
    t0 = performance.now();
    for (const spec of specs) eoi(spec.rows, spec.cols, spec);
    const cpuMs = performance.now() - t0;
    const rotationsPerLayer = gpu.reduce((s, w) => s + w.rotations, 0) / gpu.length;
    log(`${c.label}: CPU ${cpuMs.toFixed(0)} ms; naive loop…`);
    // One layer of the naive loop, over a prefix of its rotations when the whole would be too long.
    const prefix = Math.min(NAIVE_ROTATION_BUDGET, Math.ceil(rotationsPerLayer));
    t0 = performance.now();
    const naive = eoiNaive(c.rows, c.cols, { density: c.density, seed: 0, maxRotations: prefix });
    const naiveOneLayerMs = ((performance.now() - t0) * rotationsPerLayer) / Math.max(1, naive.rotations);
    const naiveExtrapolated = naive.rotations < rotationsPerLayer || c.layers > 1;
    const naiveMs = naiveOneLayerMs * c.layers;
    log(`${c.label}: naive ${naiveMs.toFixed(0)} ms${naiveExtrapolated ? ' (extrapolated)' : ''}`);
    rows.push({ label: c.label, gpuMs, cpuMs, naiveMs, naiveExtrapolated, rotationsPerLayer, adapter: ctx.adapterName });
  }
  return rows;
}

export function eoiMarkdown(rows: EoiBenchRow[]): string {
  const lines = [
    '| case | rotations/layer | GPU batched ms | our CPU ms | naive loop ms | CPU vs naive | GPU vs CPU |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.rotationsPerLayer.toFixed(0)} | ${r.gpuMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.naiveMs.toFixed(0)}${r.naiveExtrapolated ? '*' : ''} | ${(r.naiveMs / r.cpuMs).toFixed(0)}× | ${(r.cpuMs / r.gpuMs).toFixed(2)}× |`,
    ),
  ];
  return `${lines.join('\n')}\n\n\\* naive loop timed over at most ${NAIVE_ROTATION_BUDGET} rotations of one layer, extrapolated to all rotations and layers (its cost per rotation is constant: a full recount).\nAdapter: ${rows[0]?.adapter ?? 'unknown'}\n`;
}
