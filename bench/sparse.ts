/**
 * Sparse kernel benchmark, run in Node (Dawn) and in the browser page alike:
 * CSR and BSR-16 forward, backward-data and SDDMM against our dense matmul for the same product,
 * over sizes (in = out) x batches x densities x masks, plus a fixed headline case (size 1024,
 * batch 256, density 0.1). In the browser, TF.js tf.matMul is timed on the same dense products in
 * the same page (benchTfjsDense). The report side (sparseMarkdown, sparseSpeedupSvg) is pure text;
 * bench/run.ts writes the files.
 *
 * What is timed: one kernel call on operands already on the GPU, sparse operands feature-major as
 * the kernels read them. The X -> feature-major transpose a training step pays once per layer
 * input (it serves forward and SDDMM) is timed apart and shown next to the dense baseline.
 */
import { eoi } from '../src/eoi/eoi.js';
import type { Context } from '../src/gpu/context.js';
import type { GpuTensor } from '../src/gpu/tensor.js';
import { featureMajorStride, toFeatureMajorInto } from '../src/kernels/feature-major.js';
import { type MatmulDims, matmulInto } from '../src/kernels/matmul.js';
import { bsrSddmmInto } from '../src/kernels/sddmm-bsr.js';
import { csrSddmmInto } from '../src/kernels/sddmm-csr.js';
import { bsrBackwardDataInto, bsrForwardInto } from '../src/kernels/spmm-bsr.js';
import { csrBackwardDataInto, csrForwardInto } from '../src/kernels/spmm-csr.js';
import { lineChart, type Series } from '../src/plot/svg.js';
import { randomBsr } from '../src/sparse/bsr.js';
import { type CsrMatrix, randomCsr } from '../src/sparse/csr.js';
import { GpuBsr } from '../src/sparse/gpu-bsr.js';
import { GpuCsr } from '../src/sparse/gpu-csr.js';
import { type Tfjs, timeTfjs } from './matmul.js';
import { type BenchRecord, type Measured, measure, randomValues } from './timing.js';

// ---- what is measured ------------------------------------------------------------------------

/** Element masks for CSR. BSR-16 always gets a block-random mask at the same density. */
export const CSR_MASKS = ['random', 'eoi'] as const;
export type CsrMask = (typeof CSR_MASKS)[number];
export type Mask = CsrMask | 'block-random' | 'none';

export type Format = 'csr' | 'bsr16' | 'dense' | 'feature-major';
export type Pass = 'forward' | 'backward-data' | 'sddmm';
const PASSES: Pass[] = ['forward', 'backward-data', 'sddmm'];

export interface SparseGrid {
  sizes: number[];
  batches: number[];
  densities: number[];
  masks: CsrMask[];
  reps: number;
}

/** The full grid. On SwiftShader (~1 GFLOP/s) it takes about an hour; the default is a subset. */
export const FULL_SPARSE_GRID: SparseGrid = {
  sizes: [512, 1024, 2048],
  batches: [32, 256],
  densities: [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01],
  masks: ['random', 'eoi'],
  reps: 5,
};

/** About ten minutes for Node and Chromium together on SwiftShader: 2048 left out, 3 timed runs. */
export const DEFAULT_SPARSE_GRID: SparseGrid = { ...FULL_SPARSE_GRID, sizes: [512, 1024], reps: 3 };

/** The point the goals are stated at. */
const HEADLINE = { size: 1024, batch: 256, density: 0.1, minReps: 5 };
const BSR_BLOCK = 16;

/** The grid with `given` fields replacing the defaults; refuses unknown masks and bad numbers. */
export function sparseGrid(given: Partial<Omit<SparseGrid, 'masks'>> & { masks?: string[] }): SparseGrid {
  const masks = given.masks ?? DEFAULT_SPARSE_GRID.masks;
  for (const m of masks) {
    if (!(CSR_MASKS as readonly string[]).includes(m)) throw new RangeError(`--masks: '${m}' is not one of ${CSR_MASKS.join(', ')}`);
  }
  // An option given as undefined keeps its default.
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const grid: SparseGrid = { ...DEFAULT_SPARSE_GRID, ...defined, masks: masks as CsrMask[] };
  for (const [name, values] of [['sizes', grid.sizes], ['batches', grid.batches], ['reps', [grid.reps]]] as const) {
    if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`--${name}: positive integers expected, got ${values.join(',')}`);
  }
  if (!grid.densities.every((d) => d > 0 && d <= 1)) throw new RangeError(`--densities: numbers in (0, 1] expected, got ${grid.densities.join(',')}`);
  return grid;
}

/**
 * One (size, batch) cell: what one call measures. The dense baseline does not depend on density,
 * so it is measured once per cell; a browser page runs one cell, keeping each page call short.
 */
export interface SparseCase {
  group: 'headline' | 'grid';
  size: number;
  batch: number;
  densities: number[];
  masks: CsrMask[];
  reps: number;
}

/** The headline case first, then the grid's cells. */
export function sparseCases(grid: SparseGrid): SparseCase[] {
  const { size, batch, density, minReps } = HEADLINE;
  const headline: SparseCase = { group: 'headline', size, batch, densities: [density], masks: ['random'], reps: Math.max(grid.reps, minReps) };
  const cells = grid.sizes.flatMap((s) =>
    grid.batches.map((b): SparseCase => ({ group: 'grid', size: s, batch: b, densities: grid.densities, masks: grid.masks, reps: grid.reps })),
  );
  return [headline, ...cells];
}

export type SparseShape = { size: number; batch: number; density: number; nnz: number; mask: Mask };

export interface SparseRecord extends BenchRecord {
  group: SparseCase['group'];
  format: Format;
  pass: Pass;
  shape: SparseShape;
}

// ---- measuring -------------------------------------------------------------------------------


/** The three dense products a layer's step computes, as our matmul and tf.matMul take them. */
function denseProducts(size: number, batch: number): { pass: Pass; dims: MatmulDims }[] {
  return [
    { pass: 'forward', dims: { m: batch, k: size, n: size, transposeB: true } }, // Y = X·Wᵀ
    { pass: 'backward-data', dims: { m: batch, k: size, n: size } }, // dX = dY·W
    { pass: 'sddmm', dims: { m: size, k: batch, n: size, transposeA: true } }, // dW = dYᵀ·X
  ];
}

interface RecordFields {
  format: Format;
  pass: Pass;
  mask: Mask;
  density: number;
  nnz: number;
}

function toRecord(c: SparseCase, backend: string, adapter: string, impl: string, f: RecordFields, t: Measured): SparseRecord {
  const { format, pass, mask, density, nnz } = f;
  return {
    suite: 'sparse',
    kernel: kernelLabel(format, pass),
    impl,
    group: c.group,
    format,
    pass,
    shape: { size: c.size, batch: c.batch, density, nnz, mask },
    backend,
    adapter,
    medianMs: t.medianMs,
    gpuMs: t.gpuMs,
    // Dense records have nnz = size²: 2·nnz·batch is then 2·m·k·n.
    gflops: (2 * nnz * c.batch) / (t.medianMs * 1e6),
  };
}

/** The dense operands every sparse kernel of a cell shares, feature-major as the kernels read them. */
interface SparseOperands {
  batch: number;
  xT: GpuTensor<'f32'>;
  dyT: GpuTensor<'f32'>;
  y: GpuTensor<'f32'>;
  dx: GpuTensor<'f32'>;
}

// The CSR SDDMM writes the bias gradient in the same pass (db), so its timings include it.
type SparseWeight = { format: 'csr'; w: GpuCsr; dw: GpuTensor<'f32'>; db: GpuTensor<'f32'> } | { format: 'bsr16'; w: GpuBsr; dw: GpuTensor<'f32'> };

/** One kernel call of `pass` on weight `sw`, encoded (not awaited on the GPU). */
function encodeSparse(ctx: Context, sw: SparseWeight, pass: Pass, o: SparseOperands): Promise<void> {
  if (sw.format === 'csr') {
    if (pass === 'forward') return csrForwardInto(ctx, sw.w, o.xT, o.y, o.batch);
    if (pass === 'backward-data') return csrBackwardDataInto(ctx, sw.w, o.dyT, o.dx, o.batch);
    return csrSddmmInto(ctx, sw.w, o.dyT, o.xT, { dw: sw.dw, db: sw.db }, o.batch);
  }
  if (pass === 'forward') return bsrForwardInto(ctx, sw.w, o.xT, o.y, o.batch);
  if (pass === 'backward-data') return bsrBackwardDataInto(ctx, sw.w, o.dyT, o.dx, o.batch);
  return bsrSddmmInto(ctx, sw.w, o.dyT, o.xT, sw.dw, o.batch);
}

/** A CSR weight (out = in = size) with the given element mask; EOI is an exact orthogonal sparse init. */
function csrWeight(mask: CsrMask, size: number, density: number, seed: number): CsrMatrix {
  return mask === 'eoi' ? eoi(size, size, { density, seed }) : randomCsr(size, size, density, seed);
}

function uploadCsr(ctx: Context, m: CsrMatrix): SparseWeight {
  const w = GpuCsr.upload(ctx, m, 'bench.w');
  return { format: 'csr', w, dw: ctx.zeros('f32', w.nnz, 'bench.dw'), db: ctx.zeros('f32', w.rows, 'bench.db') };
}

function uploadBlockRandom(ctx: Context, size: number, density: number, seed: number): SparseWeight {
  const w = GpuBsr.upload(ctx, randomBsr(size, size, density, BSR_BLOCK, seed), 'bench.w');
  return { format: 'bsr16', w, dw: ctx.zeros('f32', w.values.length, 'bench.dw') };
}

function destroyWeight(sw: SparseWeight): void {
  sw.w.destroy();
  sw.dw.destroy();
  if (sw.format === 'csr') sw.db.destroy();
}

/** Stored elements: CSR entries, or BSR-16's whole blocks (block-random fills every element). */
function storedElements(sw: SparseWeight): number {
  return sw.format === 'csr' ? sw.w.nnz : sw.w.values.length;
}

function progressLine(r: SparseRecord, speedup?: number): string {
  const { size, batch, density, mask } = r.shape;
  const gpu = r.gpuMs === undefined ? '' : ` (GPU ${r.gpuMs.toFixed(2)})`;
  const vs = speedup === undefined ? '' : `, ${speedup.toFixed(2)}× dense`;
  const where = r.format === 'dense' || r.format === 'feature-major' ? '' : ` d=${density} ${mask}`;
  return `${r.backend} ${r.impl} ${size}² b${batch}${where} ${r.kernel}: ${r.medianMs.toFixed(2)} ms${gpu}, ${r.gflops.toFixed(2)} GFLOP/s${vs}`;
}

/** Our dense matmul on the three products of a cell, fresh random operands each. */
async function benchOurDense(ctx: Context, backend: string, c: SparseCase, log: (line: string) => void): Promise<SparseRecord[]> {
  const records: SparseRecord[] = [];
  for (const { pass, dims } of denseProducts(c.size, c.batch)) {
    const a = ctx.upload('f32', randomValues(dims.m * dims.k, 1), 'bench.a');
    const b = ctx.upload('f32', randomValues(dims.k * dims.n, 2), 'bench.b');
    const out = ctx.zeros('f32', dims.m * dims.n, 'bench.c');
    const t = await measure(ctx, () => matmulInto(ctx, a, b, out, dims), c.reps);
    for (const x of [a, b, out]) x.destroy();
    const fields: RecordFields = { format: 'dense', pass, mask: 'none', density: 1, nnz: c.size * c.size };
    records.push(toRecord(c, backend, ctx.adapterName, 'orthosparse', fields, t));
    log(progressLine(records.at(-1)!));
  }
  return records;
}

/** Batch-major random x and dy, converted to the feature-major operands; the conversion of x is timed. */
async function prepareOperands(ctx: Context, backend: string, c: SparseCase, log: (line: string) => void) {
  const stride = featureMajorStride(c.batch);
  const x = ctx.upload('f32', randomValues(c.batch * c.size, 3), 'bench.x');
  const dy = ctx.upload('f32', randomValues(c.batch * c.size, 4), 'bench.dy');
  const operands: SparseOperands = {
    batch: c.batch,
    xT: ctx.zeros('f32', c.size * stride, 'bench.xT'),
    dyT: ctx.zeros('f32', c.size * stride, 'bench.dyT'),
    y: ctx.zeros('f32', c.size * stride, 'bench.y'),
    dx: ctx.zeros('f32', c.size * stride, 'bench.dx'),
  };
  await toFeatureMajorInto(ctx, dy, operands.dyT, c.batch, c.size);
  const t = await measure(ctx, () => toFeatureMajorInto(ctx, x, operands.xT, c.batch, c.size), c.reps);
  x.destroy();
  dy.destroy();
  // 2·nnz·batch flops would mean nothing for a copy; nnz = 0 keeps GFLOP/s at 0.
  const transpose = toRecord(c, backend, ctx.adapterName, 'orthosparse', { format: 'feature-major', pass: 'forward', mask: 'none', density: 1, nnz: 0 }, t);
  log(progressLine(transpose));
  const release = () => [operands.xT, operands.dyT, operands.y, operands.dx].forEach((t) => t.destroy());
  return { operands, transpose, release };
}

/**
 * One cell on our kernels: the dense baseline (three products) and the X transpose once, then
 * for every density the CSR kernels on each element mask and the BSR-16 kernels on a block-random
 * mask, each against the dense product of the same pass; then the dense baseline again.
 */
export async function benchSparseCase(ctx: Context, backend: string, c: SparseCase, log: (line: string) => void): Promise<SparseRecord[]> {
  const denseBefore = await benchOurDense(ctx, backend, c, log);
  const { operands, transpose, release } = await prepareOperands(ctx, backend, c, log);
  const records: SparseRecord[] = [transpose];
  const denseMs = (pass: Pass) => denseBefore.find((r) => r.pass === pass)!.medianMs;
  try {
    for (const [i, density] of c.densities.entries()) {
      const seed = 1000 * c.size + i;
      const weights: [Mask, () => SparseWeight][] = [
        ...c.masks.map((mask): [Mask, () => SparseWeight] => [mask, () => uploadCsr(ctx, csrWeight(mask, c.size, density, seed))]),
        ['block-random', () => uploadBlockRandom(ctx, c.size, density, seed)],
      ];
      for (const [mask, make] of weights) {
        const sw = make();
        try {
          for (const pass of PASSES) {
            const t = await measure(ctx, () => encodeSparse(ctx, sw, pass, operands), c.reps);
            const r = toRecord(c, backend, ctx.adapterName, 'orthosparse', { format: sw.format, pass, mask, density, nnz: storedElements(sw) }, t);
            records.push(r);
            log(progressLine(r, denseMs(pass) / r.medianMs));
          }
        } finally {
          destroyWeight(sw);
        }
      }
    }
  } finally {
    release();
  }
  log('dense again, after the sparse kernels:');
  const denseAfter = await benchOurDense(ctx, backend, c, log);
  return [...fasterPerPass(denseBefore, denseAfter), ...records];
}

/**
 * The dense baseline is measured at the start and at the end of a cell and the faster kept: a
 * burst of load from other work on a shared machine then cannot inflate the speedups.
 */
function fasterPerPass(a: SparseRecord[], b: SparseRecord[]): SparseRecord[] {
  return a.map((r) => {
    const other = b.find((x) => x.pass === r.pass)!;
    return other.medianMs < r.medianMs ? other : r;
  });
}

/** tf.matMul with its transpose flags (Tfjs in matmul.ts leaves them out). */
export interface TfjsWithTranspose extends Tfjs {
  matMul(a: unknown, b: unknown, transposeA?: boolean, transposeB?: boolean): { dispose(): void };
}

/** TF.js's WebGPU tf.matMul on the same three dense products (browser only). */
export async function benchTfjsDense(tf: TfjsWithTranspose, adapter: string, c: SparseCase, log: (line: string) => void): Promise<SparseRecord[]> {
  const records: SparseRecord[] = [];
  for (const { pass, dims } of denseProducts(c.size, c.batch)) {
    const { m, k, n, transposeA = false, transposeB = false } = dims;
    const a = tf.tensor2d(randomValues(m * k, 1), transposeA ? [k, m] : [m, k]);
    const b = tf.tensor2d(randomValues(k * n, 2), transposeB ? [n, k] : [k, n]);
    const { medianMs } = await timeTfjs(tf, () => tf.matMul(a, b, transposeA, transposeB), c.reps);
    a.dispose();
    b.dispose();
    const fields: RecordFields = { format: 'dense', pass, mask: 'none', density: 1, nnz: c.size * c.size };
    records.push(toRecord(c, 'chromium', adapter, 'tfjs-webgpu', fields, { medianMs }));
    log(progressLine(records.at(-1)!));
  }
  return records;
}

// ---- reporting -------------------------------------------------------------------------------

const FORMAT_LABEL: Record<Format, string> = { csr: 'CSR', bsr16: 'BSR-16', dense: 'dense', 'feature-major': 'X to feature-major' };
const PASS_LABEL: Record<Pass, string> = { forward: 'forward', 'backward-data': 'backward-data', sddmm: 'SDDMM' };
const DENSE_PRODUCT: Record<Pass, string> = { forward: 'X·Wᵀ', 'backward-data': 'dY·W', sddmm: 'dYᵀ·X' };

function kernelLabel(format: Format, pass: Pass): string {
  if (format === 'feature-major') return FORMAT_LABEL[format];
  if (format === 'dense') return `dense ${DENSE_PRODUCT[pass]}`;
  return `${FORMAT_LABEL[format]} ${PASS_LABEL[pass]}`;
}

/** The measured cells, so every table walks them in the same order. */
interface Cell {
  group: SparseCase['group'];
  backend: string;
  size: number;
  batch: number;
}

const sameCell = (r: SparseRecord, c: Cell) => r.group === c.group && r.backend === c.backend && r.shape.size === c.size && r.shape.batch === c.batch;

function cellsOf(records: SparseRecord[], group: Cell['group']): Cell[] {
  const keys = new Map<string, Cell>();
  for (const r of records.filter((x) => x.group === group)) {
    const c = { group, backend: r.backend, size: r.shape.size, batch: r.shape.batch };
    keys.set(JSON.stringify(c), c);
  }
  return [...keys.values()];
}

function ourDense(records: SparseRecord[], cell: Cell, pass: Pass): SparseRecord | undefined {
  return records.find((r) => sameCell(r, cell) && r.format === 'dense' && r.impl === 'orthosparse' && r.pass === pass);
}

/** Our dense time for the same product, same run, over this kernel's time. */
function speedup(records: SparseRecord[], r: SparseRecord): number | undefined {
  const dense = ourDense(records, { group: r.group, backend: r.backend, size: r.shape.size, batch: r.shape.batch }, r.pass);
  return dense && dense.medianMs / r.medianMs;
}

/** The (format, mask) lines of sparse kernels, in a fixed order, that the records hold. */
function sparseVariants(records: SparseRecord[]): { format: Format; mask: Mask }[] {
  const all: { format: Format; mask: Mask }[] = [...CSR_MASKS.map((mask) => ({ format: 'csr' as const, mask })), { format: 'bsr16', mask: 'block-random' }];
  return all.filter((v) => records.some((r) => r.format === v.format && r.shape.mask === v.mask));
}

const variantLabel = (v: { format: Format; mask: Mask }) => `${FORMAT_LABEL[v.format]} ${v.mask === 'eoi' ? 'EOI' : v.mask}`;
const ms = (x: number | undefined) => (x === undefined ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const times = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The goals at the headline point: speedups over dense, and backward within 1.5× of forward. */
function headlineSection(records: SparseRecord[]): string {
  const rows: string[][] = [];
  for (const cell of cellsOf(records, 'headline')) {
    const inCell = records.filter((r) => sameCell(r, cell));
    const forwardOf = (format: Format) => inCell.find((r) => r.format === format && r.pass === 'forward');
    for (const r of inCell) {
      const isSparse = r.format === 'csr' || r.format === 'bsr16';
      const vsForward = isSparse && r.pass !== 'forward' ? r.medianMs / forwardOf(r.format)!.medianMs : undefined;
      rows.push([
        r.backend,
        r.impl === 'tfjs-webgpu' ? `TF.js ${r.kernel}` : r.kernel,
        ms(r.medianMs),
        ms(r.gpuMs),
        r.format === 'feature-major' ? '—' : r.gflops.toFixed(2),
        isSparse ? times(speedup(records, r)) : r.impl === 'tfjs-webgpu' ? `ours ${times(r.medianMs / ourDense(records, cell, r.pass)!.medianMs)}` : '',
        vsForward === undefined ? '' : `${vsForward.toFixed(2)}× fwd`,
        headlineGoal(r, speedup(records, r), vsForward),
      ]);
    }
  }
  const { size, batch, density } = HEADLINE;
  return [
    `### Headline: size ${size} (in = out), batch ${batch}, density ${density}`,
    '',
    'CSR on a random-uniform mask, BSR-16 on a block-random mask at the same density; "vs dense" is our dense matmul on the same product (forward X·Wᵀ, backward-data dY·W, SDDMM dYᵀ·X) in the same run. For TF.js rows the column says how much faster ours is than tf.matMul on that product.',
    '',
    table(['backend', 'kernel', 'median ms', 'GPU ms', 'GFLOP/s', 'vs dense', 'vs forward', 'goal'], rows),
  ].join('\n');
}

function headlineGoal(r: SparseRecord, vsDense: number | undefined, vsForward: number | undefined): string {
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  if (r.pass === 'forward' && r.format === 'csr') return `≥ 4× dense: ${verdict((vsDense ?? 0) >= 4)}`;
  if (r.pass === 'forward' && r.format === 'bsr16') return `≥ 6× dense: ${verdict((vsDense ?? 0) >= 6)}`;
  if (vsForward !== undefined) return `≤ 1.5× fwd: ${verdict(vsForward <= 1.5)}`;
  return '';
}

/** Largest density at which the kernel beats dense; "≥" when it wins even at the densest point, "<" when it never does. */
function breakEven(points: { density: number; speedup: number }[]): string {
  if (points.length === 0) return '—';
  const sorted = [...points].sort((a, b) => b.density - a.density);
  const won = sorted.find((p) => p.speedup > 1);
  if (!won) return `< ${sorted.at(-1)!.density}`;
  return won === sorted[0] ? `≥ ${won.density}` : `${won.density}`;
}

function breakEvenSection(records: SparseRecord[]): string {
  const grid = records.filter((r) => r.group === 'grid');
  const columns = sparseVariants(grid).flatMap((v) => PASSES.map((pass) => ({ ...v, pass })));
  const rows = cellsOf(grid, 'grid').map((cell) => [
    cell.backend,
    String(cell.size),
    String(cell.batch),
    ...columns.map((col) => {
      const mine = grid.filter((r) => sameCell(r, cell) && r.format === col.format && r.shape.mask === col.mask && r.pass === col.pass);
      return breakEven(mine.map((r) => ({ density: r.shape.density, speedup: speedup(records, r) ?? 0 })));
    }),
  ]);
  return [
    '### Break-even density (largest density at which the kernel beats our dense matmul on the same product)',
    '',
    '"≥ d": faster even at the densest point measured; "< d": slower even at the sparsest.',
    '',
    table(['backend', 'size', 'batch', ...columns.map((c) => `${variantLabel(c)} ${PASS_LABEL[c.pass]}`)], rows),
  ].join('\n');
}

function baselineSection(records: SparseRecord[]): string {
  const cells = cellsOf(records, 'grid');
  const hasTfjs = records.some((r) => r.impl === 'tfjs-webgpu');
  const cellText = (r: SparseRecord | undefined) => (r ? `${ms(r.medianMs)} (${r.gflops.toFixed(2)})` : '—');
  const rows = cells.map((cell) => {
    const inCell = records.filter((r) => sameCell(r, cell));
    const find = (impl: string, pass: Pass) => inCell.find((r) => r.format === 'dense' && r.impl === impl && r.pass === pass);
    return [
      cell.backend,
      String(cell.size),
      String(cell.batch),
      ...PASSES.map((p) => cellText(find('orthosparse', p))),
      ...(hasTfjs ? PASSES.map((p) => cellText(find('tfjs-webgpu', p))) : []),
      ms(inCell.find((r) => r.format === 'feature-major')?.medianMs),
    ];
  });
  const header = [
    'backend',
    'size',
    'batch',
    ...PASSES.map((p) => `ours ${DENSE_PRODUCT[p]} ms (GFLOP/s)`),
    ...(hasTfjs ? PASSES.map((p) => `TF.js ${DENSE_PRODUCT[p]} ms (GFLOP/s)`) : []),
    'X to feature-major ms',
  ];
  return [
    '### Dense baseline (per size and batch: it does not depend on density)',
    '',
    'Our dense kernel is timed before and after the sparse kernels of each size and batch, and the faster of the two medians is kept (and used for every speedup), so a burst of load on the shared machine cannot inflate a speedup. The last column is the transpose the sparse kernels need of X (and of dY), paid once per layer input per step and not included in the sparse times.',
    '',
    table(header, rows),
  ].join('\n');
}

/** Every grid measurement: one row per (cell, density, mask), a "ms · GFLOP/s · × dense" cell per pass. */
function gridSection(records: SparseRecord[]): string {
  const grid = records.filter((r) => r.group === 'grid' && (r.format === 'csr' || r.format === 'bsr16'));
  const variants = sparseVariants(grid);
  const rows: string[][] = [];
  for (const cell of cellsOf(grid, 'grid')) {
    const densities = [...new Set(grid.filter((r) => sameCell(r, cell)).map((r) => r.shape.density))];
    for (const density of densities) {
      for (const v of variants) {
        const cellsByPass = PASSES.map((pass) => {
          const r = grid.find((x) => sameCell(x, cell) && x.shape.density === density && x.format === v.format && x.shape.mask === v.mask && x.pass === pass);
          return r ? `${ms(r.medianMs)} · ${r.gflops.toFixed(2)} · ${times(speedup(records, r))}` : '—';
        });
        rows.push([cell.backend, String(cell.size), String(cell.batch), String(density), variantLabel(v), ...cellsByPass]);
      }
    }
  }
  return [
    '### All measurements: median ms · effective GFLOP/s (2·nnz·batch/t) · speedup vs our dense on the same product',
    '',
    table(['backend', 'size', 'batch', 'density', 'kernel, mask', ...PASSES.map((p) => PASS_LABEL[p])], rows),
  ].join('\n');
}

function adapterLines(records: SparseRecord[]): string {
  const byBackend = new Map(records.map((r) => [r.backend, r.adapter]));
  return [...byBackend].map(([backend, adapter]) => `Adapter (${backend}): ${adapter}`).join('  \n');
}

export function sparseMarkdown(records: SparseRecord[]): string {
  const timestamps = records.some((r) => r.gpuMs !== undefined)
    ? 'GPU ms: median of as many runs again, timed with timestamp queries (ctx.timeGpu); in bench/results/sparse.json for every kernel.'
    : 'GPU ms: — (the adapter has no timestamp queries).';
  return [
    headlineSection(records),
    breakEvenSection(records),
    baselineSection(records),
    gridSection(records),
    `Median of the timed runs after one warm-up run (which compiles the pipelines and builds the lazy transposed pattern and SDDMM work items). ${timestamps}  \n${adapterLines(records)}`,
  ].join('\n\n') + '\n';
}

// ---- plot ------------------------------------------------------------------------------------

const PANEL = { width: 720, height: 420 };
/** Legend names short enough for lineChart's legend column. */
const SHORT_MASK: Record<Mask, string> = { random: 'rand', eoi: 'EOI', 'block-random': '', none: '' };
const SHORT_PASS: Record<Pass, string> = { forward: 'fwd', 'backward-data': 'bwd-data', sddmm: 'SDDMM' };

/**
 * Speedup vs dense over density, both axes log (speedups span 1× to hundreds of times), one line
 * per kernel and mask, one panel per cell.
 */
function speedupChart(records: SparseRecord[], cell: Cell): string {
  const inCell = records.filter((r) => sameCell(r, cell) && (r.format === 'csr' || r.format === 'bsr16'));
  const series: Series[] = sparseVariants(inCell).flatMap((v) =>
    PASSES.map((pass) => ({
      name: [FORMAT_LABEL[v.format], SHORT_MASK[v.mask], SHORT_PASS[pass]].filter(Boolean).join(' '),
      points: inCell
        .filter((r) => r.format === v.format && r.shape.mask === v.mask && r.pass === pass)
        .map((r) => [r.shape.density, speedup(records, r) ?? NaN] as const),
    })),
  );
  const densities = inCell.map((r) => r.shape.density);
  // Break-even is where a line crosses this one.
  series.push({ name: 'dense (1×)', points: [[Math.min(...densities), 1], [Math.max(...densities), 1]] });
  return lineChart(series, {
    title: `${cell.backend}: ${cell.size}x${cell.size}, batch ${cell.batch} (BSR-16: block-random mask)`,
    xLabel: 'density (log scale)',
    yLabel: 'speedup vs our dense (log scale)',
    logY: true,
    logX: true,
    ...PANEL,
  });
}

/**
 * The plot: for each backend, the largest size measured at each batch (the 1024 / batch 256 case
 * by default), panels side by side per backend, one backend per row.
 */
export function sparseSpeedupSvg(records: SparseRecord[]): string {
  const grid = records.filter((r) => r.group === 'grid');
  const largest = Math.max(...grid.map((r) => r.shape.size));
  const cells = cellsOf(grid, 'grid')
    .filter((c) => c.size === largest)
    .sort((a, b) => a.backend.localeCompare(b.backend) || b.batch - a.batch);
  const backends = [...new Set(cells.map((c) => c.backend))];
  const columns = Math.max(1, ...backends.map((b) => cells.filter((c) => c.backend === b).length));
  const panels = cells.map((cell) => {
    const row = backends.indexOf(cell.backend);
    const col = cells.filter((c) => c.backend === cell.backend).indexOf(cell);
    return `<g transform="translate(${col * PANEL.width} ${row * PANEL.height})">${speedupChart(records, cell)}</g>`;
  });
  const width = columns * PANEL.width;
  const height = backends.length * PANEL.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n${panels.join('\n')}\n</svg>\n`;
}
