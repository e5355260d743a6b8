// bench/device-experiments.txt is run on a lent GPU machine, where a session has minutes and a
// rejected flag costs the run: every line must parse and name arms here, split by the same shell
// quoting that bench/device.sh uses (eval "set -- …"). No GPU, no data.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planCompare } from '../../src/cli/compare-command.js';
import { shellWords } from '../harness/shell-words.js';

const lines = readFileSync('bench/device-experiments.txt', 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, ''))
  .filter((line) => line.includes('|'));

describe('bench/device-experiments.txt', () => {
  it('lists experiments with distinct names', () => {
    const names = lines.map((line) => line.slice(0, line.indexOf('|')).trim());
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9.+-]*$/);
  });

  it.each(lines.map((line) => [line.slice(0, line.indexOf('|')).trim(), line.slice(line.indexOf('|') + 1)]))('%s: a compare command whose every flag is accepted', (_name, args) => {
    const [command, ...argv] = shellWords(args); // argv as device.sh's eval gives it to the CLI
    expect(command).toBe('compare');
    // device.sh appends these two; --out and --data-dir must not be in the line itself.
    expect(argv).not.toContain('--out');
    expect(argv).not.toContain('--data-dir');
    const plan = planCompare([...argv, '--data-dir', '/nonexistent', '--out', '/nonexistent']);
    expect(plan.arms.length).toBeGreaterThan(0);
  });
});
