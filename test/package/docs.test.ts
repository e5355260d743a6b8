// The API reference builds: TypeDoc over every entry point with warnings as errors (every exported
// name documented, nothing referenced that is not exported, no broken link), as `npm run docs` runs it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve('.');
const out = mkdtempSync(path.join(tmpdir(), 'orthosparse-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('TypeDoc builds the API reference with no warning', () => {
  const typedoc = path.join(root, 'docs/tools/node_modules/typedoc/bin/typedoc');
  expect(existsSync(typedoc), 'docs/tools is installed by scripts/setup.sh').toBe(true);
  const log = execFileSync(process.execPath, [typedoc, '--options', 'docs/typedoc.json', '--out', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(log).not.toMatch(/warning|error/i);
  expect(existsSync(path.join(out, 'index.html'))).toBe(true);
}, 240_000);
