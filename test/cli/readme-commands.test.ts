// Every `orthosparse train` / `orthosparse compare` command the README shows is accepted by the
// CLI's own parser (every flag and value checked, no data read, no GPU), so a renamed flag or a
// changed range cannot leave the README behind. Shell continuations are joined, comments dropped,
// and [bracketed] optional flags left out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planCompare } from '../../src/cli/compare-command.js';
import { parseTrainArgs } from '../../src/cli/train-command.js';
import { shellWords } from '../harness/shell-words.js';

const commands = readFileSync('README.md', 'utf8')
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .flatMap((line, i) => {
    const m = line.match(/(?:^|`|\s)orthosparse (train|compare) ([^`]*)/);
    return m ? [{ where: `README.md:${i + 1}`, command: m[1] as 'train' | 'compare', args: m[2]!.replace(/\s#.*/, '').replace(/\[[^\]]*\]/g, '') }] : [];
  });

describe('the README\'s CLI commands', () => {
  it('include train and compare examples', () => {
    expect(commands.filter((c) => c.command === 'train').length).toBeGreaterThan(2);
    expect(commands.filter((c) => c.command === 'compare').length).toBeGreaterThan(2);
  });

  it.each(commands.map((c) => [`${c.where} ${c.command} ${c.args}`, c] as const))('%s', (_name, { command, args }) => {
    const argv = shellWords(args);
    if (command === 'train') expect(parseTrainArgs(argv).spec).toBeDefined();
    else expect(planCompare(argv).arms.length).toBeGreaterThan(0);
  });
});
