// The .wgsl loader of the build, the benchmarks and the tests (esbuild and vite plugins): a shader
// imports as its source text, and its module also registers the kernel interface (bindings, struct
// layouts, entry points, overrides) that wgsl_reflect reads from that text now, at build time. The
// published bundle therefore needs no WGSL parser for the built-in kernels; see
// src/gpu/kernel-interface.ts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const registry = path.join(root, 'src/gpu/kernel-interface.ts');

let reflector;
/** src/gpu/reflect.ts (the same reflection the runtime uses), bundled for Node with wgsl_reflect. */
function loadReflector() {
  reflector ??= build({ entryPoints: [path.join(root, 'src/gpu/reflect.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'warning' }).then(
    (r) => import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`),
  );
  return reflector;
}

/** The JavaScript module a .wgsl file becomes. Throws when wgsl_reflect cannot read the shader. */
export async function wgslModule(file) {
  const source = await readFile(file, 'utf8');
  const { reflectUncached, interfaceToJson } = await loadReflector();
  let json;
  try {
    json = interfaceToJson(reflectUncached(source));
  } catch (cause) {
    throw new Error(`${path.relative(root, file)}: wgsl_reflect cannot read this shader: ${cause?.message ?? cause}`, { cause });
  }
  let specifier = path.relative(path.dirname(file), registry).split(path.sep).join('/');
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  // A pure call: a bundle that never uses this shader drops its text and its interface.
  return [
    `import { registeredSource } from ${JSON.stringify(specifier)};`,
    `export default /* @__PURE__ */ registeredSource(${JSON.stringify(source)}, ${JSON.stringify(json)});`,
    '',
  ].join('\n');
}

/** For esbuild's `plugins`. */
export const wgslEsbuildPlugin = {
  name: 'wgsl-reflected',
  setup(b) {
    b.onLoad({ filter: /\.wgsl$/ }, async (args) => ({ contents: await wgslModule(args.path), loader: 'js', resolveDir: path.dirname(args.path) }));
  },
};

/** For vite's (vitest's) `plugins`. */
export const wgslVitePlugin = {
  name: 'wgsl-reflected',
  async load(id) {
    return id.endsWith('.wgsl') ? wgslModule(id) : null;
  },
};
