#!/usr/bin/env node
// Run a TypeScript entry (a benchmark, the CLI from source) in Node: bundle it with the WGSL
// loader into a temporary module next to it (so node_modules resolves), import it, clean up.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle } from './bundle.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const outfile = path.join(path.dirname(path.resolve(entry)), `.${path.basename(entry, '.ts')}.${process.pid}.tmp.mjs`);
await bundle({ entry, outfile, platform: 'node', external: ['webgpu', 'puppeteer-core', 'esbuild', 'fast-check', 'cli-progress', 'wgsl_reflect'] });
process.argv = [process.argv[0], entry, ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  await rm(outfile, { force: true });
  await rm(`${outfile}.map`, { force: true });
}
