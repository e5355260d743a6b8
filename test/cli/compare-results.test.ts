// compare's results files (writeResults, which bench/merge-compare.ts also calls) on arms merged
// from runs with their own optimizer, batch or budget: each such arm keeps a row and a grid cell of
// its own, named by what differs, and the header names only what every arm shares.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArmResult, writeResults } from '../../src/cli/compare-command.js';
import type { OptimizerSpec } from '../../src/train/optimizer-spec.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-compare-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An arm as compare records it, holding the fields the results files read. */
function arm(method: string, seed: number, accuracy: number, optimizer: OptimizerSpec, batchSize = 32, steps = 300): ArmResult {
  const result = {
    spec: { model: { kind: 'mlp', depth: 3, width: 16, init: method, activation: 'tanh', sigmaW: 1, sigmaB: 0 }, optimizer, batchSize, epochs: 1, seed },
    adapter: 'test adapter',
    history: { steps: [{ step: 10, epoch: 0, loss: 1.5, accuracy: 0.5 }], evals: [{ step: 10, loss: 1.4, accuracy }], samplesPerSecond: 100, totalSteps: steps },
    test: { loss: 1.2, accuracy },
    parameters: 100,
    elapsedMs: 1000,
  } as unknown as ArmResult['result'];
  return { label: `${method} d=0.1`, method, recipe: 'none', density: 0.1, seed, result };
}

function written(name: string, arms: ArmResult[]): { md: string; cells: string[] } {
  const out = path.join(dir, name);
  mkdirSync(out);
  writeResults(out, arms, [], ['--test']);
  const md = readFileSync(path.join(out, 'results.md'), 'utf8');
  // The summary table's rows: after its header and separator, up to the blank line.
  const lines = md.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| method |')) + 2;
  return { md, cells: lines.slice(start, lines.indexOf('', start)) };
}

const SGD = (lr: number): OptimizerSpec => ({ kind: 'sgd', lr, momentum: 0.9 });

describe('compare results of merged runs', () => {
  it('averages the seeds of one arm and names the shared settings once', () => {
    const { md, cells } = written('same', [arm('eoi', 0, 0.8, SGD(0.01)), arm('eoi', 1, 0.9, SGD(0.01)), arm('uniform', 0, 0.7, SGD(0.01))]);
    expect(md).toContain('optimizer sgd lr 0.01 momentum 0.9; batch 32; 300 steps per run.');
    expect(cells).toEqual(['| eoi | 85.0 |', '| uniform | 70.0 |']);
    expect(md).toContain('| eoi d=0.1 | ');
    expect(md).not.toContain('[');
  });

  it('keeps arms trained with another learning rate, batch or budget apart, named by what differs', () => {
    const arms = [arm('dense', 0, 0.1, SGD(0.01)), arm('dense', 0, 0.9, SGD(0.003)), arm('eoi', 0, 0.8, SGD(0.01))];
    const { md, cells } = written('lr', arms);
    expect(md).toContain('batch 32; 300 steps per run; optimizer in each run\'s name.');
    expect(cells).toEqual(['| dense [optimizer sgd lr 0.01 momentum 0.9] | 10.0 |', '| dense [optimizer sgd lr 0.003 momentum 0.9] | 90.0 |', '| eoi [optimizer sgd lr 0.01 momentum 0.9] | 80.0 |']);
    expect(md).toContain('| dense d=0.1 [optimizer sgd lr 0.003 momentum 0.9] | ');

    const budgets = written('budget', [arm('eoi', 0, 0.8, SGD(0.01), 32, 300), arm('eoi', 1, 0.6, SGD(0.01), 64, 100)]);
    expect(budgets.md).toContain("optimizer sgd lr 0.01 momentum 0.9 per run; batch, steps in each run's name.");
    expect(budgets.cells).toEqual(['| eoi [batch 32, 300 steps] | 80.0 |', '| eoi [batch 64, 100 steps] | 60.0 |']);
  });
});
