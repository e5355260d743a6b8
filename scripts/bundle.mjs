// esbuild with the one loader this project needs: shaders/*.wgsl are inlined as strings, with the
// kernel interfaces wgsl_reflect reads from them at build time (scripts/wgsl-loader.mjs), so the
// published JS and every browser bundle carry their WGSL and need no file reads and no WGSL parser.
import { build } from 'esbuild';
import { wgslEsbuildPlugin } from './wgsl-loader.mjs';

/**
 * Bundle one TypeScript entry; returns the output text when `outfile` is omitted. With `entries`
 * (name -> path) and `outdir` instead, several entries share chunks (code splitting). Sourcemaps:
 * linked files with an outfile, inline without, none when `sourcemap` is false.
 */
export async function bundle({ entry, entries, outfile, outdir, platform = 'neutral', external = [], minify = false, sourcemap }) {
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
  });
  return write ? undefined : result.outputFiles[0].text;
}
