/**
 * Convolution benchmark, run in Node (Dawn) and in the browser page alike: our CSR sparse conv
 * (forward convCsrForwardInto, backward-data convCsrBackwardDataInto, weight gradient
 * convSddmmInto at the stored taps) against our dense conv on the same shape
 * (denseConvForwardInto, denseConvBackwardDataInto, denseConvWeightGradInto), for conv layers of
 * the deep CNN (cIn = cOut, k x k, stride 1, "same" padding) over channels x image sides x
 * batches x padding modes x densities x filter inits (initConvFilter 'random' and 'eoi'). In the
 * browser, TF.js's WebGPU tf.conv2d and its two gradient kernels are timed on the same dense
 * shape in the same page (benchTfjsConv). The report side (convMarkdown, convSpeedupSvg) is pure
 * text; bench/run.ts writes the files.
 *
 * What is timed: one kernel call on operands already on the GPU in the activation layout, which
 * every conv kernel reads and writes (no conversion between layers, so none is timed); median wall
 * time after a warm-up run (pipelines compiled, the transposed pattern and SDDMM work items built);
 * GPU ms from timestamp queries. Bias and bias gradient (the same cost dense or sparse) are left out.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type { Context } from '../src/gpu/context.js';
import type { GpuTensor } from '../src/gpu/tensor.js';
import { convCsrBackwardDataInto, convCsrForwardInto, GpuConvFilter } from '../src/kernels/conv-csr.js';
import { denseConvBackwardDataInto, denseConvForwardInto, denseConvWeightGradInto } from '../src/kernels/conv-dense.js';
import { convSddmmInto } from '../src/kernels/sddmm-conv.js';
import { initConvFilter } from '../src/nn/conv-init.js';
import { lineChart, type Series } from '../src/plot/svg.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { type ConvGeometry, convGeometry, PADDING_MODES, type PaddingMode } from '../src/sparse/conv-geometry.js';
import { type Tfjs, timeTfjs } from './matmul.js';
import { type BenchRecord, type Measured, measure, randomValues } from './timing.js';

// ---- what is measured ------------------------------------------------------------------------

/** Filter inits (initConvFilter's names): a uniform-random mask, and EOI's delta-orthogonal mask. */
export const CONV_MASKS = ['random', 'eoi'] as const;
export type ConvMask = (typeof CONV_MASKS)[number];

export type ConvPass = 'forward' | 'backward-data' | 'weight-grad';
const PASSES: ConvPass[] = ['forward', 'backward-data', 'weight-grad'];

export interface ConvGrid {
  /** cIn = cOut */
  channels: number[];
  /** image sides (h = w) */
  sizes: number[];
  batches: number[];
  paddings: PaddingMode[];
  densities: number[];
  masks: ConvMask[];
  /** kernel side (odd: "same" padding) */
  kernel: number;
  reps: number;
  /** shapes whose dense pass exceeds this many MFLOP are left out (0: none are) */
  maxMflop: number;
}

/**
 * The deep CNN's layers: 32 and 64 channels, 14x14 (after one stride-2 stem layer on 28x28) and
 * 7x7 (its body after two), 3x3, both padding modes. SwiftShader manages about 0.5 GFLOP/s, so
 * shapes whose dense pass exceeds 120 MFLOP are left out by default (of batch 128, only 32
 * channels at 7x7 stays: the CNN body): about 5 minutes per backend. `maxMflop: 0` is the whole
 * grid (about an hour per backend there).
 */
export const DEFAULT_CONV_GRID: ConvGrid = {
  channels: [32, 64],
  sizes: [14, 7],
  batches: [32, 128],
  paddings: ['circular', 'zeros'],
  densities: [1, 0.5, 0.3, 0.2, 0.1, 0.05],
  masks: ['random', 'eoi'],
  kernel: 3,
  reps: 3,
  maxMflop: 120,
};

/** The grid with `given` fields replacing the defaults; refuses unknown masks or paddings and bad numbers. */
export function convGrid(given: Partial<Omit<ConvGrid, 'masks' | 'paddings'>> & { masks?: string[]; paddings?: string[] }): ConvGrid {
  const masks = given.masks ?? DEFAULT_CONV_GRID.masks;
  for (const m of masks) if (!(CONV_MASKS as readonly string[]).includes(m)) throw new RangeError(`--masks: '${m}' is not one of ${CONV_MASKS.join(', ')}`);
  const paddings = given.paddings ?? DEFAULT_CONV_GRID.paddings;
  for (const p of paddings) if (!(PADDING_MODES as readonly string[]).includes(p)) throw new RangeError(`--paddings: '${p}' is not one of ${PADDING_MODES.join(', ')}`);
  // An option given as undefined keeps its default.
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const grid: ConvGrid = { ...DEFAULT_CONV_GRID, ...defined, masks: masks as ConvMask[], paddings: paddings as PaddingMode[] };
  for (const [name, values] of [['channels', grid.channels], ['sizes', grid.sizes], ['batches', grid.batches], ['reps', [grid.reps]]] as const) {
    if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`--${name}: positive integers expected, got ${values.join(',')}`);
  }
  if (!grid.densities.every((d) => d > 0 && d <= 1)) throw new RangeError(`--densities: numbers in (0, 1] expected, got ${grid.densities.join(',')}`);
  if (!(Number.isInteger(grid.kernel) && grid.kernel % 2 === 1)) throw new RangeError(`kernel: an odd positive integer expected, got ${grid.kernel}`);
  if (!(grid.maxMflop >= 0)) throw new RangeError(`--max-mflop: a number >= 0 expected, got ${grid.maxMflop}`);
  return grid;
}

/** One conv layer shape at one batch: one call measures it (the dense baseline once, then every density and mask). */
export interface ConvCase {
  channels: number;
  size: number;
  batch: number;
  paddingMode: PaddingMode;
  kernel: number;
  densities: number[];
  masks: ConvMask[];
  reps: number;
}

/** MFLOP of one dense pass of a case: 2·cOut·cIn·k²·pixels·batch. */
export function denseConvMflop(c: Pick<ConvCase, 'channels' | 'size' | 'batch' | 'kernel'>): number {
  return (2 * c.channels * c.channels * c.kernel * c.kernel * c.size * c.size * c.batch) / 1e6;
}

/** The grid's cases, those over grid.maxMflop left out. */
export function convCases(grid: ConvGrid): ConvCase[] {
  const { densities, masks, kernel, reps } = grid;
  const all = grid.channels.flatMap((channels) =>
    grid.sizes.flatMap((size) =>
      grid.batches.flatMap((batch) => grid.paddings.map((paddingMode): ConvCase => ({ channels, size, batch, paddingMode, kernel, densities, masks, reps }))),
    ),
  );
  return grid.maxMflop === 0 ? all : all.filter((c) => denseConvMflop(c) <= grid.maxMflop);
}

/** The checked geometry of a case: stride 1, padding (k - 1) / 2, so the image keeps its size. */
function caseGeometry(c: ConvCase): ConvGeometry {
  const { channels, size, batch, kernel, paddingMode } = c;
  return convGeometry({ batch, cIn: channels, h: size, w: size, kh: kernel, kw: kernel, stride: 1, padding: (kernel - 1) / 2, paddingMode }, 'case');
}

export type ConvBenchShape = { channels: number; size: number; batch: number; paddingMode: PaddingMode; kernel: number; density: number; nnz: number; mask: ConvMask | 'none' };

export interface ConvRecord extends BenchRecord {
  format: 'csr' | 'dense';
  pass: ConvPass;
  shape: ConvBenchShape;
}

// ---- measuring -------------------------------------------------------------------------------

function toRecord(c: ConvCase, backend: string, adapter: string, impl: string, f: Pick<ConvRecord, 'format' | 'pass'> & Pick<ConvBenchShape, 'density' | 'nnz' | 'mask'>, t: Measured): ConvRecord {
  const { channels, size, batch, paddingMode, kernel } = c;
  return {
    suite: 'conv',
    kernel: `${f.format === 'csr' ? 'CSR' : 'dense'} ${PASS_LABEL[f.pass]}`,
    impl,
    format: f.format,
    pass: f.pass,
    shape: { channels, size, batch, paddingMode, kernel, density: f.density, nnz: f.nnz, mask: f.mask },
    backend,
    adapter,
    medianMs: t.medianMs,
    gpuMs: t.gpuMs,
    // Stride 1, same padding: size² output pixels; dense records have nnz = cOut·cIn·k².
    gflops: (2 * f.nnz * size * size * batch) / (t.medianMs * 1e6),
  };
}

/** The activations every kernel of a case shares, in the activation layout: x and dy random, y and dx written. */
interface ConvOperands {
  x: GpuTensor<'f32'>;
  dy: GpuTensor<'f32'>;
  y: GpuTensor<'f32'>;
  dx: GpuTensor<'f32'>;
  release(): void;
}

function convOperands(ctx: Context, g: ConvGeometry, cOut: number): ConvOperands {
  const inFeatures = g.cIn * g.h * g.w;
  const outFeatures = cOut * g.ho * g.wo;
  const activation = (features: number, seed: number, label: string) =>
    ctx.upload('f32', toActivationLayout(randomValues(g.batch * features, seed), g.batch, features), label);
  const x = activation(inFeatures, 3, 'bench.x');
  const dy = activation(outFeatures, 4, 'bench.dy');
  const y = activation(outFeatures, 5, 'bench.y');
  const dx = activation(inFeatures, 6, 'bench.dx');
  return { x, dy, y, dx, release: () => [x, dy, y, dx].forEach((t) => t.destroy()) };
}

function progressLine(r: ConvRecord, speedup?: number): string {
  const { channels, size, batch, paddingMode, density, mask } = r.shape;
  const gpu = r.gpuMs === undefined ? '' : ` (GPU ${r.gpuMs.toFixed(2)})`;
  const vs = speedup === undefined ? '' : `, ${speedup.toFixed(2)}× dense`;
  const where = r.format === 'dense' ? '' : ` d=${density} ${mask}`;
  return `${r.backend} ${r.impl} ${channels}ch ${size}x${size} b${batch} ${paddingMode}${where} ${r.kernel}: ${r.medianMs.toFixed(2)} ms${gpu}, ${r.gflops.toFixed(2)} GFLOP/s${vs}`;
}

/** Our dense conv's three passes on a case, one random OIHW filter. */
async function benchOurDenseConv(ctx: Context, backend: string, c: ConvCase, o: ConvOperands, log: (line: string) => void): Promise<ConvRecord[]> {
  const g = caseGeometry(c);
  const cOut = c.channels;
  const taps = cOut * g.cIn * g.kh * g.kw;
  const w = ctx.upload('f32', randomValues(taps, 1), 'bench.w');
  const dw = ctx.zeros('f32', taps, 'bench.dw');
  const encode: Record<ConvPass, () => Promise<void>> = {
    forward: () => denseConvForwardInto(ctx, w, o.x, o.y, g, cOut),
    'backward-data': () => denseConvBackwardDataInto(ctx, w, o.dy, o.dx, g, cOut),
    'weight-grad': () => denseConvWeightGradInto(ctx, o.dy, o.x, dw, g, cOut),
  };
  const records: ConvRecord[] = [];
  try {
    for (const pass of PASSES) {
      const t = await measure(ctx, encode[pass], c.reps);
      records.push(toRecord(c, backend, ctx.adapterName, 'orthosparse', { format: 'dense', pass, density: 1, nnz: taps, mask: 'none' }, t));
      log(progressLine(records.at(-1)!));
    }
  } finally {
    w.destroy();
    dw.destroy();
  }
  return records;
}

/**
 * One case on our kernels: the dense baseline, then for every density and filter init the three
 * CSR passes, each against the dense pass in the same run; then the dense baseline again, the
 * faster of the two kept (a burst of load on a shared machine cannot then inflate a speedup).
 */
export async function benchConvCase(ctx: Context, backend: string, c: ConvCase, log: (line: string) => void): Promise<ConvRecord[]> {
  const g = caseGeometry(c);
  const o = convOperands(ctx, g, c.channels);
  try {
    const denseBefore = await benchOurDenseConv(ctx, backend, c, o, log);
    const denseMs = (pass: ConvPass) => denseBefore.find((r) => r.pass === pass)!.medianMs;
    const records: ConvRecord[] = [];
    for (const [i, density] of c.densities.entries()) {
      for (const mask of c.masks) {
        const csr = initConvFilter({ cOut: c.channels, cIn: g.cIn, kh: g.kh, kw: g.kw, density, init: mask, gain: 1, seed: 1000 * c.channels + i });
        const filter = GpuConvFilter.upload(ctx, csr, g, 'bench.filter');
        const dw = ctx.zeros('f32', filter.csr.nnz, 'bench.dw');
        const encode: Record<ConvPass, () => Promise<void>> = {
          forward: () => convCsrForwardInto(ctx, filter, o.x, o.y, g),
          'backward-data': () => convCsrBackwardDataInto(ctx, filter, o.dy, o.dx, g),
          'weight-grad': () => convSddmmInto(ctx, filter.csr, o.dy, o.x, dw, g),
        };
        try {
          for (const pass of PASSES) {
            const t = await measure(ctx, encode[pass], c.reps);
            const r = toRecord(c, backend, ctx.adapterName, 'orthosparse', { format: 'csr', pass, density, nnz: filter.csr.nnz, mask }, t);
            records.push(r);
            log(progressLine(r, denseMs(pass) / r.medianMs));
          }
        } finally {
          filter.destroy();
          dw.destroy();
        }
      }
    }
    log('dense again, after the sparse kernels:');
    const denseAfter = await benchOurDenseConv(ctx, backend, c, o, log);
    const dense = denseBefore.map((r) => {
      const other = denseAfter.find((x) => x.pass === r.pass)!;
      return other.medianMs < r.medianMs ? other : r;
    });
    return [...dense, ...records];
  } finally {
    o.release();
  }
}

/** TF.js has zero padding only ('same' or explicit): it is timed on the zero-padded cases. */
export function tfjsTimesCase(c: ConvCase): boolean {
  return c.paddingMode === 'zeros';
}

/**
 * TF.js's WebGPU backend on the same dense shape (browser only), NHWC (its default data format;
 * the filter HWIO): tf.conv2d, and its gradient kernels Conv2DBackpropInput and
 * Conv2DBackpropFilter (what tf.grad of conv2d runs) called through tf.engine().runKernel, as
 * tfjs-core does not export them as ops.
 */
export async function benchTfjsConv(tf: typeof Tf, adapter: string, c: ConvCase, log: (line: string) => void): Promise<ConvRecord[]> {
  const { batch, size, channels, kernel } = c;
  const pad = (kernel - 1) / 2;
  const inputShape: [number, number, number, number] = [batch, size, size, channels];
  const filterShape: [number, number, number, number] = [kernel, kernel, channels, channels];
  const x = tf.tensor4d(randomValues(batch * size * size * channels, 3), inputShape);
  const dy = tf.tensor4d(randomValues(batch * size * size * channels, 4), inputShape);
  const filter = tf.tensor4d(randomValues(kernel * kernel * channels * channels, 1), filterShape);
  const attrs = { strides: 1, pad, dataFormat: 'NHWC' };
  const ops: Record<ConvPass, () => Tf.Tensor> = {
    forward: () => tf.conv2d(x, filter, 1, pad),
    'backward-data': () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape }) as Tf.Tensor,
    'weight-grad': () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as Tf.Tensor,
  };
  const records: ConvRecord[] = [];
  try {
    for (const pass of PASSES) {
      const { medianMs } = await timeTfjs(tf as unknown as Tfjs, ops[pass], c.reps);
      records.push(toRecord(c, 'chromium', adapter, 'tfjs-webgpu', { format: 'dense', pass, density: 1, nnz: kernel * kernel * channels * channels, mask: 'none' }, { medianMs }));
      log(progressLine(records.at(-1)!));
    }
  } finally {
    for (const t of [x, dy, filter]) t.dispose();
  }
  return records;
}

// ---- reporting -------------------------------------------------------------------------------

const PASS_LABEL: Record<ConvPass, string> = { forward: 'forward', 'backward-data': 'backward-data', 'weight-grad': 'weight gradient' };
const MASK_LABEL: Record<ConvMask, string> = { random: 'random', eoi: 'EOI' };
/** The density the summary tables and the goal are stated at. */
const HEADLINE_DENSITY = 0.1;
/** The goal: CSR beats our dense conv at this density or above. */
const GOAL_BREAK_EVEN = 0.3;

interface Cell {
  backend: string;
  channels: number;
  size: number;
  batch: number;
  paddingMode: PaddingMode;
}

const sameCell = (r: ConvRecord, c: Cell) =>
  r.backend === c.backend && r.shape.channels === c.channels && r.shape.size === c.size && r.shape.batch === c.batch && r.shape.paddingMode === c.paddingMode;

function cellsOf(records: ConvRecord[]): Cell[] {
  const keys = new Map<string, Cell>();
  for (const r of records) {
    const { channels, size, batch, paddingMode } = r.shape;
    const c = { backend: r.backend, channels, size, batch, paddingMode };
    keys.set(JSON.stringify(c), c);
  }
  return [...keys.values()];
}

const cellColumns = (c: Cell) => [c.backend, String(c.channels), `${c.size}x${c.size}`, String(c.batch), c.paddingMode];
const CELL_HEADER = ['backend', 'cIn = cOut', 'image', 'batch', 'padding'];

function dense(records: ConvRecord[], cell: Cell, pass: ConvPass, impl = 'orthosparse'): ConvRecord | undefined {
  return records.find((r) => sameCell(r, cell) && r.format === 'dense' && r.impl === impl && r.pass === pass);
}

/** Our dense time for the same pass and shape, same run, over this kernel's time. */
function speedup(records: ConvRecord[], r: ConvRecord): number | undefined {
  const { channels, size, batch, paddingMode } = r.shape;
  const d = dense(records, { backend: r.backend, channels, size, batch, paddingMode }, r.pass);
  return d && d.medianMs / r.medianMs;
}

function sparseOf(records: ConvRecord[], cell: Cell, mask: ConvMask, pass: ConvPass): ConvRecord[] {
  return records.filter((r) => sameCell(r, cell) && r.format === 'csr' && r.shape.mask === mask && r.pass === pass);
}

const masksIn = (records: ConvRecord[]) => CONV_MASKS.filter((m) => records.some((r) => r.shape.mask === m));
const ms = (x: number | undefined) => (x === undefined ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const times = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);

/** A markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

interface BreakEven {
  /** largest density measured at which CSR beats dense; undefined when it never does */
  density?: number;
  /** it wins even at the densest point measured */
  atDensest: boolean;
  sparsest: number;
}

/** Largest density at which the kernel beats dense (speedup > 1). */
function breakEven(points: ConvRecord[], records: ConvRecord[]): BreakEven | undefined {
  if (points.length === 0) return undefined;
  const sorted = [...points].sort((a, b) => b.shape.density - a.shape.density);
  const won = sorted.find((r) => (speedup(records, r) ?? 0) > 1);
  return { density: won?.shape.density, atDensest: won === sorted[0], sparsest: sorted.at(-1)!.shape.density };
}

function breakEvenText(b: BreakEven | undefined): string {
  if (!b) return '—';
  if (b.density === undefined) return `< ${b.sparsest}`;
  return b.atDensest ? `≥ ${b.density}` : String(b.density);
}

/** Sparse vs dense at the headline density, one row per cell and mask. */
function headlineSection(records: ConvRecord[]): string {
  const rows: string[][] = [];
  for (const cell of cellsOf(records)) {
    for (const mask of masksIn(records)) {
      const at = PASSES.map((pass) => sparseOf(records, cell, mask, pass).find((r) => r.shape.density === HEADLINE_DENSITY));
      if (at.every((r) => r === undefined)) continue;
      rows.push([...cellColumns(cell), MASK_LABEL[mask], ...at.map((r) => (r ? `${ms(r.medianMs)} ms · ${times(speedup(records, r))}` : '—'))]);
    }
  }
  if (rows.length === 0) return '';
  return [
    `### CSR sparse conv vs our dense conv at density ${HEADLINE_DENSITY} (median ms · speedup over dense, same run)`,
    '',
    markdownTable([...CELL_HEADER, 'filter', ...PASSES.map((p) => PASS_LABEL[p])], rows),
  ].join('\n');
}

function breakEvenSection(records: ConvRecord[]): string {
  const columns = masksIn(records).flatMap((mask) => PASSES.map((pass) => ({ mask, pass })));
  const cells = cellsOf(records);
  const rows = cells.map((cell) => [...cellColumns(cell), ...columns.map((col) => breakEvenText(breakEven(sparseOf(records, cell, col.mask, col.pass), records)))]);
  // The goal per (mask, pass): in how many cells CSR beats dense at GOAL_BREAK_EVEN or denser.
  const goal = columns.map((col) => {
    const met = cells.filter((cell) => (breakEven(sparseOf(records, cell, col.mask, col.pass), records)?.density ?? 0) >= GOAL_BREAK_EVEN).length;
    return `${met} of ${cells.length}`;
  });
  return [
    '### Break-even density (largest density at which CSR beats our dense conv on the same pass)',
    '',
    `"≥ d": faster even at the densest point measured; "< d": slower even at the sparsest. Last row: cells meeting the goal (break-even ≥ ${GOAL_BREAK_EVEN}).`,
    '',
    markdownTable(
      [...CELL_HEADER, ...columns.map((c) => `${MASK_LABEL[c.mask]} ${PASS_LABEL[c.pass]}`)],
      [...rows, [`**break-even ≥ ${GOAL_BREAK_EVEN}**`, '', '', '', '', ...goal]],
    ),
  ].join('\n');
}

function baselineSection(records: ConvRecord[]): string {
  const cellText = (r: ConvRecord | undefined) => (r ? `${ms(r.medianMs)} (${r.gflops.toFixed(2)})` : '—');
  const rows = cellsOf(records).map((cell) => [...cellColumns(cell), ...PASSES.map((p) => cellText(dense(records, cell, p)))]);
  return [
    '### Our dense conv (per shape: it does not depend on density)',
    '',
    'Timed before and after the sparse kernels of each shape; the faster median is kept and used for every speedup.',
    '',
    markdownTable([...CELL_HEADER, ...PASSES.map((p) => `${PASS_LABEL[p]} ms (GFLOP/s)`)], rows),
  ].join('\n');
}

/** TF.js on the shapes it was timed on, per pass: its time over ours, dense and CSR at the headline density. */
function tfjsSection(records: ConvRecord[]): string {
  const cells = cellsOf(records).filter((cell) => PASSES.some((p) => dense(records, cell, p, 'tfjs-webgpu')));
  if (cells.length === 0) return '';
  const masks = masksIn(records);
  const rows: string[][] = [];
  for (const cell of cells) {
    for (const pass of PASSES) {
      const tfjs = dense(records, cell, pass, 'tfjs-webgpu');
      const vs = (mine: ConvRecord | undefined) => (mine && tfjs ? times(tfjs.medianMs / mine.medianMs) : '—');
      const ours = dense(records, cell, pass);
      const csr = masks.map((mask) => sparseOf(records, cell, mask, pass).find((r) => r.shape.density === HEADLINE_DENSITY));
      rows.push([...cellColumns(cell), PASS_LABEL[pass], tfjs ? `${ms(tfjs.medianMs)} (${tfjs.gflops.toFixed(2)})` : '—', ms(ours?.medianMs), vs(ours), ...csr.map(vs)]);
    }
  }
  return [
    '### TF.js (WebGPU backend) on the same shapes, same page',
    '',
    'NHWC (TF.js\'s default data format), filter HWIO: tf.conv2d, and the kernels its gradient runs, Conv2DBackpropInput (backward-data) and Conv2DBackpropFilter (weight gradient), timed after ours in the same page. TF.js has no circular padding, so it is timed on the zero-padded shapes only. "ours ×": TF.js time over ours (above 1: ours is faster).',
    '',
    markdownTable(
      [...CELL_HEADER, 'pass', 'TF.js ms (GFLOP/s)', 'ours dense ms', 'ours dense ×', ...masks.map((m) => `ours CSR ${MASK_LABEL[m]} d=${HEADLINE_DENSITY} ×`)],
      rows,
    ),
  ].join('\n');
}

/** Every measurement: one row per (cell, density, mask), a "ms · GFLOP/s · × dense" entry per pass. */
function gridSection(records: ConvRecord[]): string {
  const sparse = records.filter((r) => r.format === 'csr');
  const rows: string[][] = [];
  for (const cell of cellsOf(sparse)) {
    const densities = [...new Set(sparse.filter((r) => sameCell(r, cell)).map((r) => r.shape.density))];
    for (const density of densities) {
      for (const mask of masksIn(sparse)) {
        const entries = PASSES.map((pass) => {
          const r = sparseOf(sparse, cell, mask, pass).find((x) => x.shape.density === density);
          return r ? `${ms(r.medianMs)} · ${r.gflops.toFixed(2)} · ${times(speedup(records, r))}` : '—';
        });
        rows.push([...cellColumns(cell), String(density), MASK_LABEL[mask], ...entries]);
      }
    }
  }
  return [
    '### All measurements: median ms · effective GFLOP/s (2·nnz·pixels·batch/t) · speedup vs our dense on the same pass',
    '',
    `<details><summary>${rows.length} rows</summary>`,
    '',
    markdownTable([...CELL_HEADER, 'density', 'filter', ...PASSES.map((p) => PASS_LABEL[p])], rows),
    '',
    '</details>',
  ].join('\n');
}

export function convMarkdown(records: ConvRecord[]): string {
  const timestamps = records.some((r) => r.gpuMs !== undefined)
    ? 'GPU ms (timestamp queries, median of as many runs again) are in bench/results/conv.json for every kernel.'
    : 'The adapter has no timestamp queries: wall times only.';
  const adapters = [...new Map(records.map((r) => [r.backend, r.adapter]))].map(([backend, adapter]) => `Adapter (${backend}): ${adapter}`);
  return (
    [
      headlineSection(records),
      breakEvenSection(records),
      baselineSection(records),
      tfjsSection(records),
      gridSection(records),
      `Median wall time of the timed runs after one warm-up run; effective GFLOP/s = 2·nnz·pixels·batch/t (dense: nnz = cOut·cIn·k²). ${timestamps}  \n${adapters.join('  \n')}`,
    ]
      .filter(Boolean)
      .join('\n\n') + '\n'
  );
}

// ---- plot ------------------------------------------------------------------------------------

const PANEL = { width: 720, height: 420 };
const SHORT_PASS: Record<ConvPass, string> = { forward: 'fwd', 'backward-data': 'bwd-data', 'weight-grad': 'wgrad' };

function speedupChart(records: ConvRecord[], cell: Cell): string {
  const series: Series[] = masksIn(records).flatMap((mask) =>
    PASSES.map((pass) => ({
      name: `${MASK_LABEL[mask]} ${SHORT_PASS[pass]}`,
      points: sparseOf(records, cell, mask, pass).map((r) => [r.shape.density, speedup(records, r) ?? NaN] as const),
    })),
  );
  const densities = records.filter((r) => sameCell(r, cell) && r.format === 'csr').map((r) => r.shape.density);
  // Break-even is where a line crosses this one.
  series.push({ name: 'dense (1×)', points: [[Math.min(...densities), 1], [Math.max(...densities), 1]] });
  return lineChart(series, {
    title: `${cell.backend}: ${cell.channels}ch ${cell.size}x${cell.size}, batch ${cell.batch}, ${cell.paddingMode}`,
    xLabel: 'density (log scale)',
    yLabel: 'CSR speedup vs our dense conv (log)',
    logX: true,
    logY: true,
    ...PANEL,
  });
}

/**
 * The plot: CSR speedup over our dense conv vs density, one panel per shape measured with the
 * deep CNN's circular padding (zeros if only that was measured), one row of panels per backend.
 */
export function convSpeedupSvg(records: ConvRecord[]): string {
  const sparse = records.filter((r) => r.format === 'csr');
  const padding: PaddingMode = sparse.some((r) => r.shape.paddingMode === 'circular') ? 'circular' : 'zeros';
  const cells = cellsOf(sparse)
    .filter((c) => c.paddingMode === padding)
    .sort((a, b) => a.backend.localeCompare(b.backend) || a.channels - b.channels || b.size - a.size || a.batch - b.batch);
  const backends = [...new Set(cells.map((c) => c.backend))];
  const columns = Math.max(1, ...backends.map((b) => cells.filter((c) => c.backend === b).length));
  const panels = cells.map((cell) => {
    const row = backends.indexOf(cell.backend);
    const col = cells.filter((c) => c.backend === cell.backend).indexOf(cell);
    return `<g transform="translate(${col * PANEL.width} ${row * PANEL.height})">${speedupChart(records, cell)}</g>`;
  });
  const width = columns * PANEL.width;
  const height = Math.max(1, backends.length) * PANEL.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${panels.join('\n')}\n</svg>\n`;
}
