import { defineConfig } from 'vitest/config';
import { wgslVitePlugin } from './scripts/wgsl-loader.mjs';

export default defineConfig({
  // WGSL files import as text and register the interface wgsl_reflect reads from them, as in the
  // published build (scripts/wgsl-loader.mjs).
  plugins: [wgslVitePlugin],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
