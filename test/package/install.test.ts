// The package as a new user gets it: `npm pack` (which builds), then the tarball installed into
// fresh projects offline (from the npm cache `npm ci` filled), a strict consumer (lib ES2022 + DOM,
// no skipLibCheck, no extra setup) type-checked with TypeScript 5 and with TypeScript 7, and run in
// Node. Also what the tarball holds and what a browser bundle of it costs.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSize } from '../../scripts/bundle-size.mjs';

const root = path.resolve('.');
const work = mkdtempSync(path.join(tmpdir(), 'orthosparse-package-'));
const TSC = {
  5: path.join(root, 'test/package/tools/node_modules/typescript/bin/tsc'),
  7: path.join(root, 'node_modules/typescript/bin/tsc'),
} as const;
let tarball = '';
let files: Array<{ path: string; size: number }> = [];

type LockEntry = { version?: string; dependencies?: Record<string, string>; dev?: boolean; devOptional?: boolean; optional?: boolean; peer?: boolean; [key: string]: unknown };

/**
 * A lockfile for a project that depends only on the tarball: orthosparse's dependency tree at the
 * versions of the root lockfile. With it, `npm ci --offline` needs only the tarballs `npm ci` put in
 * the cache (a plain install would also ask the registry for package metadata).
 */
function consumerLock(manifest: { name: string; dependencies: Record<string, string> }) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const self = lock.packages['']!;
  const packages: Record<string, LockEntry> = {
    '': { name: manifest.name, dependencies: manifest.dependencies },
    'node_modules/orthosparse': {
      version: self.version,
      resolved: manifest.dependencies.orthosparse,
      license: self.license,
      dependencies: self.dependencies,
      peerDependencies: self.peerDependencies,
      peerDependenciesMeta: self.peerDependenciesMeta,
      bin: self.bin,
    },
  };
  // Node's lookup: the nearest node_modules/<name> at or above the dependent's folder.
  const visit = (at: string, deps: Record<string, string> = {}) => {
    for (const name of Object.keys(deps)) {
      let key: string | undefined;
      for (let p = at; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/node_modules/')))) {
        const candidate = `${p ? `${p}/` : ''}node_modules/${name}`;
        if (lock.packages[candidate]) {
          key = candidate;
          break;
        }
        if (!p) break;
      }
      if (!key) throw new Error(`package-lock.json has no ${name} (needed by ${at || 'orthosparse'})`);
      if (packages[key]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[key]!;
      packages[key] = entry;
      visit(key, entry.dependencies);
    }
  };
  visit('', self.dependencies);
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}

const sh = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

beforeAll(() => {
  // npm pack runs the prepare script (the build), whose output precedes the JSON.
  const output = sh('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], root);
  const [packed] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string; files: typeof files }>;
  tarball = path.join(work, packed!.filename);
  files = packed!.files;
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds the built entries, both type trees, the CLI, README and LICENSE; no sourcemaps, no loose shaders', () => {
    const names = files.map((f) => f.path);
    for (const name of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/core.js', 'dist/nn.js', 'dist/masks.js', 'dist/node.js', 'dist/cli.js', 'dist/browser-train.js', 'dist/types/index.d.ts', 'dist/types-ts5/index.d.ts']) {
      expect(names).toContain(name);
    }
    expect(names.filter((n) => n.endsWith('.map'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.wgsl'))).toEqual([]);
    expect(readFileSync('LICENSE', 'utf8')).toContain('Apache License');
  });

  it('loads wgsl_reflect only from the run-time reflection chunk, through a dynamic import', () => {
    const chunks = readdirSync('dist/chunks').map((f) => `dist/chunks/${f}`);
    const importers = [...chunks, ...readdirSync('dist').filter((f) => f.endsWith('.js') && !['cli.js', 'browser-train.js'].includes(f)).map((f) => `dist/${f}`)].filter((f) => /^import[^;]*wgsl_reflect/m.test(readFileSync(f, 'utf8')));
    expect(importers).toHaveLength(1);
    expect(importers[0]).toMatch(/wgsl-parser-\w+\.js$/);
  });

  it('a minified browser bundle of createContext + eoi + csrMatmul loads at most 120 kB first', async () => {
    const { initial } = await bundleSize(['createContext', 'eoi', 'csrMatmul']);
    expect(initial).toBeLessThanOrEqual(120_000);
  });
});

describe.each([5, 7] as const)('installed offline, TypeScript %i', (ts) => {
  const dir = path.join(work, `consumer-ts${ts}`);
  beforeAll(() => {
    if (!existsSync(TSC[ts])) throw new Error(`${TSC[ts]} is missing: run bash scripts/setup.sh`);
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    const manifest = { name: `consumer-ts${ts}`, private: true, type: 'module', dependencies: { orthosparse: `file:${tarball}` } };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(consumerLock(manifest)));
    for (const f of ['consumer.ts', 'tsconfig.json', 'tsconfig.bundler.json']) copyFileSync(path.join(root, 'test/package/consumer', f), path.join(dir, f));
    sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
  }, 300_000);

  it('type-checks strictly (NodeNext and Bundler resolution) and runs in Node', () => {
    expect(existsSync(path.join(dir, 'node_modules/@webgpu/types'))).toBe(true); // a dependency
    expect(existsSync(path.join(dir, 'node_modules/webgpu'))).toBe(false); // an optional peer
    sh(process.execPath, [TSC[ts], '-p', 'tsconfig.bundler.json'], dir);
    sh(process.execPath, [TSC[ts], '-p', 'tsconfig.json'], dir);
    const out = JSON.parse(sh(process.execPath, ['out/consumer.js'], dir));
    expect(out).toMatchObject({ nnz: expect.any(Number), sameAsCore: true, recipeParts: expect.any(Number), mnistFiles: 4, classes: true });
    expect(out.orthogonalityError).toBeLessThan(1e-5);
    // Without the optional webgpu peer, createContext says what to install.
    expect(out.gpu).toMatch(/^no WebGPU: .*npm install webgpu/);
  });

  it('runs the installed CLI: --version, and a flag error before any data loads', () => {
    const bin = path.join(dir, 'node_modules/.bin/orthosparse');
    expect(sh(bin, ['--version'], dir).trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    let stderr = '';
    try {
      sh(bin, ['train', '--density', '2'], dir);
    } catch (error) {
      stderr = String((error as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(/--density must be a number in \(0, 1\], got '2'/);
  });
});
