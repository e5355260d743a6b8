// The command-line runners end to end in Node (Dawn): tiny models on a slice of MNIST, checked for
// what they write, not for how well they train.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../src/cli/compare-command.js';
import { trainCommand } from '../src/cli/train-command.js';
import { createContext } from '../src/gpu/context.js';
import { loadModel } from '../src/nn/model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => vi.spyOn(console, 'log').mockImplementation(() => {});
const TINY = ['--depth', '3', '--width', '16', '--activation', 'relu', '--sigma-w', '1.4142', '--sigma-b', '0', '--lr', '0.05', '--batch', '32', '--max-steps', '6', '--train-limit', '256', '--test-limit', '200'];

describe('orthosparse compare', () => {
  it('runs every mask x recipe x density, reports what it could not build, and writes the tables and plots', async () => {
    const out = path.join(dir, 'compare');
    quiet();
    const results = await compareCommand([...TINY, '--inits', '', '--masks', 'random,sao', '--recipes', 'none,skip', '--densities', '0.1,0.05', '--out', out]);
    vi.restoreAllMocks();
    expect(results.map((r) => r.label)).toEqual(['random d=0.1', 'random d=0.05', 'random d=0.1 +skip', 'random d=0.05 +skip']);
    const json = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(json).toHaveLength(4);
    expect(json[0].result.test.accuracy).toBeGreaterThanOrEqual(0);
    expect(json[0].result.history.totalSteps).toBe(6);
    // With a recipe, the spectrum of the network the first step trains (here: with the ghost skips) too.
    expect(json[0].result.jacobianAtStart).toBeUndefined();
    expect(json[2].result.jacobianAtStart.mean).toBeGreaterThan(0);
    expect(json[2].result.jacobianAtStart.mean).not.toBe(json[2].result.jacobian.mean);
    const md = readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(md).toContain('| method | none d=0.1 | none d=0.05 | skip d=0.1 | skip d=0.05 |');
    expect(md).toMatch(/\| random \| \d+\.\d \| \d+\.\d \| \d+\.\d \| \d+\.\d \|/);
    // SAO cannot make a 784-input layer at 0.1 or 0.05: listed, with its reason, for both recipes.
    expect(md.match(/^- sao d=0\.\d+( \+skip)?: .*densit/gm)).toHaveLength(4);
    const svg = readFileSync(path.join(out, 'curves.svg'), 'utf8');
    for (const title of ['training loss', 'test accuracy (subset during training)', 'test accuracy vs density']) expect(svg).toContain(title);
  });

  it('names the option and the allowed values on bad input', async () => {
    await expect(compareCommand([...TINY, '--recipes', 'none,bogus', '--out', path.join(dir, 'bad')])).rejects.toThrow(/--recipes: recipe must be none, all, released, or parts from soft, released-soft, skip, released-skip, lrsi, lrsi-sqrt, released-lrsi, ls joined by '\+', got 'bogus'/);
    await expect(compareCommand([...TINY, '--masks', 'snip+xyz', '--out', path.join(dir, 'bad')])).rejects.toThrow(/snip\+xyz/);
  });
});

describe('orthosparse train', () => {
  it('trains, then writes the log, the curves and the model file', async () => {
    const out = path.join(dir, 'train');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    quiet();
    const result = await trainCommand([...TINY, '--init', 'eoi', '--density', '0.25', '--out', out]);
    vi.restoreAllMocks();
    expect(stderr).toHaveBeenCalled(); // stages and progress go to stderr
    expect(result.history.totalSteps).toBe(6);
    for (const file of ['log.json', 'curves.svg', 'model.osm']) expect(existsSync(path.join(out, file))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'log.json'), 'utf8')).test.accuracy).toBe(result.test.accuracy);
  });

  it('trains a CNN (--model cnn) and saves a model file that loads back as that CNN', async () => {
    const out = path.join(dir, 'train-cnn');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    quiet();
    const cnn = ['--model', 'cnn', '--depth', '2', '--channels', '4', '--stem', '2', '--init', 'eoi', '--density', '0.5', '--activation', 'tanh'];
    const result = await trainCommand([...TINY.filter((_, i) => i >= 8), ...cnn, '--out', out]);
    vi.restoreAllMocks();
    expect(result.history.totalSteps).toBe(6);
    expect(result.spec.model).toMatchObject({ kind: 'cnn', architecture: 'vanilla', depth: 2, channels: 4, stem: 2, init: 'eoi', paddingMode: 'circular', inputShape: [1, 28, 28] });
    expect(result.jacobian!.mean).toBeGreaterThan(0);
    const ctx = await createContext();
    try {
      const { model, config } = loadModel(ctx, readFileSync(path.join(out, 'model.osm')));
      expect(config).toMatchObject({ kind: 'cnn', channels: 4 });
      expect(model.layers.map((l) => l.kind)).toEqual(['sparse-conv2d', 'activation', 'sparse-conv2d', 'activation', 'sparse-conv2d', 'activation', 'sparse-conv2d', 'activation', 'global-avg-pool', 'linear']);
      model.destroy();
    } finally {
      ctx.destroy();
    }
  });

  it('refuses CNN options it cannot honour, naming the flag', async () => {
    const cnn = [...TINY, '--model', 'cnn', '--out', path.join(dir, 'bad-cnn')];
    await expect(trainCommand([...cnn, '--init', 'dense-orthogonal'])).rejects.toThrow(/--init must be one of eoi, uniform, erk, masked-delta-orthogonal, delta-orthogonal, dense-gaussian with --model cnn, got 'dense-orthogonal'/);
    await expect(trainCommand([...cnn, '--format', 'bsr32'])).rejects.toThrow(/--format must be one of csr, bsr4, bsr8, bsr16 with --model cnn, got 'bsr32'/);
    await expect(trainCommand([...cnn, '--padding', 'reflect'])).rejects.toThrow(/--padding must be one of zeros, circular, got 'reflect'/);
    await expect(trainCommand([...TINY, '--model', 'rnn'])).rejects.toThrow(/--model must be one of mlp, cnn, got 'rnn'/);
    await expect(trainCommand([...cnn, '--architecture', 'resnet'])).rejects.toThrow(/--architecture must be one of vanilla, vgg, got 'resnet'/);
  });
});
