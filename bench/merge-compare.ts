/**
 * Merges the results of compare commands that ran one arm (or a few) each, so that a long grid can
 * release the GPU between arms: `node scripts/run.mjs bench/merge-compare.ts --out DIR --note TEXT
 * RUN_DIR...` reads each RUN_DIR/results.json and writes DIR/results.md, results.json, curves.svg
 * and grid.svg as one compare run would, the header naming every run's own command.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type ArmResult, writeResults } from '../src/cli/compare-command.js';

const { values, positionals } = parseArgs({ options: { out: { type: 'string' }, note: { type: 'string', default: '' } }, allowPositionals: true });
if (!values.out || positionals.length === 0) {
  console.error('usage: node scripts/run.mjs bench/merge-compare.ts --out DIR [--note TEXT] RUN_DIR...');
  process.exit(2);
}
const results: ArmResult[] = positionals.flatMap((dir) => JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ArmResult[]);
const commands = positionals.map((dir) => readFileSync(path.join(dir, 'results.md'), 'utf8').split('\n')[0]!.replace(/^Command: `orthosparse compare /, '').replace(/`$/, ''));
mkdirSync(values.out, { recursive: true });
const written = writeResults(values.out, results, [], [`(merged: ${values.note || `${positionals.length} runs`}) ${commands.join(' ; ')}`]);
console.log(`wrote ${written.map((f) => path.join(values.out!, f)).join(', ')} from ${results.length} arms`);
