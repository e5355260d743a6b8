/**
 * Block-sparse conv benchmark (Node and Chromium): our BSR conv (convBsrForwardInto, convBsrBackwardDataInto,
 * convBsrWeightGradInto) at block sizes 4, 8 and 16 on random block masks, against the CSR conv
 * (convCsrForwardInto, convCsrBackwardDataInto, convSddmmInto) on the very same filter (its stored
 * elements as CSR) and on a random element mask of the same density, and against our dense conv,
 * for conv layers of the deep CNN (cIn = cOut, 3x3, stride 1, padding 1). The report side
 * (convBsrMarkdown) is pure text; bench/run.ts writes the files.
 *
 * What is timed: one kernel call on operands already on the GPU in the activation layout. Every
 * kernel of a case (dense, and every format at every density) is run once per round, round after
 * round, so a burst of load on a shared machine falls on all of them alike; the median wall time
 * over the rounds is reported, and in Node the median process CPU time (SwiftShader runs the GPU's
 * work on this process's threads, so it counts the work however busy the machine is; a page has
 * no such clock, so Chromium records report none).
 */
import type { Context } from '../src/gpu/context.js';
import { convBsrBackwardDataInto, convBsrForwardInto } from '../src/kernels/conv-bsr.js';
import { convCsrBackwardDataInto, convCsrForwardInto, GpuConvFilter } from '../src/kernels/conv-csr.js';
import { denseConvBackwardDataInto, denseConvForwardInto, denseConvWeightGradInto } from '../src/kernels/conv-dense.js';
import { convBsrWeightGradInto } from '../src/kernels/sddmm-conv-bsr.js';
import { convSddmmInto } from '../src/kernels/sddmm-conv.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { CONV_BSR_BLOCK_SIZES, type ConvBsrBlockSize, convBsrToCsr, randomConvBsr } from '../src/sparse/conv-bsr.js';
import { type ConvGeometry, convGeometry, PADDING_MODES, type PaddingMode } from '../src/sparse/conv-geometry.js';
import { type CsrMatrix, randomCsr } from '../src/sparse/csr.js';
import { GpuConvBsrFilter } from '../src/sparse/gpu-conv-bsr.js';
import { median, randomValues } from './timing.js';

export type ConvBsrPass = 'forward' | 'backward-data' | 'weight-grad';
const PASSES: ConvBsrPass[] = ['forward', 'backward-data', 'weight-grad'];

/** dense; CSR on a random element mask; BSR-b on a random block mask; CSR on that same block filter. */
export type ConvBsrFormat = 'dense' | 'csr' | `bsr${ConvBsrBlockSize}` | `csr-of-bsr${ConvBsrBlockSize}`;

export interface ConvBsrGrid {
  /** cIn = cOut */
  channels: number[];
  /** image sides (h = w) */
  sizes: number[];
  batch: number;
  paddingMode: PaddingMode;
  densities: number[];
  reps: number;
}

export const DEFAULT_CONV_BSR_GRID: ConvBsrGrid = { channels: [32, 64], sizes: [14, 7], batch: 32, paddingMode: 'circular', densities: [0.5, 0.3, 0.2, 0.1, 0.05], reps: 7 };

/** The grid with `given` fields replacing the defaults; refuses bad numbers and unknown paddings. */
export function convBsrGrid(given: Partial<Omit<ConvBsrGrid, 'paddingMode'>> & { paddingMode?: string }): ConvBsrGrid {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const grid = { ...DEFAULT_CONV_BSR_GRID, ...defined } as ConvBsrGrid;
  if (!(PADDING_MODES as readonly string[]).includes(grid.paddingMode)) throw new RangeError(`--paddings: '${grid.paddingMode}' is not one of ${PADDING_MODES.join(', ')}`);
  for (const [name, values] of [['channels', grid.channels], ['sizes', grid.sizes], ['batches', [grid.batch]], ['reps', [grid.reps]]] as const) {
    if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`--${name}: positive integers expected, got ${values.join(',')}`);
  }
  if (!grid.densities.every((d) => d > 0 && d <= 1)) throw new RangeError(`--densities: numbers in (0, 1] expected, got ${grid.densities.join(',')}`);
  return grid;
}

/** One layer shape: every kernel of it is measured together. */
export interface ConvBsrCase {
  channels: number;
  size: number;
  batch: number;
  paddingMode: PaddingMode;
  densities: number[];
  reps: number;
}

export function convBsrCases(grid: ConvBsrGrid): ConvBsrCase[] {
  const { batch, paddingMode, densities, reps } = grid;
  return grid.channels.flatMap((channels) => grid.sizes.map((size) => ({ channels, size, batch, paddingMode, densities, reps })));
}

export interface ConvBsrRecord {
  suite: 'conv-bsr';
  format: ConvBsrFormat;
  pass: ConvBsrPass;
  shape: { channels: number; size: number; batch: number; paddingMode: PaddingMode; density: number; nnz: number; nominalDensity: number };
  backend: string;
  adapter: string;
  medianMs: number;
  /** median process CPU time per call (user + system, every thread); Node only */
  cpuMs?: number;
  gflops: number;
}

function caseGeometry(c: ConvBsrCase): ConvGeometry {
  return convGeometry({ batch: c.batch, cIn: c.channels, h: c.size, w: c.size, kh: 3, kw: 3, padding: 1, paddingMode: c.paddingMode }, 'case');
}

/** One kernel call to time, and what it is. */
interface Timed {
  format: ConvBsrFormat;
  pass: ConvBsrPass;
  nominalDensity: number;
  nnz: number;
  run: () => Promise<void>;
}

/** This process's CPU time so far in ms (user + system), where the runtime has the clock (Node). */
const cpuClock: (() => number) | undefined =
  typeof process !== 'undefined' && typeof process.cpuUsage === 'function'
    ? () => {
        const used = process.cpuUsage();
        return (used.user + used.system) / 1000;
      }
    : undefined;

/** Warm-up (pipelines, lazy structures), then `reps` rounds in which every kernel runs once. */
async function measureRoundRobin(ctx: Context, kernels: Timed[], reps: number, log: (line: string) => void): Promise<Array<{ wall: number; cpu?: number }>> {
  for (const k of kernels) {
    await k.run();
    await ctx.sync();
  }
  const wall = kernels.map(() => [] as number[]);
  const cpu = kernels.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (const [i, k] of kernels.entries()) {
      const c0 = cpuClock?.();
      const t0 = performance.now();
      await k.run();
      await ctx.sync();
      wall[i]!.push(performance.now() - t0);
      if (cpuClock) cpu[i]!.push(cpuClock() - c0!);
    }
    log(`round ${r + 1} of ${reps} done`);
  }
  return kernels.map((_, i) => ({ wall: median(wall[i]!), cpu: cpuClock ? median(cpu[i]!) : undefined }));
}

/** Every kernel of one layer shape: dense, then per density CSR (random) and per block size BSR and CSR of the same filter. */
export async function benchConvBsrCase(ctx: Context, backend: string, c: ConvBsrCase, log: (line: string) => void): Promise<ConvBsrRecord[]> {
  const g = caseGeometry(c);
  const features = c.channels * c.size * c.size;
  const taps = c.channels * c.channels * 9;
  const owned: Array<{ destroy(): void }> = [];
  const own = <T extends { destroy(): void }>(t: T) => (owned.push(t), t);
  const activation = (seed: number) => own(ctx.upload('f32', toActivationLayout(randomValues(c.batch * features, seed), c.batch, features)));
  const [x, dy, y, dx] = [activation(3), activation(4), activation(5), activation(6)];
  const kernels: Timed[] = [];
  try {
    const w = own(ctx.upload('f32', randomValues(taps, 1)));
    const dwDense = own(ctx.zeros('f32', taps));
    const dense: Record<ConvBsrPass, () => Promise<void>> = {
      forward: () => denseConvForwardInto(ctx, w, x, y, g, c.channels),
      'backward-data': () => denseConvBackwardDataInto(ctx, w, dy, dx, g, c.channels),
      'weight-grad': () => denseConvWeightGradInto(ctx, dy, x, dwDense, g, c.channels),
    };
    for (const pass of PASSES) kernels.push({ format: 'dense', pass, nominalDensity: 1, nnz: taps, run: dense[pass] });
    const addCsr = (format: ConvBsrFormat, csr: CsrMatrix, nominalDensity: number) => {
      const f = own(GpuConvFilter.upload(ctx, csr, g));
      const dw = own(ctx.zeros('f32', Math.max(1, f.csr.nnz)));
      const run: Record<ConvBsrPass, () => Promise<void>> = {
        forward: () => convCsrForwardInto(ctx, f, x, y, g),
        'backward-data': () => convCsrBackwardDataInto(ctx, f, dy, dx, g),
        'weight-grad': () => convSddmmInto(ctx, f.csr, dy, x, dw, g),
      };
      for (const pass of PASSES) kernels.push({ format, pass, nominalDensity, nnz: csr.colIdx.length, run: run[pass] });
    };
    for (const [i, density] of c.densities.entries()) {
      addCsr('csr', randomCsr(c.channels, c.channels * 9, density, 100 + i), density);
      for (const b of CONV_BSR_BLOCK_SIZES) {
        const host = randomConvBsr({ cOut: c.channels, cIn: c.channels, kh: 3, kw: 3 }, density, b, 200 + i);
        // A block grid too coarse for this density stores no block: nothing to measure.
        if (host.colIdx.length === 0) continue;
        const f = own(GpuConvBsrFilter.upload(ctx, host));
        const dw = own(ctx.zeros('f32', host.values.length));
        const { w: csr } = convBsrToCsr(host);
        const run: Record<ConvBsrPass, () => Promise<void>> = {
          forward: () => convBsrForwardInto(ctx, f, x, y, g),
          'backward-data': () => convBsrBackwardDataInto(ctx, f, dy, dx, g),
          'weight-grad': () => convBsrWeightGradInto(ctx, f, dy, x, dw, g),
        };
        for (const pass of PASSES) kernels.push({ format: `bsr${b}`, pass, nominalDensity: density, nnz: csr.colIdx.length, run: run[pass] });
        addCsr(`csr-of-bsr${b}`, csr, density);
      }
    }
    log(`${c.channels} channels, ${c.size}x${c.size}, batch ${c.batch}, ${c.paddingMode}: ${kernels.length} kernels, ${c.reps} rounds`);
    const times = await measureRoundRobin(ctx, kernels, c.reps, log);
    return kernels.map((k, i) => {
      const { wall, cpu } = times[i]!;
      const r: ConvBsrRecord = {
        suite: 'conv-bsr',
        format: k.format,
        pass: k.pass,
        shape: { channels: c.channels, size: c.size, batch: c.batch, paddingMode: c.paddingMode, density: k.nnz / taps, nnz: k.nnz, nominalDensity: k.nominalDensity },
        backend,
        adapter: ctx.adapterName,
        medianMs: wall,
        cpuMs: cpu,
        // Stride 1, padding 1: size² output pixels, one multiply-add per stored tap, pixel and example.
        gflops: (2 * k.nnz * c.size * c.size * c.batch) / (wall * 1e6),
      };
      log(`${k.format} ${k.pass} d=${r.shape.density.toFixed(3)}: ${wall.toFixed(2)} ms${cpu === undefined ? '' : ` (CPU ${cpu.toFixed(1)} ms)`}, ${r.gflops.toFixed(2)} GFLOP/s`);
      return r;
    });
  } finally {
    for (const t of owned) t.destroy();
  }
}

// ---- reporting -------------------------------------------------------------------------------

const PASS_LABEL: Record<ConvBsrPass, string> = { forward: 'forward', 'backward-data': 'backward-data', 'weight-grad': 'weight gradient' };
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/**
 * Per backend, layer shape and pass: one row per density. BSR cells give the median ms, then how
 * many times faster than CSR on the same filter and than dense (above 1: BSR is faster), and the
 * element density when the block grid made it differ from the row's.
 */
export function convBsrMarkdown(records: ConvBsrRecord[]): string {
  const shapes = [...new Map(records.map((r) => [`${r.backend}/${r.shape.channels}/${r.shape.size}`, { backend: r.backend, ...r.shape }])).values()];
  const rows: string[][] = [];
  for (const s of shapes) {
    const here = records.filter((r) => r.backend === s.backend && r.shape.channels === s.channels && r.shape.size === s.size);
    for (const pass of PASSES) {
      const dense = here.find((r) => r.format === 'dense' && r.pass === pass);
      const densities = [...new Set(here.filter((r) => r.format === 'csr').map((r) => r.shape.nominalDensity))].sort((a, b) => b - a);
      for (const d of densities) {
        const at = (format: ConvBsrFormat) => here.find((r) => r.format === format && r.pass === pass && r.shape.nominalDensity === d);
        const csr = at('csr');
        const cells = CONV_BSR_BLOCK_SIZES.map((b) => {
          const bsr = at(`bsr${b}`);
          const same = at(`csr-of-bsr${b}`);
          if (!bsr || !same) return '—';
          const actual = Math.abs(bsr.shape.density - d) > 0.1 * d ? ` (d=${bsr.shape.density.toFixed(3)})` : '';
          return `${ms(bsr.medianMs)} · ${(same.medianMs / bsr.medianMs).toFixed(2)}× CSR · ${dense ? (dense.medianMs / bsr.medianMs).toFixed(2) : '—'}× dense${actual}`;
        });
        rows.push([s.backend, String(s.channels), `${s.size}x${s.size}`, PASS_LABEL[pass], String(d), dense ? ms(dense.medianMs) : '—', csr ? ms(csr.medianMs) : '—', ...cells]);
      }
    }
  }
  const header = ['backend', 'cIn = cOut', 'image', 'pass', 'density', 'dense ms', 'CSR ms (random mask)', ...CONV_BSR_BLOCK_SIZES.map((b) => `BSR-${b}: ms · vs CSR same filter · vs dense`)];
  const adapters = [...new Set(records.map((r) => `${r.backend}: ${r.adapter}`))];
  const s0 = records[0]?.shape;
  const about = s0 ? `3x3, stride 1, padding 1 (${s0.paddingMode}), batch ${s0.batch}. ` : '';
  return `${about}Median wall ms over interleaved rounds.\n\n${table(header, rows)}\n\nAdapters: ${adapters.join('; ')}\n`;
}
