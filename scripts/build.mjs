#!/usr/bin/env node
// The published build: the library's entry points (the root and its subpaths, sharing chunks) with
// every shader and its reflected interface inlined (no file reads and no WGSL parser at run time, in
// Node or in a browser bundle), the `orthosparse` CLI for Node, the page script its --browser mode
// serves, and type declarations from tsc: dist/types for TypeScript 7, whose DOM lib declares
// WebGPU, and dist/types-ts5, the same declarations plus a reference to @webgpu/types for older
// TypeScript (package.json's exports and typesVersions pick one). No sourcemaps: they would point at
// sources the package does not ship.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { bundle } from './bundle.mjs';

/** Entry name (dist/<name>.js) -> source. */
export const ENTRIES = { index: 'src/index.ts', core: 'src/core.ts', nn: 'src/nn.ts', masks: 'src/masks.ts', node: 'src/node.ts' };

const nodeExternals = ['wgsl_reflect', 'webgpu', 'puppeteer-core', 'cli-progress'];
rmSync('dist', { recursive: true, force: true });
// node:* imports appear only in the node entry's code (the others import nothing of Node).
await bundle({ entries: ENTRIES, outdir: 'dist', platform: 'neutral', external: ['wgsl_reflect', 'webgpu', 'node:*'], sourcemap: false });
await bundle({ entry: 'src/cli/main.ts', outfile: 'dist/cli.js', platform: 'node', external: nodeExternals, sourcemap: false });
chmodSync('dist/cli.js', 0o755);
// The page script is only ever served to Chromium: minified.
await bundle({ entry: 'src/cli/browser-train-entry.ts', outfile: 'dist/browser-train.js', platform: 'browser', minify: true, sourcemap: false });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/types-ts5');
for (const name of Object.keys(ENTRIES)) {
  writeFileSync(`dist/types-ts5/${name}.d.ts`, `/// <reference types="@webgpu/types" />\nexport * from '../types/${name}.js';\n`);
}
console.log(`built dist/{${Object.keys(ENTRIES).join(',')}}.js, dist/cli.js, dist/browser-train.js, dist/types and dist/types-ts5`);
