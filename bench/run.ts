/**
 * Benchmarks: `npm run bench -- [--suite matmul|eoi|all] [--sizes 128,256,512,1024] [--reps 5]
 * [--backends node,chromium]`. Prints progress and a table per suite, writes
 * bench/results/<suite>.json and a markdown table (bench/results/<suite>.md) for bench/RESULTS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium, modulePage, serveFiles, type StaticFile } from '../src/node/chromium.js';
import { bundle } from '../scripts/bundle.mjs';
import { createContext } from '../src/gpu/context.js';
import { benchEoi, EOI_CASES, eoiMarkdown } from './eoi.js';
import { benchOurMatmul } from './matmul.js';
import type { BenchRecord } from './timing.js';

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'all' },
    sizes: { type: 'string', default: '128,256,512,1024' },
    reps: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'node,chromium' },
  },
});
const sizes = args.sizes!.split(',').map(Number);
const reps = Number(args.reps);
const backends = args.backends!.split(',');
const log = (line: string) => console.log(`  ${line}`);

async function inChromium<T>(call: string, callArgs: unknown): Promise<T> {
  const code = (await bundle({ entry: 'bench/browser-entry.ts', platform: 'browser' })) as string;
  const files = new Map<string, StaticFile>([
    ['/', modulePage('orthosparse benchmarks')],
    ['/bundle.js', { type: 'text/javascript', body: code }],
  ]);
  const { url, server } = await serveFiles(files);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('console', (msg) => log(msg.text()));
    page.on('pageerror', (e) => log(`page error: ${e}`));
    await page.goto(url);
    await page.waitForFunction('globalThis.orthosparseBench !== undefined', { timeout: 60_000 });
    return (await page.evaluate((c, a) => (globalThis as any).orthosparseBench[c](a), call, callArgs as any)) as T;
  } finally {
    await browser.close();
    server.close();
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

async function eoiSuite(): Promise<SuiteResult> {
  console.log('EOI initialisation, Node (Dawn): GPU batched vs CPU vs the naive loop:');
  const ctx = await createContext();
  const rows = await benchEoi(ctx, EOI_CASES, log);
  ctx.destroy();
  return { records: rows, markdown: eoiMarkdown(rows) };
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

const suites: Record<string, () => Promise<SuiteResult>> = { matmul: matmulSuite, eoi: eoiSuite };
const chosen = args.suite === 'all' ? Object.keys(suites) : [args.suite!];
mkdirSync('bench/results', { recursive: true });
for (const name of chosen) {
  const suite = suites[name];
  if (!suite) throw new Error(`--suite must be one of all, ${Object.keys(suites).join(', ')}; got ${name}`);
  const { records, markdown } = await suite();
  writeFileSync(`bench/results/${name}.json`, JSON.stringify({ date: new Date().toISOString(), args, records }, null, 2));
  writeFileSync(`bench/results/${name}.md`, markdown);
  console.log(`\n${markdown}\nwrote bench/results/${name}.json and .md\n`);
}
