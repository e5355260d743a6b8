#!/usr/bin/env node
// The published build: one ESM bundle with every shader inlined (no file reads at run time, in
// Node or in a browser bundle), plus type declarations from tsc.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { bundle } from './bundle.mjs';

rmSync('dist', { recursive: true, force: true });
await bundle({ entry: 'src/index.ts', outfile: 'dist/index.js', platform: 'neutral', external: ['wgsl_reflect', 'webgpu'] });
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
console.log('built dist/index.js and dist/types');
