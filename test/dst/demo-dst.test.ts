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

/**
 * Fills the form, trains, and returns the mask panel as drawn at step 0 (once the run has been
 * inspected; `layer` picks the panel's layer) and, after the run, as drawn after the update at
 * step `updateAt`, with the run's state.
 */
async function masksAroundUpdate(page: Page, fields: Record<string, string>, updateAt: number, layer?: string) {
  await fill(page, '#controls', fields);
  await page.click('#train');
  await page.waitForFunction(() => (window.demoState.runs[0]?.layers.length ?? 0) > 0, { timeout: 300_000, polling: 100 });
  await page.waitForFunction(() => /(weights|taps) stored/.test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 60_000, polling: 100 });
  if (layer !== undefined) await page.select('#mask-layer', layer);
  const start = await drawnMask(page);
  await runFinished(page, 0);
  const { runs } = await demoState(page);
  if (layer !== undefined) await page.select('#mask-layer', layer);
  await page.waitForFunction((step) => new RegExp(`after the mask update at step ${step}`).test(document.querySelector('#mask-caption')?.textContent ?? ''), { timeout: 30_000, polling: 100 }, updateAt);
  return { start, moved: await drawnMask(page), run: runs[0]! };
}

/** Each layer's count is kept, so as many pixels are drawn pruned as at step 0, but not the same ones. */
function expectMovedMask(start: { pruned: boolean[]; caption: string }, moved: { pruned: boolean[] }): void {
  expect(start.caption).not.toMatch(/mask update/);
  expect(moved.pruned).toHaveLength(start.pruned.length);
  const count = (xs: boolean[]) => xs.filter(Boolean).length;
  expect(count(moved.pruned)).toBe(count(start.pruned));
  expect(moved.pruned).not.toEqual(start.pruned);
}

describe.skipIf(!chromium)('demo page: dynamic sparsity (Chromium)', () => {
  const demo = useServedDemo();

  it('trains with RigL from the form and redraws the moved mask', { timeout: 600_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
      // One update, after step 30 (the next would be past T_end = 45); the panel shows it.
      const { start, moved, run } = await masksAroundUpdate(page, { depth: '3', width: '32', density: '0.25', init: 'uniform', activation: 'relu', steps: '60', batch: '32', lr: '0.05', dst: 'rigl', dstEvery: '30' }, 30);
      expect(run.error).toBeUndefined();
      expect(run.spec.dst).toEqual({ method: 'rigl', every: 30, fraction: 0.3, until: 45 });
      expectMovedMask(start, moved);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('trains a CNN with SET from the form and redraws the moved conv mask', { timeout: 600_000 }, async () => {
    const { page, errors } = await openPage(demo.browser, { width: 1400, height: 1000 });
    try {
      await openDemo(page, demo.url);
      await fill(page, '#controls', { model: 'cnn' });
      // A stride-2 stem of 2 (28 -> 7) and one body convolution of 4 channels, uniform masks; the
      // panel on the body convolution (4 x 4 tiles of 3 x 3 taps). One update, after step 10.
      const cnn = { channels: '4', stem: '2', cnnDepth: '1', kernel: '3', padding: 'circular', cnnInit: 'uniform', density: '0.25', activation: 'tanh', steps: '20', dst: 'set', dstEvery: '10' };
      const { start, moved, run } = await masksAroundUpdate(page, cnn, 10, '2');
      expect(run.error).toBeUndefined();
      expect(run.spec.model).toMatchObject({ kind: 'cnn', init: 'uniform', density: 0.25 });
      expect(run.spec.dst).toEqual({ method: 'set', every: 10, fraction: 0.3, until: 15 });
      expectMovedMask(start, moved);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
