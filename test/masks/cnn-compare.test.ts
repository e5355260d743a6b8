// `orthosparse compare --model cnn --masks …` end to end in Node (Dawn): a tiny CNN on a slice of
// MNIST, checked for what it runs and writes, not for how well it trains.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../../src/cli/compare-command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-cnn-masks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// One test image's Jacobian: a CNN's over the training batch would dominate these runs.
const CNN = ['--model', 'cnn', '--depth', '1', '--channels', '4', '--stem', '2', '--activation', 'relu', '--lr', '0.05', '--batch', '16', '--max-steps', '3', '--train-limit', '64', '--test-limit', '32', '--jacobian', 'hidden-test-example'];

describe('orthosparse compare --model cnn --masks', () => {
  it('trains a CNN per mask method (SNIP, SynFlow+EOI), lists what SAO cannot make, and writes the tables', async () => {
    const out = path.join(dir, 'compare');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const results = await compareCommand([...CNN, '--masks', 'snip,synflow+eoi,sao', '--densities', '0.3', '--out', out]);
    vi.restoreAllMocks();
    expect(results.map((r) => r.label)).toEqual(['snip d=0.3', 'synflow+eoi d=0.3']);
    for (const { result } of results) {
      expect(result.spec.model).toMatchObject({ kind: 'cnn', channels: 4, stem: 2, depth: 1 });
      expect(result.history.totalSteps).toBe(3);
      // 1 -> 4, 4 -> 4, 4 -> 4 channels of 3x3 filters: 36 + 144 + 144 weights.
      expect(result.mask!.layerNnz.length).toBe(3);
    }
    expect(results[0]!.result.mask!.layerNnz.reduce((a, b) => a + b)).toBe(Math.round(0.3 * 324));
    expect(results[1]!.result.mask!.method).toBe('synflow+eoi');
    const md = readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| snip \| \d+\.\d \|/);
    expect(md).toMatch(/^- sao d=0\.3: method sao builds linear layers only/m);
    // The method x recipe table again as a heatmap: the same one-decimal accuracies, row by row.
    const grid = readFileSync(path.join(out, 'grid.svg'), 'utf8');
    const cells = [...grid.matchAll(/text-anchor="middle" fill="(?:white|black)">([^<]*)</g)].map((m) => m[1]);
    expect(cells).toEqual(results.map((r) => (100 * r.result.test.accuracy).toFixed(1)));
    expect(grid).toContain('>synflow+eoi</text>');
  });
});
