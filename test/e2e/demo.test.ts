/**
 * The demo page end to end in headless Chromium: built and served as `npm run demo:web` does, a
 * short training run started from the form, accuracy above chance, the plotted values read from
 * window.demoState, the speed panel measured, a screenshot saved to test/artifacts/demo.png. A
 * small CNN trained from the form, its curves and spectrum drawn, its conv masks drawn as one tile
 * per filter slice (read back from the canvas), then a CNN from a mask method with the recipe. And
 * the message a browser without WebGPU gets.
 */
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { MASK_COLOURS } from '../../demo/mask-view.js';
import { chromium, openPage } from './browser.js';
import { demoState, fill, openDemo, runFinished, useServedDemo } from './demo-page.js';

const SCREENSHOT = 'test/artifacts/demo.png';
const CNN_SCREENSHOT = 'test/artifacts/demo-cnn.png';

/** Clicks Train and waits for the run it adds to finish. */
async function train(page: Page, runIndex: number): Promise<void> {
  await page.click('#train');
  await runFinished(page, runIndex);
}

const isColour = (rgb: number[], colour: readonly number[]) => rgb.every((v, i) => v === colour[i]);

interface DrawnTap {
  co: number;
  ci: number;
  ky: number;
  kx: number;
  /** stored zero (amber), stored nonzero (red or blue), or pruned (white) */
  drawn: 'zero' | 'signed' | 'pruned';
}

/**
 * The per-filter mask view as drawn, read back from the canvas's own pixels (not as scaled on
 * screen): its size, its tiles (the runs of pixels between whole grid lines, down and across) and
 * every tap in them.
 */
async function drawnFilters(page: Page): Promise<{ size: number[]; tileRows: number[]; tileCols: number[]; taps: DrawnTap[] }> {
  const { width, height, data } = await page.$eval('#mask-canvas', (c) => {
    const canvas = c as HTMLCanvasElement;
    return { width: canvas.width, height: canvas.height, data: Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data) };
  });
  const rgb = (x: number, y: number) => data.slice(4 * (y * width + x), 4 * (y * width + x) + 3);
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const gridLines = (n: number, m: number, at: (i: number, j: number) => number[]) => range(n).filter((i) => range(m).every((j) => isColour(at(i, j), MASK_COLOURS.grid)));
  const bands = (lines: number[]) => lines.slice(1).map((line, i) => range(line - lines[i]! - 1).map((k) => lines[i]! + 1 + k)).filter((b) => b.length > 0);
  const rows = bands(gridLines(height, width, (y, x) => rgb(x, y)));
  const cols = bands(gridLines(width, height, (x, y) => rgb(x, y)));
  const taps = rows.flatMap((ys, co) =>
    cols.flatMap((xs, ci) =>
      ys.flatMap((y, ky) =>
        xs.map((x, kx): DrawnTap => {
          const colour = rgb(x, y);
          return { co, ci, ky, kx, drawn: isColour(colour, MASK_COLOURS.pruned) ? 'pruned' : isColour(colour, MASK_COLOURS.storedZero) ? 'zero' : 'signed' };
        }),
      ),
    ),
  );
  return { size: [width, height], tileRows: rows.map((b) => b.length), tileCols: cols.map((b) => b.length), taps };
}

/** Checks an 8 -> 8 3 x 3 convolution as drawn: 8 x 8 tiles of 3 x 3, `stored` taps lit, the signed ones all centre taps of a full-rank centre matrix. */
function expectCentredFilters(view: Awaited<ReturnType<typeof drawnFilters>>, stored: number): void {
  expect(view.size).toEqual([8 * 4 + 1, 8 * 4 + 1]);
  expect(view.tileRows).toEqual(Array(8).fill(3));
  expect(view.tileCols).toEqual(Array(8).fill(3));
  expect(view.taps.filter((t) => t.drawn !== 'pruned')).toHaveLength(stored);
  const signed = view.taps.filter((t) => t.drawn === 'signed');
  expect(signed.every((t) => t.ky === 1 && t.kx === 1)).toBe(true);
  // An orthogonal matrix has a nonzero in every row and every column.
  expect(new Set(signed.map((t) => t.co)).size).toBe(8);
  expect(new Set(signed.map((t) => t.ci)).size).toBe(8);
}

describe.skipIf(!chromium)('demo page (Chromium)', () => {
  const demo = useServedDemo();

  it('trains on MNIST in the page, plots loss, accuracy, the Jacobian spectrum and a mask, and measures sparse vs dense', { timeout: 600_000 }, async () => {
    const { page, errors, requests } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
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
      expect(requests.filter((r) => !r.startsWith(`${demo.url}/`) && !r.startsWith('data:'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('trains a small CNN in the page, plots its curves and spectrum, and draws a conv mask as one tile per filter slice', { timeout: 300_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
      expect((await demoState(page)).webgpu).toBe('ready');

      // Choosing CNN shows its fields, moves the untouched training fields to the CNN's defaults,
      // keeps the recipe, the mask methods and dynamic sparsity, and disables what builds MLPs only: SAO.
      await fill(page, '#controls', { model: 'cnn' });
      const controls = await page.$eval('#controls', (f) => {
        const form = f as HTMLFormElement;
        const el = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
        const cnnInit = el('cnnInit') as unknown as HTMLSelectElement;
        return {
          shown: ['width', 'init', 'channels', 'stem', 'cnnDepth', 'kernel', 'padding', 'cnnInit'].map((n) => el(n).offsetParent !== null),
          recipeEnabled: !(form.elements.namedItem('recipe') as HTMLFieldSetElement).disabled && !el('softNeuronsOn').matches(':disabled'),
          dstDisabled: el('dst').disabled,
          inits: [...cnnInit.options].filter((o) => !o.matches(':disabled')).map((o) => [o.value, o.label]),
          initsDisabled: [...cnnInit.options].filter((o) => o.matches(':disabled')).map((o) => [o.value, o.label]),
          training: ['steps', 'batch', 'optimizer'].map((n) => el(n).value),
        };
      });
      expect(controls.shown).toEqual([false, false, true, true, true, true, true, true]);
      expect(controls.recipeEnabled).toBe(true);
      expect(controls.dstDisabled).toBe(false);
      expect(controls.inits).toEqual([
        ['eoi', 'EOI (delta-orthogonal, exact)'],
        ['uniform', 'uniform random'],
        ['erk', 'ERK random'],
        ['masked-delta-orthogonal', "masked delta-orthogonal (the EOI paper's baseline)"],
        ['delta-orthogonal', 'dense delta-orthogonal'],
        ['dense-gaussian', 'dense Gaussian'],
        ['mask:snip', 'SNIP'],
        ['mask:grasp', 'GraSP'],
        ['mask:synflow', 'SynFlow'],
        ['mask:taylor', 'Taylor'],
        ['mask:magnitude', 'magnitude'],
        ['mask:lottery', 'lottery ticket (trains first)'],
      ]);
      expect(controls.initsDisabled).toEqual([['mask:sao', 'SAO (orthogonal): MLPs only']]);
      expect(controls.training).toEqual(['60', '32', 'adam']);

      // SwiftShader: 8 channels, a stem of 2 (28 -> 7), 4 body convolutions, 40 steps.
      await fill(page, '#controls', { channels: '8', stem: '2', cnnDepth: '4', kernel: '3', padding: 'circular', cnnInit: 'eoi', density: '0.25', activation: 'tanh', steps: '40' });
      await train(page, 0);
      const [run] = (await demoState(page)).runs;
      expect(run!.error).toBeUndefined();
      expect(run!.status).toBe('done');
      expect(run!.spec.model).toMatchObject({ kind: 'cnn', inputShape: [1, 28, 28], stem: 2, depth: 4, channels: 8, kernel: 3, paddingMode: 'circular', init: 'eoi', density: 0.25 });
      expect(run!.spec.recipe).toEqual({});
      expect(run!.spec.mask).toBeUndefined();
      expect(run!.label).toContain('CNN 2+4×8ch 3×3');
      expect(run!.steps.at(-1)).toBe(40);
      expect(run!.loss.every(Number.isFinite)).toBe(true);
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      expect(mean(run!.loss.slice(-5))).toBeLessThan(mean(run!.loss.slice(0, 5)));
      expect(run!.testAccuracy.length).toBeGreaterThan(0);
      expect(run!.testAccuracy.every((a) => a >= 0 && a <= 1)).toBe(true);
      // The body up to the pooling: 8 channels out, so 8 singular values, ascending.
      expect(run!.jacobian).toHaveLength(8);
      expect(run!.jacobian!.every((v, i, a) => v >= 0 && (i === 0 || v >= a[i - 1]!))).toBe(true);
      expect(run!.jacobian!.at(-1)!).toBeGreaterThan(0);
      // Six convolutions (1 -> 8 channels, then 8 -> 8; the stem at stride 2), then the dense classifier.
      const conv = (cIn: number, stride: number) => ({ rows: 8, cols: cIn * 9, kernel: { cIn, kh: 3, kw: 3, stride } });
      expect(run!.layers.map(({ stored: _s, ...shape }) => shape)).toEqual([conv(1, 2), conv(8, 2), conv(8, 1), conv(8, 1), conv(8, 1), conv(8, 1), { rows: 10, cols: 8 }]);
      // EOI tops every convolution's mask up to round(density * taps).
      for (const l of run!.layers.slice(0, -1)) expect(l.stored).toBe(Math.round(0.25 * l.rows * l.cols));
      expect(run!.layers.at(-1)!.stored).toBe(80);

      // Loss, accuracy and spectrum are plotted (uPlot canvases, no placeholders).
      for (const chart of ['#loss-chart', '#accuracy-chart', '#jacobian-chart']) {
        expect(await page.$eval(chart, (e) => [e.querySelectorAll('canvas').length > 0, e.querySelector('.placeholder') === null])).toEqual([true, true]);
      }

      // The mask view: a body convolution (layer 3, 8 -> 8) as 8 x 8 tiles of 3 x 3 taps. EOI:
      // the orthogonal centre matrix in the centre taps, the rest of the mask its zero top-up.
      expect(await page.$eval('#mask-run', (s) => (s as HTMLSelectElement).value)).toBe('1');
      await page.select('#mask-layer', '2');
      const eoi = await drawnFilters(page);
      expectCentredFilters(eoi, run!.layers[2]!.stored);
      expect(eoi.taps.some((t) => t.drawn === 'zero')).toBe(true);
      expect(await page.$eval('#mask-caption', (e) => e.textContent)).toContain('8 output × 8 input channels');
      // The first stem convolution: one input channel, so a column of 8 tiles.
      await page.select('#mask-layer', '0');
      const stem = await drawnFilters(page);
      expect([stem.tileRows.length, stem.tileCols.length]).toEqual([8, 1]);

      // A dense init (Conv2d layers, no density): the delta-orthogonal kernel stores every tap,
      // zero but for the centre. The mask view moves to the newest run. Dense convolutions are
      // slow on SwiftShader, so one body convolution and 2 steps.
      await fill(page, '#controls', { cnnInit: 'delta-orthogonal', cnnDepth: '1', steps: '2' });
      expect(await page.$eval('#controls', (f) => ((f as HTMLFormElement).elements.namedItem('density') as HTMLInputElement).disabled)).toBe(true);
      await train(page, 1);
      const dense = (await demoState(page)).runs[1]!;
      expect(dense.error).toBeUndefined();
      expect(dense.layers.every((l) => l.stored === l.rows * l.cols)).toBe(true);
      expect(dense.jacobian).toHaveLength(8);
      expect(await page.$eval('#mask-run', (s) => (s as HTMLSelectElement).value)).toBe('2');
      await page.select('#mask-layer', '2');
      expectCentredFilters(await drawnFilters(page), 8 * 72);

      // A mask method on the CNN's filters with a recipe part: SNIP (global, so the three
      // convolutions together keep round(0.25 · 1224) taps) and label smoothing.
      await fill(page, '#controls', { cnnInit: 'mask:snip', labelSmoothingOn: true });
      expect(await page.$eval('#controls', (f) => ['density', 'refine'].map((n) => ((f as HTMLFormElement).elements.namedItem(n) as HTMLInputElement).disabled))).toEqual([false, false]);
      await train(page, 2);
      const snip = (await demoState(page)).runs[2]!;
      expect(snip.error).toBeUndefined();
      expect(snip.status).toBe('done');
      expect(snip.spec.mask).toEqual({ method: 'snip' });
      expect(snip.spec.recipe).toEqual({ labelSmoothing: { alpha: 0.1 } });
      expect(snip.label).toContain('snip CNN 2+1×8ch 3×3 d=0.25 tanh ls 0.1');
      const convs = snip.layers.slice(0, -1);
      expect(convs.map((l) => l.kernel?.cIn)).toEqual([1, 8, 8]);
      expect(convs.reduce((n, l) => n + l.stored, 0)).toBe(Math.round(0.25 * convs.reduce((n, l) => n + l.rows * l.cols, 0)));
      expect(convs.every((l) => l.stored < l.rows * l.cols)).toBe(true);
      expect(snip.loss.every(Number.isFinite)).toBe(true);

      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: CNN_SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('tells a browser without WebGPU so, and offers nothing to run', async () => {
    const { page } = await openPage(demo.browser);
    try {
      await page.evaluateOnNewDocument(() => {
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
      await page.goto(demo.url);
      await page.waitForFunction(() => window.demoState?.webgpu === 'missing', { timeout: 60_000 });
      expect(await page.$eval('#status', (e) => e.textContent)).toContain('This browser has no WebGPU');
      expect(await page.$eval('#train', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
      expect(await page.$eval('#speed-run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    } finally {
      await page.close();
    }
  });
});
