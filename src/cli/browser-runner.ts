/**
 * `--browser`: the same training run (runTraining) inside headless Chromium on its WebGPU, driven
 * by puppeteer-core. The page gets the spec and the data set from a server on 127.0.0.1 and reports
 * progress back through exposed functions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { CHROMIUM_PATH, type StaticFile, withChromiumPage } from '../node/chromium.js';
import type { TrainHooks, TrainResult, TrainSpec } from '../train/experiment.js';
import type { Dataset } from '../train/trainer.js';

/** The bundle of src/cli/browser-train-entry.ts, built next to the CLI by scripts/build.mjs. */
const BUNDLE = new URL('./browser-train.js', import.meta.url);

/**
 * Throws a RangeError saying what --browser lacks here (puppeteer-core, a Chromium binary, the page
 * bundle), before any data loads.
 */
export function checkBrowserRun(): void {
  const missing: string[] = [];
  try {
    createRequire(import.meta.url).resolve('puppeteer-core');
  } catch {
    missing.push('the puppeteer-core package (npm install puppeteer-core)');
  }
  if (!existsSync(CHROMIUM_PATH)) missing.push(`a Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  if (!existsSync(BUNDLE)) missing.push(`the page bundle ${fileURLToPath(BUNDLE)} (built by node scripts/build.mjs)`);
  if (missing.length) throw new RangeError(`--browser needs ${missing.join(' and ')}`);
}

/** The run's result and its trained model in the model file format. */
export async function runInBrowser(spec: TrainSpec, data: { train: Dataset; test: Dataset }, hooks: TrainHooks): Promise<{ result: TrainResult; model: Uint8Array }> {
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const files = new Map<string, StaticFile>([
    ['/bundle.js', { type: 'text/javascript', body: readFileSync(BUNDLE) }],
    ['/spec.json', { type: 'application/json', body: JSON.stringify({ spec, train: meta(data.train), test: meta(data.test) }) }],
    ['/train-inputs.bin', { type: 'application/octet-stream', body: bytes(data.train.inputs) }],
    ['/train-labels.bin', { type: 'application/octet-stream', body: bytes(Uint8Array.from(data.train.labels)) }],
    ['/test-inputs.bin', { type: 'application/octet-stream', body: bytes(data.test.inputs) }],
    ['/test-labels.bin', { type: 'application/octet-stream', body: bytes(Uint8Array.from(data.test.labels)) }],
  ]);
  const prepare = async (page: Page) => {
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e}\n`));
    await page.exposeFunction('reportProgress', (p: Parameters<NonNullable<TrainHooks['onProgress']>>[0]) => hooks.onProgress?.(p));
    await page.exposeFunction('reportEval', (e: Parameters<NonNullable<TrainHooks['onEval']>>[0]) => hooks.onEval?.(e));
    await page.exposeFunction('reportStage', (s: string) => hooks.onStage?.(`[chromium] ${s}`));
  };
  return withChromiumPage({ title: 'orthosparse training', files, readyGlobal: 'orthosparseTrain', prepare }, async (page) => {
    const { result, model } = (await page.evaluate(() => (globalThis as any).orthosparseTrain())) as { result: TrainResult; model: string };
    return { result, model: new Uint8Array(Buffer.from(model, 'base64')) };
  });
}

function meta(d: Dataset) {
  return { count: d.count, features: d.features };
}
