// --format with --model cnn, end to end in Node (Dawn): a tiny BSR CNN trained on a slice of MNIST
// by train and by compare, its model file loading back as BSR; the refusals name the flag.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../../src/cli/compare-command.js';
import { parseTrainArgs, trainCommand } from '../../src/cli/train-command.js';
import { createContext } from '../../src/gpu/context.js';
import { loadModel } from '../../src/nn/model.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-cnn-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// One test image's Jacobian: a CNN's over 128 training images would dominate these runs.
const CNN = ['--model', 'cnn', '--depth', '1', '--channels', '8', '--stem', '2', '--init', 'uniform', '--density', '0.5', '--lr', '0.05', '--batch', '32', '--max-steps', '4', '--train-limit', '128', '--test-limit', '64', '--jacobian', 'hidden-test-example'];

function quietly<T>(run: () => Promise<T>): Promise<T> {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(console, 'log').mockImplementation(() => {});
  return run().finally(() => vi.restoreAllMocks());
}

describe('--format with --model cnn', () => {
  it('parses into the CNN config: csr by default, { bsr } for bsr4, bsr8, bsr16', () => {
    expect(parseTrainArgs(CNN).spec.model.format).toBe('csr');
    for (const bsr of [4, 8, 16]) expect(parseTrainArgs([...CNN, '--format', `bsr${bsr}`]).spec.model.format).toEqual({ bsr });
  });

  it('train --format bsr8 trains a BSR CNN whose model file loads back with BSR convolutions', async () => {
    const out = path.join(dir, 'train');
    const result = await quietly(() => trainCommand([...CNN, '--format', 'bsr8', '--out', out]));
    expect(result.history.totalSteps).toBe(4);
    expect(result.spec.model).toMatchObject({ kind: 'cnn', format: { bsr: 8 } });
    const ctx = await createContext();
    try {
      const { model, config } = loadModel(ctx, readFileSync(path.join(out, 'model.osm')));
      expect(config).toMatchObject({ kind: 'cnn', format: { bsr: 8 } });
      const convs = model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d);
      expect(convs.map((l) => l.format)).toEqual([{ bsr: 8 }, { bsr: 8 }, { bsr: 8 }]);
      model.destroy();
    } finally {
      ctx.destroy();
    }
  });

  it('compare --format bsr4 runs its CNN arms in BSR and records the format', async () => {
    const out = path.join(dir, 'compare');
    const results = await quietly(() => compareCommand([...CNN, '--format', 'bsr4', '--inits', 'uniform,delta-orthogonal', '--out', out]));
    expect(results.map((r) => r.label)).toEqual(['uniform d=0.5', 'delta-orthogonal']);
    for (const r of results) expect(r.result.spec.model).toMatchObject({ kind: 'cnn', format: { bsr: 4 } });
    expect(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'))[0].result.spec.model.format).toEqual({ bsr: 4 });
  });

  it('refuses block sizes a convolution cannot use and recipes that fold into CSR, naming the flag', async () => {
    expect(() => parseTrainArgs([...CNN, '--format', 'bsr32'])).toThrow(/^--format must be one of csr, bsr4, bsr8, bsr16 with --model cnn, got 'bsr32'$/);
    expect(() => parseTrainArgs(['--format', 'bsr32']).spec.model.format).not.toThrow();
    await expect(compareCommand([...CNN, '--format', 'bsr4', '--recipes', 'none,released', '--out', path.join(dir, 'bad')])).rejects.toThrow(
      /^--recipes: 'released' folds the released skips into CSR convolutions; it needs --format csr with --model cnn$/,
    );
  });
});
