// `orthosparse compare --model cnn --recipes …` end to end in Node (Dawn): a tiny CNN on a slice of
// MNIST, every recipe name once, checked for what it runs and writes, not for how well it trains.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../../src/cli/compare-command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-compare-cnn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CNN = ['--model', 'cnn', '--depth', '1', '--channels', '4', '--stem', '2', '--init', 'eoi', '--density', '0.5', '--activation', 'relu', '--sigma-w', '1.4142', '--sigma-b', '0'];
// One test image's Jacobian: a CNN's over the training batch would dominate these runs.
const RUN = ['--lr', '0.05', '--batch', '8', '--max-steps', '4', '--train-limit', '64', '--test-limit', '16', '--jacobian', 'hidden-test-example'];

describe('orthosparse compare --model cnn --recipes', () => {
  it('runs every recipe on a CNN: the paper-text parts, the released skips, both LRsI forms', async () => {
    const out = path.join(dir, 'recipes');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const recipes = ['all', 'none', 'soft', 'skip', 'released-skip', 'lrsi', 'lrsi-sqrt', 'ls', 'released-skip+lrsi-sqrt+ls'];
    const results = await compareCommand([...CNN, ...RUN, '--inits', 'eoi', '--recipes', recipes.join(','), '--out', out]);
    vi.restoreAllMocks();
    expect(results.map((r) => r.label)).toEqual(recipes.map((r) => (r === 'none' ? 'eoi d=0.5' : `eoi d=0.5 +${r}`)));
    for (const r of results) {
      expect(r.result.history.totalSteps).toBe(4);
      expect(Number.isFinite(r.result.test.loss)).toBe(true);
    }
    const byRecipe = Object.fromEntries(results.map((r) => [r.recipe, r.result.recipe]));
    // 2 stem + 1 body convolutions: LRsI scales one per sparse conv; GradInit first order on a CNN.
    expect(byRecipe.lrsi!.lrsiScales).toHaveLength(3);
    expect(byRecipe.lrsi!.gradinitForm).toEqual({ virtualStep: 'detached', hessian: 'central-difference', on: 'model' });
    expect(byRecipe.all!.gradinit).toHaveLength(180);
    // 1x1 convolutions of 4x1, 4x4, 4x4 weights, folded into the convs (EOI's masks hold most centre taps already).
    expect(byRecipe['released-skip']!.releasedSkips!.weights).toBe(36);
    expect(byRecipe['released-skip']!.releasedSkips!.foldedDensities!.every((d) => d >= 0.5 && d <= 1)).toBe(true);
    expect(byRecipe['released-skip+lrsi-sqrt+ls']!.lrsiScales).toHaveLength(3);
    const md = readFileSync(path.join(out, 'results.md'), 'utf8');
    // The summary puts the arm without a recipe first (the baseline), then the others in the order run.
    expect(md).toContain(`| method | none d=0.5 | all d=0.5 | soft d=0.5 | skip d=0.5 |`);
    expect(md).toContain('| eoi | ');
  }, 300_000); // nine runs, two with 180 GradInit iterations: about a minute alone, over two on a loaded machine

  it('refuses both skip forms at once and the released skips on a dense CNN, naming why', async () => {
    await expect(compareCommand([...CNN, ...RUN, '--recipes', 'skip+released-skip', '--out', path.join(dir, 'bad')])).rejects.toThrow(/--recipes: recipe 'skip\+released-skip': skip and released-skip are two forms of one part/);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const results = await compareCommand([...CNN, ...RUN, '--inits', 'delta-orthogonal', '--recipes', 'released-skip', '--out', path.join(dir, 'dense')]);
    const printed = log.mock.calls.flat().join('\n');
    vi.restoreAllMocks();
    // No sparse convolution to put a 1x1 one beside: the arm is skipped, with the reason.
    expect(results).toHaveLength(0);
    expect(printed).toMatch(/skipped: recipe\.releasedSkips puts a projection beside each sparse layer; this model has none/);
  });
});
