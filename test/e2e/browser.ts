/**
 * Browser tests open their own pages, from their own servers, in the Chromium the global setup
 * launched for the whole run. They are skipped when the run leaves Chromium out
 * (ORTHOSPARSE_BACKENDS=node).
 */
import { inject } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';

export const chromium = inject('chromium');

export async function connectChromium(): Promise<Browser> {
  if (!chromium) throw new Error('no Chromium: the global setup did not start one');
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.connect({ browserWSEndpoint: chromium.wsEndpoint, protocolTimeout: 600_000 });
}

export interface OpenedPage {
  page: Page;
  /** uncaught errors, console errors and failed responses of the page */
  errors: string[];
  /** every URL the page requested */
  requests: string[];
}

export async function openPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const opened: OpenedPage = { page, errors: [], requests: [] };
  page.on('pageerror', (e) => opened.errors.push(String(e)));
  // A failed load is reported with its URL below; its console line has none.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && opened.errors.push(m.text()));
  // The browser asks every origin for a favicon on its own; pages that have none are not at fault.
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && opened.errors.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on('request', (r) => opened.requests.push(r.url()));
  return opened;
}
