// The TypeScript examples in README.md and docs/*.md type-check against the library's sources, so
// a renamed function or a changed option shape cannot leave the documentation behind. Each ```ts
// block becomes a module importing 'orthosparse' (mapped to src/); the values an example takes
// from its reader (an input batch, your GPUDevice) are declared as `any`, and only the names
// listed here may be left undeclared: a new one fails the test, naming it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve('.');
const work = path.join(root, 'test/artifacts/doc-snippets');
const PLACEHOLDERS = new Set(['a', 'b', 'm', 'k', 'n', 'x', 'labels', 'batch', 'data', 'spec', 'model', 'loss', 'optimizer', 'device', 'myActivations', 'inFeatures', 'outFeatures']);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function tsBlocks(file: string): Array<{ line: number; code: string }> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Array<{ line: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** tsc's diagnostics for the snippets, each `file(line,col): error TSxxxx: message`. */
function typeCheck(placeholders: readonly string[]): string[] {
  writeFileSync(path.join(work, 'placeholders.d.ts'), placeholders.map((name) => `declare const ${name}: any;`).join('\n') + '\n');
  const tsconfig = {
    extends: '../../../tsconfig.json',
    compilerOptions: { rootDir: '../../..', noUnusedLocals: false, paths: { orthosparse: ['../../../src/index.ts'], 'orthosparse/*': ['../../../src/*.ts'] } },
    include: ['*.ts', '../../../src/wgsl.d.ts'],
    exclude: [],
  };
  writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return [];
  } catch (error) {
    // tsc failed: its diagnostics, or (a crash, a missing binary) everything it said.
    const out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}` || String(error);
    const diagnostics = out.split('\n').filter((l) => /error TS\d+/.test(l));
    return diagnostics.length > 0 ? diagnostics : [out];
  }
}

it('every TypeScript example in README.md and docs/ type-checks', () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const where = new Map<string, string>();
  for (const doc of docs) {
    for (const { line, code } of tsBlocks(path.join(root, doc))) {
      const file = `${doc.replace(/[/.]/g, '_')}_${line}.ts`;
      where.set(file, `${doc}:${line}`);
      writeFileSync(path.join(work, file), `${code}\nexport {};\n`);
    }
  }
  expect(where.size, 'README.md has TypeScript examples').toBeGreaterThan(3);
  const errors = typeCheck([...PLACEHOLDERS]);
  const named = (l: string) => l.replace(/^(\S+?)\.ts\((\d+),\d+\)/, (_, f: string, n: string) => `${where.get(`${path.basename(f)}.ts`) ?? f} (line ${n} of the block)`);
  expect(errors.map(named)).toEqual([]);
}, 240_000);
