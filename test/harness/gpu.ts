/**
 * The vitest side of the GPU harness. `describeGpu(family, body)` declares the same tests once per
 * backend: `body(run)` gets a `run(caseName, params)` that executes a case from test/cases on that
 * backend (Dawn in this process, or the Chromium page) and returns its decoded result.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { createContext, type Context } from '../../src/gpu/context.js';
import { caseFamilies, type FamilyName } from '../cases/index.js';
import { BACKENDS, type BackendName } from './backends-config.js';
import { decode, decodeError, encode, encodeError, type Tagged } from './wire.js';

export type RunCase = (name: string, params?: unknown) => Promise<any>;

interface BackendSession {
  run(family: FamilyName, name: string, params: unknown): Promise<Tagged>;
  close(): Promise<void>;
}

async function openNode(): Promise<BackendSession> {
  const ctx: Context = await createContext();
  return {
    async run(family, name, params) {
      try {
        const fn = (caseFamilies[family] as Record<string, (c: Context, p: unknown) => Promise<unknown>>)[name];
        if (!fn) throw new Error(`no GPU case ${family}.${name}`);
        return encode(await fn(ctx, params));
      } catch (error) {
        return encodeError(error);
      }
    },
    async close() {
      ctx.destroy();
    },
  };
}

async function openChromium(): Promise<BackendSession> {
  const info = inject('chromium');
  if (!info) throw new Error('Chromium backend requested but the global setup did not start a browser');
  const { default: puppeteer } = await import('puppeteer-core');
  const browser: Browser = await puppeteer.connect({ browserWSEndpoint: info.wsEndpoint, protocolTimeout: 600_000 });
  const page: Page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(info.url);
  await page.waitForFunction('globalThis.orthosparseTests !== undefined', { timeout: 60_000 }).catch(() => {
    throw new Error(`test page did not load: ${pageErrors.join('; ') || 'no page error reported'}`);
  });
  return {
    run: (family, name, params) =>
      page.evaluate(
        (f, n, p) => (globalThis as any).orthosparseTests.run(f, n, p),
        family,
        name,
        encode(params),
      ) as Promise<Tagged>,
    async close() {
      await page.close();
      await browser.disconnect();
    },
  };
}

const openers: Record<BackendName, () => Promise<BackendSession>> = { node: openNode, chromium: openChromium };

export function describeGpu(family: FamilyName, body: (run: RunCase) => void): void {
  for (const backend of BACKENDS) {
    describe(`${family} on ${backend}`, () => {
      let session: BackendSession | undefined;
      let ran = 0;
      beforeAll(async () => {
        session = await openers[backend]();
      });
      afterAll(async () => {
        await session?.close();
        const dir = inject('gpuCountsDir');
        writeFileSync(path.join(dir, `${family}-${backend}-${process.pid}-${Date.now()}.json`), JSON.stringify({ backend, ran }));
      });
      body(async (name, params) => {
        if (!session) throw new Error(`${backend} backend did not start`);
        // Node cases receive params through the same encoding the browser gets.
        const result = await session.run(family, name, decode(encode(params) as Tagged));
        ran += 1;
        if (result && typeof result === 'object' && '$error' in result) throw decodeError(result as { $error: string; message: string }, backend);
        return decode(result);
      });
    });
  }
}
