/**
 * The demo page end to end in headless Chromium: built and served as `npm run demo:web` does, a
 * short training run started from the form, accuracy above chance, the plotted values read from
 * window.demoState, the speed panel measured, a screenshot saved to test/artifacts/demo.png. And
 * the message a browser without WebGPU gets.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { serveDemo } from '../../demo/server.js';
import type { DemoState } from '../../demo/state.js';
import { chromium, connectChromium, openPage } from './browser.js';

const SCREENSHOT = 'test/artifacts/demo.png';

/** Sets form fields as a visitor would (value or tick, then the change event the page listens to). */
async function fill(page: Page, selector: string, values: Record<string, string | boolean>): Promise<void> {
  await page.$eval(
    selector,
    (form, entries) => {
      for (const [name, value] of Object.entries(entries)) {
        const field = (form as HTMLFormElement).elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
        if (typeof value === 'boolean') (field as HTMLInputElement).checked = value;
        else field.value = value;
        field.dispatchEvent(new Event('change', { bubbles: true }));
      }
    },
    values,
  );
}

/** Clicks Train and waits for the run it adds to finish. */
async function train(page: Page, runIndex: number): Promise<void> {
  await page.click('#train');
  await page.waitForFunction((i) => ['done', 'failed'].includes(window.demoState.runs[i]?.status ?? ''), { timeout: 480_000, polling: 500 }, runIndex);
}

const demoState = (page: Page) => page.evaluate(() => window.demoState) as Promise<DemoState>;

describe.skipIf(!chromium)('demo page (Chromium)', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    ({ url, server } = await serveDemo());
    browser = await connectChromium();
  });

  afterAll(async () => {
    await browser?.disconnect();
    server?.close();
  });

  it('trains on MNIST in the page, plots loss, accuracy, the Jacobian spectrum and a mask, and measures sparse vs dense', { timeout: 600_000 }, async () => {
    const { page, errors, requests } = await openPage(browser, { width: 1400, height: 1000 });
    try {
      await page.goto(url);
      await page.waitForFunction(() => window.demoState?.data !== null || window.demoState?.webgpu === 'missing', { timeout: 120_000 });
      expect((await demoState(page)).webgpu).toBe('ready');

      // SwiftShader is slow: a small model and short runs. Two runs side by side: EOI with tanh,
      // then a SNIP mask (from the mask zoo) with the whole recipe (soft neurons pswish -> ReLU,
      // ghost skips, learned LRsI, label smoothing).
      await fill(page, '#controls', { depth: '4', width: '64', density: '0.25', init: 'eoi', activation: 'tanh', steps: '60', batch: '64', lr: '0.05' });
      await train(page, 0);
      await fill(page, '#controls', { init: 'mask:snip', softNeuronsOn: true, ghostSkipsOn: true, lrsi: 'gradinit', labelSmoothingOn: true });
      await train(page, 1);

      const { runs } = await demoState(page);
      for (const run of runs) {
        expect(run.error).toBeUndefined();
        expect(run.status).toBe('done');
        expect(Math.max(...run.testAccuracy)).toBeGreaterThan(0.2); // chance is 0.1
        expect(run.final!.accuracy).toBeGreaterThan(0.2);
        expect(run.steps.at(-1)).toBe(60);
        expect(run.loss.length).toBe(run.steps.length);
        expect(run.loss.every(Number.isFinite)).toBe(true);
        expect(run.loss.at(-1)!).toBeLessThan(run.loss[0]!);
        // The Jacobian of the 64-wide body at init: 64 singular values, ascending.
        expect(run.jacobian).toHaveLength(64);
        expect(run.jacobian!.every((v, i, a) => v >= 0 && (i === 0 || v >= a[i - 1]!))).toBe(true);
        expect(run.layers.map((l) => [l.rows, l.cols])).toEqual([[64, 784], [64, 64], [64, 64], [10, 64]]);
        // Both keep about the asked density: EOI in every layer, SNIP over all weights together.
        const [stored, total] = run.layers.reduce(([s, t], l) => [s + l.stored, t + l.rows * l.cols], [0, 0]);
        expect(stored / total).toBeGreaterThan(0.2);
        expect(stored / total).toBeLessThan(0.3);
      }
      expect(runs[0]!.layers[1]!.stored / (64 * 64)).toBeCloseTo(0.25, 1);
      expect(runs[0]!.spec.model.activation).toBe('tanh');
      expect(runs[0]!.spec.recipe).toEqual({});
      expect(runs[0]!.spec.mask).toBeUndefined();
      expect(runs[1]!.spec.mask).toEqual({ method: 'snip' });
      expect(runs[1]!.spec.model.activation).toBe('relu');
      expect(runs[1]!.spec.recipe).toEqual({
        softNeurons: { activation: 'pswish', steps: 30, ramp: 'linear' },
        ghostSkips: { steps: 30, ramp: 'linear' },
        lrsi: 'gradinit',
        labelSmoothing: { alpha: 0.1 },
      });

      // The mask panel shows the newest run; choose the EOI run's hidden layer.
      await page.select('#mask-run', '1');
      expect(await page.$eval('#mask-layer', (s) => (s as HTMLSelectElement).value)).toBe('1');
      expect(await page.$eval('#mask-canvas', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([64, 64]);

      await fill(page, '#speed-form', { size: '256', batch: '32', density: '0.1' });
      await page.click('#speed-run');
      await page.waitForFunction(() => ['done', 'failed'].includes(window.demoState.speed.status), { timeout: 300_000, polling: 500 });
      const { speed } = await demoState(page);
      expect(speed.error).toBeUndefined();
      expect(speed.rows.map((r) => r.pass)).toEqual(['forward', 'backward-data', 'sddmm']);
      for (const row of speed.rows) {
        expect(row.denseMs).toBeGreaterThan(0);
        expect(row.sparse.map((s) => s.id)).toEqual(['csr-random', 'csr-eoi', 'bsr16']);
        expect(row.sparse.every((s) => s.ms > 0 && Number.isFinite(s.speedup))).toBe(true);
      }

      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      // MNIST and every script come from the page's own origin (data: URLs are not requests to anyone).
      expect(requests.filter((r) => !r.startsWith(`${url}/`) && !r.startsWith('data:'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('tells a browser without WebGPU so, and offers nothing to run', async () => {
    const { page } = await openPage(browser);
    try {
      await page.evaluateOnNewDocument(() => {
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
      await page.goto(url);
      await page.waitForFunction(() => window.demoState?.webgpu === 'missing', { timeout: 60_000 });
      expect(await page.$eval('#status', (e) => e.textContent)).toContain('This browser has no WebGPU');
      expect(await page.$eval('#train', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
      expect(await page.$eval('#speed-run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    } finally {
      await page.close();
    }
  });
});
