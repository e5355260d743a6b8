/**
 * What the demo page's browser tests share: the demo served and Chromium connected once per test
 * file, the page's state, its forms filled as a visitor fills them, a page opened until its data
 * is loaded, and waiting for a training run to end.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { serveDemo } from '../../demo/server.js';
import type { DemoState } from '../../demo/state.js';
import { connectChromium } from './browser.js';

/** The demo's URL and the connected browser, set before the file's tests run (call inside a describe). */
export function useServedDemo(): { readonly url: string; readonly browser: Browser } {
  let server: Server | undefined;
  const served = { url: '', browser: undefined as unknown as Browser };
  beforeAll(async () => {
    ({ url: served.url, server } = await serveDemo());
    served.browser = await connectChromium();
  });
  afterAll(async () => {
    await served.browser?.disconnect();
    server?.close();
  });
  return served;
}

export const demoState = (page: Page) => page.evaluate(() => window.demoState) as Promise<DemoState>;

/** Goes to the demo and waits until its MNIST slice is loaded (or the page found no WebGPU). */
export async function openDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.demoState?.data !== null || window.demoState?.webgpu === 'missing', { timeout: 120_000 });
}

/** Sets form fields as a visitor would (value or tick, then the change event the page listens to). */
export async function fill(page: Page, selector: string, values: Record<string, string | boolean>): Promise<void> {
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

/** Waits for run `runIndex` to be done or failed. */
export async function runFinished(page: Page, runIndex: number): Promise<void> {
  await page.waitForFunction((i) => ['done', 'failed'].includes(window.demoState.runs[i]?.status ?? ''), { timeout: 480_000, polling: 500 }, runIndex);
}
