/**
 * The demo page's dynamic-sparsity choice in headless Chromium: a small RigL MLP run and a SET CNN
 * run from the form, their specs carrying the DST options, and the mask panel redrawn after the
 * updates with a different pattern of pruned pixels than at step 0 (read back from the canvas), the
 * stored count unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { MASK_COLOURS } from '../../demo/mask-view.js';
import { chromium, openPage } from '../e2e/browser.js';
import { demoState, fill, openDemo, runFinished, useServedDemo } from '../e2e/demo-page.js';

/** Which canvas pixels are drawn as pruned (white), and the caption under them. */
async function drawnMask(page: Page): Promise<{ pruned: boolean[]; caption: string }> {
  const pruned = await page.$eval(
    '#mask-canvas',
    (c, white) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return Array.from({ length: canvas.width * canvas.height }, (_, p) => [0, 1, 2].every((i) => data[4 * p + i] === white[i]));
    },
    [...MASK_COLOURS.pruned],
  );
  return { pruned, caption: await page.$eval('#mask-caption', (e) => e.textContent ?? '') };
}

describe.skipIf(!chromium)('demo page: dynamic sparsity (Chromium)', () => {
  const demo = useServedDemo();

  it('trains with RigL from the form and redraws the moved mask', { timeout: 600_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
      await fill(page, '#controls', { depth: '3', width: '32', density: '0.25', init: 'uniform', activation: 'relu', steps: '60', batch: '32', lr: '0.05', dst: 'rigl', dstEvery: '30' });
      await page.click('#train');
      // The panel as drawn at step 0, once the run has been inspected.
      await page.waitForFunction(() => (window.demoState.runs[0]?.layers.length ?? 0) > 0, { timeout: 300_000, polling: 100 });
      await page.waitForFunction(() => /weights stored/.test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
      const start = await drawnMask(page);
      await runFinished(page, 0);
      const { runs } = await demoState(page);
      expect(runs[0]!.error).toBeUndefined();
      expect(runs[0]!.spec.dst).toEqual({ method: 'rigl', every: 30, fraction: 0.3, until: 45 });
      // One update, after step 30 (the next would be past T_end = 45); the panel shows it.
      await page.waitForFunction(() => /after the mask update at step 30/.test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 30_000, polling: 100 });
      const moved = await drawnMask(page);
      expect(start.caption).not.toMatch(/mask update/);
      expect(moved.pruned).toHaveLength(start.pruned.length);
      // Each layer's count is kept, so as many pixels are pruned, but not the same ones.
      const count = (xs: boolean[]) => xs.filter(Boolean).length;
      expect(count(moved.pruned)).toBe(count(start.pruned));
      expect(moved.pruned).not.toEqual(start.pruned);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('trains a CNN with SET from the form and redraws the moved conv mask', { timeout: 600_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
      // A stride-2 stem of 2 (28 -> 7) and one body convolution of 4 channels, uniform masks.
      await fill(page, '#controls', { model: 'cnn' });
      await fill(page, '#controls', { channels: '4', stem: '2', cnnDepth: '1', kernel: '3', padding: 'circular', cnnInit: 'uniform', density: '0.25', activation: 'tanh', steps: '20', dst: 'set', dstEvery: '10' });
      await page.click('#train');
      await page.waitForFunction(() => (window.demoState.runs[0]?.layers.length ?? 0) > 0, { timeout: 300_000, polling: 100 });
      await page.waitForFunction(() => /taps stored/.test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
      // The body convolution: 4 x 4 tiles of 3 x 3 taps.
      await page.select('#mask-layer', '2');
      const start = await drawnMask(page);
      await runFinished(page, 0);
      const { runs } = await demoState(page);
      expect(runs[0]!.error).toBeUndefined();
      expect(runs[0]!.spec.model).toMatchObject({ kind: 'cnn', init: 'uniform', density: 0.25 });
      expect(runs[0]!.spec.dst).toEqual({ method: 'set', every: 10, fraction: 0.3, until: 15 });
      await page.select('#mask-layer', '2');
      await page.waitForFunction(() => /after the mask update at step 10/.test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 30_000, polling: 100 });
      const moved = await drawnMask(page);
      expect(start.caption).not.toMatch(/mask update/);
      expect(moved.pruned).toHaveLength(start.pruned.length);
      const count = (xs: boolean[]) => xs.filter(Boolean).length;
      expect(count(moved.pruned)).toBe(count(start.pruned));
      expect(moved.pruned).not.toEqual(start.pruned);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
