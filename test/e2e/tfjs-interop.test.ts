/**
 * The TF.js interop example of docs/interop.md (examples/tfjs-interop.ts), run as written in
 * headless Chromium on TF.js's WebGPU backend: our CSR kernel on a TF.js tensor's GPUBuffer, the
 * result back in TF.js, checked against the float64 CPU reference.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'puppeteer-core';
import { bundle } from '../../scripts/bundle.mjs';
import { modulePage, serveFiles } from '../../src/node/chromium.js';
import { type CsrMatrix, spmmForwardRef } from '../../src/index.js';
import { worstBoundRatio } from '../harness/tolerance.js';
import { chromium, connectChromium, openPage } from './browser.js';

interface PageResult {
  batch: number;
  x: number[];
  weight: { rows: number; cols: number; rowPtr: number[]; colIdx: number[]; values: number[] };
  gpu: number[];
  reference: number[];
}

describe.skipIf(!chromium)('TF.js interop example (Chromium, TF.js WebGPU backend)', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const code = (await bundle({ entry: 'test/e2e/tfjs-interop-entry.ts', platform: 'browser' })) as string;
    ({ url, server } = await serveFiles(new Map([
      ['/', modulePage('orthosparse TF.js interop')],
      ['/bundle.js', { type: 'text/javascript', body: code }],
    ])));
    browser = await connectChromium();
  });

  afterAll(async () => {
    await browser?.disconnect();
    server?.close();
  });

  it('runs our sparse kernel on a TF.js GPUBuffer and matches the CPU reference', async () => {
    const { page, errors } = await openPage(browser);
    try {
      await page.goto(url);
      await page.waitForFunction('globalThis.runTfjsInterop !== undefined', { timeout: 60_000 });
      const r = (await page.evaluate(() => (globalThis as any).runTfjsInterop())) as PageResult;
      expect(errors).toEqual([]);

      const weight: CsrMatrix = { rows: r.weight.rows, cols: r.weight.cols, rowPtr: Uint32Array.from(r.weight.rowPtr), colIdx: Uint32Array.from(r.weight.colIdx), values: Float32Array.from(r.weight.values) };
      // The reference the page computed is the library's own; recompute it here from the returned inputs too.
      const reference = spmmForwardRef(weight, r.x, r.batch).map((v) => Math.max(0, v));
      expect(r.reference).toEqual(Array.from(reference));
      expect(r.gpu.some((v) => v > 0)).toBe(true);

      // Tolerance: each output is a float32 dot product of a row's stored weights with X, so it is
      // within gamma_k · Σ|w·x| of the exact value, k = the row's stored count (largest row taken);
      // relu only shrinks differences (test/harness/tolerance.ts).
      const magnitude = spmmForwardRef({ ...weight, values: weight.values.map(Math.abs) }, r.x.map(Math.abs), r.batch);
      const k = Math.max(...weight.rowPtr.slice(1).map((end, row) => end - weight.rowPtr[row]!));
      expect(worstBoundRatio(r.gpu, reference, magnitude, k)).toBeLessThanOrEqual(1);
    } finally {
      await page.close();
    }
  });
});
