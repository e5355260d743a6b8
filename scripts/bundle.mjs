// esbuild with the one loader setting this project needs: shaders/*.wgsl are inlined as strings,
// so the published JS and every browser bundle carry their WGSL and need no file reads.
import { build } from 'esbuild';

/** Bundle one TypeScript entry; returns the output text when `outfile` is omitted. */
export async function bundle({ entry, outfile, platform = 'neutral', external = [], minify = false }) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    write: outfile !== undefined,
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    mainFields: ['module', 'main'],
    loader: { '.wgsl': 'text' },
    external,
    minify,
    sourcemap: outfile ? 'linked' : 'inline',
    logLevel: 'warning',
  });
  return outfile === undefined ? result.outputFiles[0].text : undefined;
}
