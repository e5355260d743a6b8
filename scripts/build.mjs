#!/usr/bin/env node
// The published build: the library as one ESM bundle with every shader inlined (no file reads at
// run time, in Node or in a browser bundle), the `orthosparse` CLI for Node, the page script its
// --browser mode serves, and type declarations from tsc.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { bundle } from './bundle.mjs';

const nodeExternals = ['wgsl_reflect', 'webgpu', 'puppeteer-core', 'cli-progress'];
rmSync('dist', { recursive: true, force: true });
await bundle({ entry: 'src/index.ts', outfile: 'dist/index.js', platform: 'neutral', external: ['wgsl_reflect', 'webgpu'] });
await bundle({ entry: 'src/cli/main.ts', outfile: 'dist/cli.js', platform: 'node', external: nodeExternals });
chmodSync('dist/cli.js', 0o755);
await bundle({ entry: 'src/cli/browser-train-entry.ts', outfile: 'dist/browser-train.js', platform: 'browser' });
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
console.log('built dist/index.js, dist/cli.js, dist/browser-train.js and dist/types');
