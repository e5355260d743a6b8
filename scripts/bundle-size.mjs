#!/usr/bin/env node
// What a browser app pays for orthosparse: esbuild --bundle --minify of a page that imports
// `names` from the built package (dist/, so run node scripts/build.mjs first), for the browser,
// with wgsl_reflect resolved from node_modules like any dependency. Prints the bundle without code
// splitting (everything the app can ever load) and, with splitting, the chunk the page loads first
// (the run-time WGSL reflector, needed only for kernels the build did not reflect, is a separate
// chunk then). usage: node scripts/bundle-size.mjs [name ...]   (default createContext eoi csrMatmul)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** Minified sizes in bytes: { whole, initial, chunks } for a page importing `names` from `entry`. */
export async function bundleSize(names, entry = path.resolve('dist/index.js')) {
  const dir = mkdtempSync(path.resolve('scripts/.bundle-size-'));
  try {
    const page = path.join(dir, 'page.mjs');
    writeFileSync(page, `import { ${names.join(', ')} } from ${JSON.stringify(entry)};\nglobalThis.used = [${names.join(', ')}];\n`);
    const common = { entryPoints: [page], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'error', nodePaths: [path.resolve('node_modules')] };
    const whole = await build({ ...common, outfile: path.join(dir, 'out.js') });
    const split = await build({ ...common, splitting: true, outdir: path.join(dir, 'out') });
    const initial = split.outputFiles.find((f) => path.basename(f.path) === 'page.js');
    return { whole: whole.outputFiles[0].contents.length, initial: initial.contents.length, chunks: split.outputFiles.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : ['createContext', 'eoi', 'csrMatmul'];
  const { whole, initial, chunks } = await bundleSize(names);
  const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(`${names.join(' + ')}: ${kB(whole)} as one bundle; ${kB(initial)} loaded first with code splitting (${chunks} files)`);
}
