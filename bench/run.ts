/**
 * Benchmarks: `npm run bench -- [--suite matmul|eoi|sparse|training|conv|cnn-training|all] [--sizes …] [--reps N]
 * [--backends node,chromium] [--quick] [--list]`. Prints progress and a table per suite, writes
 * bench/results/<suite>.json and a markdown table (bench/results/<suite>.md) for bench/RESULTS.md.
 * --quick: every suite at a few small shapes (options given still win), to check that it runs end
 * to end; not for figures. --list: print the suite names, one a line, and exit (bench/device.sh).
 *
 * matmul: --sizes (default 128,256,512,1024), --reps (default 5).
 * sparse: --sizes (default 512,1024), --batches (32,256), --densities (0.5,…,0.01), --masks
 * (random,eoi), --reps (3); also writes bench/sparse-speedup.svg. The full grid (about an
 * hour on SwiftShader): `npm run bench -- --suite sparse --sizes 512,1024,2048 --reps 5`.
 * eoi: three cases (a) 4096² (b) 1000 x 128² (c) 100 x 1024².
 * training: --sizes are widths (default 256,1024), --densities (0.1,0.05), --reps = timed steps (8).
 * conv: --channels (cIn = cOut, default 32,64), --sizes are image sides (14,7), --batches
 * (32,128), --paddings (circular,zeros), --densities (1,0.5,0.3,0.2,0.1,0.05), --masks
 * (random,eoi), --reps (3), --max-mflop (120: shapes whose dense pass is more work are left
 * out; 0 for none); 3x3, stride 1; also writes bench/conv-speedup.svg.
 * conv-bsr: BSR-4/8/16 vs CSR (same filter, and a random mask) vs dense conv, 3x3; --channels
 * (32,64), --sizes (14,7), --batches (first: 32), --paddings (first: circular), --densities
 * (0.5,0.3,0.2,0.1,0.05), --reps = interleaved rounds (7); Chromium runs each layer shape in a
 * fresh page (with --quick: 16 channels, 7x7, batch 8, densities 0.5,0.25, one round).
 * cnn-training: --depth (8), --channels (32), --batches (32,128), --densities (0.1), --reps =
 * timed steps (5); stem 2 on 28x28. Chromium adds TF.js masked dense in the same page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Page } from 'puppeteer-core';
import { type StaticFile, withChromiumPage } from '../src/node/chromium.js';
import { bundle } from '../scripts/bundle.mjs';
import { createContext } from '../src/gpu/context.js';
import { benchEoi, EOI_CASES, type EoiBenchCase, eoiMarkdown } from './eoi.js';
import { benchOurMatmul } from './matmul.js';
import { benchTraining, trainingMarkdown } from './training.js';
import { benchConvCase, type ConvRecord, convCases, convGrid, convMarkdown, convSpeedupSvg } from './conv.js';
import { benchConvBsrCase, type ConvBsrRecord, convBsrCases, convBsrGrid, convBsrMarkdown } from './conv-bsr.js';
import { benchOurCnnTraining, type CnnTrainingCase, type CnnTrainingRow, cnnTrainingMarkdown, DEFAULT_CNN_TRAINING } from './cnn-training.js';
import { benchSparseCase, type SparseRecord, sparseCases, sparseGrid, sparseMarkdown, sparseSpeedupSvg } from './sparse.js';
import type { BenchRecord } from './timing.js';

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'all' },
    // No defaults here: each suite has its own.
    sizes: { type: 'string' },
    reps: { type: 'string' },
    batches: { type: 'string' },
    densities: { type: 'string' },
    masks: { type: 'string' },
    channels: { type: 'string' },
    paddings: { type: 'string' },
    'max-mflop': { type: 'string' },
    depth: { type: 'string' },
    backends: { type: 'string', default: 'node,chromium' },
    quick: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});
const list = (value: string | undefined) => value?.split(',').map((x) => x.trim());
const numbers = (value: string | undefined) => list(value)?.map(Number);
/** `value` under --quick, else undefined (the suite's default). */
const whenQuick = <T>(value: T): T | undefined => (args.quick ? value : undefined);
const sizes = numbers(args.sizes) ?? whenQuick([64, 128]) ?? [128, 256, 512, 1024];
const reps = Number(args.reps ?? whenQuick(2) ?? 5);
const backends = args.backends!.split(',');
const log = (line: string) => console.log(`  ${line}`);

async function inChromium<T>(call: string, callArgs: unknown): Promise<T> {
  const code = (await bundle({ entry: 'bench/browser-entry.ts', platform: 'browser' })) as string;
  const files = new Map<string, StaticFile>([['/bundle.js', { type: 'text/javascript', body: code }]]);
  const prepare = (page: Page) => {
    page.on('console', (msg) => log(msg.text()));
    page.on('pageerror', (e) => log(`page error: ${e}`));
  };
  return withChromiumPage({ title: 'orthosparse benchmarks', files, readyGlobal: 'orthosparseBench', prepare }, (page) => callInPage<T>(page, call, callArgs));
}

/**
 * Start orthosparseBench[call](args) in the page and poll for its result: one evaluate awaiting a
 * long suite (the sparse grid at 2048) would outlive puppeteer's 10-minute protocol timeout.
 */
async function callInPage<T>(page: Page, call: string, callArgs: unknown): Promise<T> {
  await page.evaluate(
    (c, a) => {
      const g = globalThis as any;
      g.benchResult = undefined;
      g.orthosparseBench[c](a).then(
        (value: unknown) => (g.benchResult = { value }),
        (e: unknown) => (g.benchResult = { error: String((e as Error)?.stack ?? e) }),
      );
    },
    call,
    callArgs as any,
  );
  for (;;) {
    const result = (await page.evaluate(() => (globalThis as any).benchResult)) as { value?: T; error?: string } | undefined;
    if (result?.error !== undefined) throw new Error(`in Chromium: ${result.error}`);
    if (result) return result.value as T;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

interface SuiteResult {
  records: unknown[];
  markdown: string;
}

async function matmulSuite(): Promise<SuiteResult> {
  const records: BenchRecord[] = [];
  if (backends.includes('node')) {
    console.log('dense matmul, Node (Dawn):');
    const ctx = await createContext();
    records.push(...(await benchOurMatmul(ctx, 'node', { sizes, reps, log })));
    ctx.destroy();
  }
  if (backends.includes('chromium')) {
    console.log('dense matmul, headless Chromium (ours, then TF.js in the same page):');
    records.push(...(await inChromium<BenchRecord[]>('matmul', { sizes, reps })));
  }
  return { records, markdown: matmulMarkdown(records) };
}

const QUICK_EOI_CASES: EoiBenchCase[] = [
  { label: 'quick 1 x 256² @ 0.1', layers: 1, rows: 256, cols: 256, density: 0.1 },
  { label: 'quick 10 x 64² @ 0.125', layers: 10, rows: 64, cols: 64, density: 0.125 },
];

async function eoiSuite(): Promise<SuiteResult> {
  console.log('EOI initialisation, Node (Dawn): GPU batched vs CPU vs the naive loop:');
  const ctx = await createContext();
  const rows = await benchEoi(ctx, whenQuick(QUICK_EOI_CASES) ?? EOI_CASES, log);
  ctx.destroy();
  return { records: rows, markdown: eoiMarkdown(rows) };
}

async function trainingSuite(): Promise<SuiteResult> {
  console.log('Training throughput, Node (Dawn): sparse MLP vs the identical dense MLP:');
  const ctx = await createContext();
  const rows = await benchTraining(ctx, {
    widths: numbers(args.sizes) ?? whenQuick([64]) ?? [256, 1024],
    densities: numbers(args.densities) ?? whenQuick([0.1]) ?? [0.1, 0.05],
    steps: Number(args.reps ?? whenQuick(2) ?? 8),
    log,
  });
  ctx.destroy();
  return { records: rows, markdown: trainingMarkdown(rows) };
}

async function sparseSuite(): Promise<SuiteResult> {
  const grid = sparseGrid({
    sizes: numbers(args.sizes) ?? whenQuick([128]),
    batches: numbers(args.batches) ?? whenQuick([32]),
    densities: numbers(args.densities) ?? whenQuick([0.1, 0.01]),
    masks: list(args.masks) ?? whenQuick(['random']),
    reps: args.reps === undefined ? whenQuick(1) : Number(args.reps),
  });
  // The headline case is fixed at size 1024: --quick leaves it out.
  const cases = sparseCases(grid).filter((c) => !args.quick || c.group === 'grid');
  const records: SparseRecord[] = [];
  if (backends.includes('node')) {
    console.log('sparse kernels vs dense, Node (Dawn):');
    const ctx = await createContext();
    for (const c of cases) records.push(...(await benchSparseCase(ctx, 'node', c, log)));
    ctx.destroy();
  }
  if (backends.includes('chromium')) {
    // A fresh page per (size, batch) cell, as the Node run measures them.
    console.log('sparse kernels vs dense, headless Chromium (ours, then TF.js tf.matMul in the same page):');
    for (const c of cases) records.push(...(await inChromium<SparseRecord[]>('sparse', c)));
  }
  writeFileSync('bench/sparse-speedup.svg', sparseSpeedupSvg(records));
  console.log('wrote bench/sparse-speedup.svg');
  return { records, markdown: sparseMarkdown(records) };
}

async function convSuite(): Promise<SuiteResult> {
  const grid = convGrid({
    channels: numbers(args.channels) ?? whenQuick([16]),
    sizes: numbers(args.sizes) ?? whenQuick([7]),
    batches: numbers(args.batches) ?? whenQuick([8]),
    paddings: list(args.paddings) ?? whenQuick(['circular', 'zeros']),
    densities: numbers(args.densities) ?? whenQuick([1, 0.1]),
    masks: list(args.masks) ?? whenQuick(['random']),
    reps: args.reps === undefined ? whenQuick(1) : Number(args.reps),
    maxMflop: args['max-mflop'] === undefined ? undefined : Number(args['max-mflop']),
  });
  const cases = convCases(grid);
  const records: ConvRecord[] = [];
  if (backends.includes('node')) {
    console.log('sparse conv vs dense conv, Node (Dawn):');
    const ctx = await createContext();
    for (const c of cases) records.push(...(await benchConvCase(ctx, 'node', c, log)));
    ctx.destroy();
  }
  if (backends.includes('chromium')) {
    // A fresh page per case, as the Node run measures them.
    console.log('sparse conv vs dense conv, headless Chromium (ours, then TF.js tf.conv2d and its gradients in the same page):');
    for (const c of cases) records.push(...(await inChromium<ConvRecord[]>('conv', c)));
  }
  writeFileSync('bench/conv-speedup.svg', convSpeedupSvg(records));
  console.log('wrote bench/conv-speedup.svg');
  return { records, markdown: convMarkdown(records) };
}

async function convBsrSuite(): Promise<SuiteResult> {
  const grid = convBsrGrid({
    channels: numbers(args.channels) ?? whenQuick([16]),
    sizes: numbers(args.sizes) ?? whenQuick([7]),
    batch: numbers(args.batches)?.[0] ?? whenQuick(8),
    paddingMode: list(args.paddings)?.[0],
    densities: numbers(args.densities) ?? whenQuick([0.5, 0.25]),
    reps: args.reps === undefined ? whenQuick(1) : Number(args.reps),
  });
  const cases = convBsrCases(grid);
  const records: ConvBsrRecord[] = [];
  if (backends.includes('node')) {
    console.log('block-sparse conv vs CSR conv vs dense conv, Node (Dawn):');
    const ctx = await createContext();
    for (const c of cases) records.push(...(await benchConvBsrCase(ctx, 'node', c, log)));
    ctx.destroy();
  }
  if (backends.includes('chromium')) {
    // A fresh page per layer shape, as the Node run measures them.
    console.log('block-sparse conv vs CSR conv vs dense conv, headless Chromium:');
    for (const c of cases) records.push(...(await inChromium<ConvBsrRecord[]>('convBsr', c)));
  }
  return { records, markdown: convBsrMarkdown(records) };
}

async function cnnTrainingSuite(): Promise<SuiteResult> {
  const d = DEFAULT_CNN_TRAINING;
  const base = {
    stem: d.stem,
    depth: Number(args.depth ?? whenQuick(2) ?? d.depth),
    channels: numbers(args.channels)?.[0] ?? whenQuick(16) ?? d.channels,
    steps: Number(args.reps ?? whenQuick(2) ?? d.steps),
  };
  const batches = numbers(args.batches) ?? whenQuick([16]) ?? d.batches;
  const densities = numbers(args.densities) ?? [d.density];
  const cases: CnnTrainingCase[] = batches.flatMap((batch) => densities.map((density) => ({ ...base, batch, density })));
  const rows: CnnTrainingRow[] = [];
  if (backends.includes('node')) {
    console.log('CNN training throughput, Node (Dawn): our sparse CNN vs the same CNN dense:');
    const ctx = await createContext();
    for (const c of cases) rows.push(...(await benchOurCnnTraining(ctx, 'node', c, log)));
    ctx.destroy();
  }
  if (backends.includes('chromium')) {
    console.log('CNN training throughput, headless Chromium (ours, then TF.js masked dense in the same page):');
    for (const c of cases) rows.push(...(await inChromium<CnnTrainingRow[]>('cnnTraining', c)));
  }
  return { records: rows, markdown: cnnTrainingMarkdown(rows) };
}

function matmulMarkdown(records: BenchRecord[]): string {
  const rows = ['| size | backend | orthosparse ms | GFLOP/s | TF.js ms | TF.js GFLOP/s | ours vs TF.js |', '|---|---|---|---|---|---|---|'];
  for (const r of records.filter((x) => x.impl === 'orthosparse')) {
    const tf = records.find((x) => x.impl === 'tfjs-webgpu' && x.shape.m === r.shape.m && x.backend === r.backend);
    rows.push(
      `| ${r.shape.m} | ${r.backend} | ${r.medianMs.toFixed(1)} | ${r.gflops.toFixed(2)} | ${tf ? tf.medianMs.toFixed(1) : '—'} | ${tf ? tf.gflops.toFixed(2) : '—'} | ${tf ? `${(tf.medianMs / r.medianMs).toFixed(2)}×` : '—'} |`,
    );
  }
  const adapters = [...new Set(records.map((r) => `${r.backend}: ${r.adapter}`))];
  return `${rows.join('\n')}\n\nAdapters: ${adapters.join('; ')}\n`;
}

const suites: Record<string, () => Promise<SuiteResult>> = { matmul: matmulSuite, eoi: eoiSuite, sparse: sparseSuite, training: trainingSuite, conv: convSuite, 'conv-bsr': convBsrSuite, 'cnn-training': cnnTrainingSuite };
const chosen = args.list ? [] : args.suite === 'all' ? Object.keys(suites) : [args.suite!];
if (args.list) console.log(Object.keys(suites).join('\n'));
else mkdirSync('bench/results', { recursive: true });
for (const name of chosen) {
  const suite = suites[name];
  if (!suite) throw new Error(`--suite must be one of all, ${Object.keys(suites).join(', ')}; got ${name}`);
  const { records, markdown } = await suite();
  writeFileSync(`bench/results/${name}.json`, JSON.stringify({ date: new Date().toISOString(), args, records }, null, 2));
  writeFileSync(`bench/results/${name}.md`, markdown);
  console.log(`\n${markdown}\nwrote bench/results/${name}.json and .md\n`);
}
