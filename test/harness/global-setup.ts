/**
 * Once per `vitest run`: bundle the browser side of the GPU harness, serve it on 127.0.0.1, launch
 * headless Chromium; at the end, report how many GPU tests ran on each backend and fail the run if
 * a backend ran none (a backend that silently ran nothing is not a pass).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundle } from '../../scripts/bundle.mjs';
import { launchChromium, modulePage, serveFiles, type StaticFile } from '../../src/node/chromium.js';
import { BACKENDS } from './backends-config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: { wsEndpoint: string; url: string } | null;
    /** Each GPU test file writes how many cases it ran on each backend here. */
    gpuCountsDir: string;
  }
}

export default async function setup(project: TestProject) {
  const countsDir = mkdtempSync(path.join(os.tmpdir(), 'orthosparse-gpu-counts-'));
  project.provide('gpuCountsDir', countsDir);
  let teardownBrowser = async () => {};
  if (BACKENDS.includes('chromium')) {
    const code = await bundle({ entry: 'test/harness/browser-entry.ts', platform: 'browser' });
    const files = new Map<string, StaticFile>([
      ['/', modulePage('orthosparse GPU tests')],
      ['/bundle.js', { type: 'text/javascript', body: code as string }],
    ]);
    const { url, server } = await serveFiles(files);
    const browser = await launchChromium();
    project.provide('chromium', { wsEndpoint: browser.wsEndpoint(), url });
    teardownBrowser = async () => {
      await browser.close();
      server.close();
    };
  } else {
    project.provide('chromium', null);
  }

  return async () => {
    await teardownBrowser();
    const counts: Record<string, { ran: number; files: number }> = {};
    for (const file of readdirSync(countsDir)) {
      const entry = JSON.parse(readFileSync(path.join(countsDir, file), 'utf8')) as { backend: string; ran: number };
      counts[entry.backend] ??= { ran: 0, files: 0 };
      counts[entry.backend]!.ran += entry.ran;
      counts[entry.backend]!.files += 1;
    }
    rmSync(countsDir, { recursive: true, force: true });
    const anyGpuFile = Object.keys(counts).length > 0;
    const lines = BACKENDS.map((b) => `  ${b.padEnd(10)} ${counts[b]?.ran ?? 0} GPU test cases in ${counts[b]?.files ?? 0} files`);
    console.log(`\nGPU test cases run per backend:\n${lines.join('\n')}\n`);
    if (anyGpuFile) {
      const empty = BACKENDS.filter((b) => !counts[b]?.ran);
      if (empty.length) throw new Error(`GPU backend(s) ran no test cases: ${empty.join(', ')}`);
    }
  };
}
