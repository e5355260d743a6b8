// esbuild with the one loader this project needs: shaders/*.wgsl are inlined as strings, with the
// kernel interfaces wgsl_reflect reads from them at build time (scripts/wgsl-loader.mjs), so the
// published JS and every browser bundle carry their WGSL and need no file reads and no WGSL parser.
import { build } from 'esbuild';
import { wgslEsbuildPlugin } from './wgsl-loader.mjs';

/**
 * Bundle one TypeScript entry; returns the output text when `outfile` is omitted. With `entries`
 * (name -> path) and `outdir` instead, several entries share chunks (code splitting). Sourcemaps:
 * linked files with an outfile, inline without, none when `sourcemap` is false. `cjsRequire` gives
 * the output a `require` of its own (Node only), for CommonJS packages bundled in that require
 * Node's built-ins (an ESM bundle has none, and esbuild's shim then throws).
 */
export async function bundle({ entry, entries, outfile, outdir, platform = 'neutral', external = [], minify = false, sourcemap, cjsRequire = false }) {
  const write = outfile !== undefined || outdir !== undefined;
  const result = await build({
    entryPoints: entries ?? [entry],
    outfile,
    outdir,
    splitting: entries !== undefined,
    chunkNames: 'chunks/[name]-[hash]',
    write,
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    mainFields: ['module', 'main'],
    plugins: [wgslEsbuildPlugin],
    external,
    minify,
    sourcemap: sourcemap === false ? false : write ? 'linked' : 'inline',
    logLevel: 'warning',
    banner: cjsRequire ? { js: "import { createRequire as orthosparseCreateRequire } from 'node:module'; const require = orthosparseCreateRequire(import.meta.url);" } : undefined,
  });
  return write ? undefined : result.outputFiles[0].text;
}
