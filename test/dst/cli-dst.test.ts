// The --dst flags: checked before anything loads (CPU), and SET / RigL training end to end from the
// command line in Node (Dawn) on a slice of MNIST (MLPs, and a CNN with RigL), checked for what they
// write and that the masks moved.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compareCommand } from '../../src/cli/compare-command.js';
import { parseTrainArgs, trainCommand } from '../../src/cli/train-command.js';
import { checkDstSpec } from '../../src/dst/dynamic.js';
import { checkDstOptions, dstFraction } from '../../src/dst/schedule.js';
import { createContext } from '../../src/gpu/context.js';
import { buildModel } from '../../src/nn/model.js';
import { decodeModelFile } from '../../src/nn/model-file.js';
import { mlpShapes } from '../../src/nn/mlp.js';
import { SparseConv2d } from '../../src/nn/sparse-conv2d.js';
import { bsrFromCsr } from '../../src/sparse/bsr.js';
import { convBsrFromCsr } from '../../src/sparse/conv-bsr.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-dst-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TINY = ['--depth', '3', '--width', '16', '--activation', 'relu', '--sigma-w', '1.4142', '--sigma-b', '0', '--lr', '0.05', '--batch', '32', '--max-steps', '8', '--train-limit', '256', '--test-limit', '200'];
const out = (name: string) => ['--out', path.join(dir, name)];
// A stride-2 stem and one body convolution of 8 channels (sparse: every convolution has a CSR filter).
// One test image's Jacobian: a CNN's over 128 training images would dominate these runs.
const CNN = ['--model', 'cnn', '--depth', '1', '--channels', '8', '--stem', '1', '--init', 'uniform', '--density', '0.3', '--lr', '0.05', '--batch', '32', '--max-steps', '8', '--train-limit', '256', '--test-limit', '64', '--jacobian', 'hidden-test-example'];

describe('--dst flags', () => {
  it('become TrainSpec.dst, T_end defaulting to 3/4 of the run', () => {
    const { spec } = parseTrainArgs([...TINY, '--dst', 'rigl', '--dst-every', '2', ...out('a')]);
    expect(spec.dst).toEqual({ method: 'rigl', every: 2, fraction: 0.3, until: 6, seed: 0 });
    expect(parseTrainArgs([...TINY, ...out('b')]).spec.dst).toBeUndefined();
  });

  it('name the flag and its range on bad input', () => {
    const bad = (flags: string[]) => () => parseTrainArgs([...TINY, ...flags, ...out('bad')]);
    expect(bad(['--dst', 'prune'])).toThrow(/--dst must be one of set, rigl, got 'prune'/);
    expect(bad(['--dst', 'set', '--dst-fraction', '1'])).toThrow(/--dst-fraction must be a number in \(0, 1\)/);
    expect(bad(['--dst', 'set', '--dst-fraction', '0'])).toThrow(/--dst-fraction must be a number in \(0, 1\)/);
    expect(bad(['--dst', 'set', '--dst-every', '0'])).toThrow(/--dst-every must be an integer in \[1,/);
    expect(bad(['--dst', 'set', '--dst-every', '10', '--dst-until', '5'])).toThrow(/--dst-until must be an integer in \[10,.*T_end/);
    expect(bad(['--dst-every', '10'])).toThrow(/--dst-every needs --dst/);
    expect(bad(['--dst', 'set', '--init', 'dense-orthogonal'])).toThrow(/--dst needs sparse layers; --init dense-orthogonal is dense/);
    expect(bad(['--dst', 'set', '--format', 'bsr4', '--init', 'uniform'])).toThrow(/--dst with --format bsr4 moves whole blocks: it needs block masks \(add --block-mask/);
    expect(bad(['--block-mask', '--init', 'uniform'])).toThrow(/--block-mask needs --format bsr4 \| bsr8/);
    expect(bad(['--block-mask', '--format', 'bsr8'])).toThrow(/--block-mask needs --init uniform or erk .*got --init eoi/);
    expect(bad(['--block-mask', '--format', 'bsr32', '--init', 'erk', '--model', 'cnn', '--depth', '1'])).toThrow(/--format must be one of csr, bsr4, bsr8, bsr16/);
    expect(bad(['--block-mask', '--init', 'erk', '--model', 'cnn', '--depth', '1'])).toThrow(/--block-mask needs --format bsr4 \| bsr8 \| bsr16 \(/);
    expect(bad(['--dst', 'rigl', '--model', 'cnn', '--depth', '1', '--init', 'uniform', '--format', 'bsr8'])).toThrow(/--dst with --format bsr8 moves whole blocks: it needs block masks \(add --block-mask/);
    expect(parseTrainArgs([...CNN, '--format', 'bsr4', '--block-mask', '--dst', 'set', ...out('cnn-blocks')]).spec.model).toMatchObject({ kind: 'cnn', format: { bsr: 4 }, blockMask: true });
    expect(parseTrainArgs([...CNN, '--dst', 'rigl', ...out('cnn-parse')]).spec.dst).toEqual({ method: 'rigl', every: 100, fraction: 0.3, until: 100, seed: 0 });
  });
});

describe('dst options in code', () => {
  it('refuse a fraction outside (0, 1), ΔT <= 0 and T_end < ΔT, naming the option', () => {
    const ok = { method: 'set', every: 10, fraction: 0.3, until: 100 };
    expect(checkDstOptions(ok)).toEqual({ ...ok, seed: 0, chunkEntries: undefined });
    expect(() => checkDstOptions({ ...ok, fraction: 1 })).toThrow(new RangeError('dst.fraction must be a number in (0, 1), got 1'));
    expect(() => checkDstOptions({ ...ok, fraction: -0.1 })).toThrow(RangeError);
    expect(() => checkDstOptions({ ...ok, fraction: '0.3' })).toThrow(TypeError);
    expect(() => checkDstOptions({ ...ok, every: 0 })).toThrow(/dst.every must be an integer in \[1,/);
    expect(() => checkDstOptions({ ...ok, until: 5 })).toThrow(/dst.until \(T_end\) must be at least dst.every \(10\), got 5/);
    expect(() => checkDstOptions({ ...ok, method: 'snip' })).toThrow(/dst.method must be one of set, rigl/);
  });

  it('on BSR storage need block masks from the init: refused otherwise, naming the fix', () => {
    const dst = { method: 'rigl', every: 10, fraction: 0.3, until: 100 };
    const model = { inputs: 20, width: 16, depth: 3, classes: 10, density: 0.3, init: 'erk', activation: 'relu', sigmaW: 1, sigmaB: 0, seed: 0, format: { bsr: 8 } } as const;
    expect(() => checkDstSpec(model, false, dst)).toThrow(/spec.dst: dynamic sparsity on format \{"bsr":8\} moves whole blocks.*model.blockMask is not set: set model.blockMask: true/);
    expect(() => checkDstSpec({ ...model, blockMask: true }, true, dst)).toThrow(/a mask method's masks are elementwise/);
    expect(() => checkDstSpec({ ...model, blockMask: true }, false, dst)).not.toThrow();
  });

  it('schedule: updates every ΔT up to T_end on the cosine decay, none after', () => {
    const o = { every: 10, fraction: 0.4, until: 40 };
    expect([0, 5, 10, 20, 30, 40, 50].map((t) => dstFraction(o, t))).toEqual([0, 0, 0.2 * (1 + Math.cos(Math.PI / 4)), 0.2, 0.2 * (1 + Math.cos((3 * Math.PI) / 4)), 0, 0]);
  });
});

describe('orthosparse train / compare --dst', () => {
  it('trains with SET and RigL from the command line; the saved model keeps each layer’s count', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const rigl = await trainCommand([...TINY, '--init', 'uniform', '--density', '0.2', '--dst', 'rigl', '--dst-every', '2', '--dst-fraction', '0.5', ...out('rigl')]);
    const set = await trainCommand([...TINY, '--init', 'uniform', '--density', '0.2', '--dst', 'set', '--dst-every', '2', '--dst-fraction', '0.5', ...out('set')]);
    const staticRun = await trainCommand([...TINY, '--init', 'uniform', '--density', '0.2', ...out('static')]);
    vi.restoreAllMocks();
    for (const r of [rigl, set]) {
      expect(r.history.dst!.map((u) => u.step)).toEqual([2, 4]);
      for (const u of r.history.dst!) expect(u.moved.every((k) => k > 0)).toBe(true);
      expect(r.test.accuracy).toBeGreaterThanOrEqual(0);
    }
    const log = JSON.parse(readFileSync(path.join(dir, 'rigl', 'log.json'), 'utf8'));
    expect(log.spec.dst).toEqual({ method: 'rigl', every: 2, fraction: 0.5, until: 6, seed: 0 });
    expect(rigl.parameters).toBe(staticRun.parameters);
  });

  it('trains a CNN with RigL from the command line; the saved convolutions moved, their counts kept', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rigl = await trainCommand([...CNN, '--dst', 'rigl', '--dst-every', '2', '--dst-fraction', '0.5', ...out('cnn-rigl')]);
    vi.restoreAllMocks();
    // The masks it started from: the same config built again, untrained.
    const ctx = await createContext();
    let before: Uint32Array[];
    try {
      const model = buildModel(ctx, rigl.spec.model);
      before = model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d).map((l) => l.mask.colIdx);
      model.destroy();
    } finally {
      ctx.destroy();
    }
    expect(before).toHaveLength(2);
    // T_end defaults to 3/4 of the 8 steps: updates after steps 2 and 4, each moving round(f·nnz) taps of both convolutions.
    expect(rigl.history.dst!.map((u) => u.step)).toEqual([2, 4]);
    for (const u of rigl.history.dst!) expect(u.moved).toEqual(before.map((c) => Math.round(u.fraction * c.length)));
    const file = decodeModelFile(readFileSync(path.join(dir, 'cnn-rigl', 'model.osm')));
    const after = [0, 1].map((l) => file.tensors.get(`${l}.colIdx`) as Uint32Array);
    after.forEach((c, l) => expect(c.length).toBe(before[l]!.length));
    expect(after[1]).not.toEqual(before[1]);
  });

  it('trains a CNN stored in blocks of 4 with block masks under RigL; the saved convolutions stay whole blocks, their block counts kept', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const blocks = ['--channels', '16', '--format', 'bsr4', '--block-mask'];
    const flags = [...CNN, ...blocks, '--dst-every', '2', '--dst-fraction', '0.5'];
    const rigl = await trainCommand([...flags, '--dst', 'rigl', ...out('cnn-bsr-rigl')]);
    vi.restoreAllMocks();
    const shapes = [{ cIn: 1, kh: 3, kw: 3 }, { cIn: 16, kh: 3, kw: 3 }];
    const asBlocks = (masks: Array<{ rowPtr: Uint32Array; colIdx: Uint32Array }>) =>
      masks.map((m, l) => convBsrFromCsr({ rows: 16, cols: shapes[l]!.cIn * 9, ...m, values: new Float32Array(m.colIdx.length) }, shapes[l]!, 4));
    // The masks it started from: the same config built again, untrained.
    const ctx = await createContext();
    let before: ReturnType<typeof asBlocks>;
    try {
      const model = buildModel(ctx, rigl.spec.model);
      before = asBlocks(model.layers.filter((l): l is SparseConv2d => l instanceof SparseConv2d).map((l) => l.mask));
      model.destroy();
    } finally {
      ctx.destroy();
    }
    // Whole blocks from the init: 4 x 1 blocks of the stem (one input channel, padded), 4 x 4 of the body, 0.3 of each.
    expect(before.map((f) => [f.elementMask, f.colIdx.length])).toEqual([[undefined, 1], [undefined, 5]]);
    expect(rigl.history.dst!.map((u) => u.step)).toEqual([2, 4]);
    for (const u of rigl.history.dst!) expect(u.moved).toEqual(before.map((f) => Math.round(u.fraction * f.colIdx.length)));
    const file = decodeModelFile(readFileSync(path.join(dir, 'cnn-bsr-rigl', 'model.osm')));
    const after = asBlocks(shapes.map((_, l) => ({ rowPtr: file.tensors.get(`${l}.rowPtr`) as Uint32Array, colIdx: file.tensors.get(`${l}.colIdx`) as Uint32Array })));
    after.forEach((f, l) => {
      expect(f.elementMask).toBeUndefined();
      expect(f.colIdx.length).toBe(before[l]!.colIdx.length);
    });
    expect(after[1]!.colIdx).not.toEqual(before[1]!.colIdx);
  });

  it('compare runs the sparse arms with DST and the dense baseline without', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const results = await compareCommand([...TINY, '--inits', 'uniform,dense-orthogonal', '--densities', '0.2', '--dst', 'set', '--dst-every', '4', ...out('compare')]);
    vi.restoreAllMocks();
    expect(results.map((r) => r.label)).toEqual(['uniform d=0.2 dst=set', 'dense-orthogonal']);
    expect(results[0]!.result.history.dst).toHaveLength(1);
    expect(results[1]!.result.history.dst).toBeUndefined();
    // The summary table gives the DST arm a row of its own.
    const summary = readFileSync(path.join(dir, 'compare', 'results.md'), 'utf8');
    expect(summary).toMatch(/^\| uniform dst=set \| [\d.]+ \| — \|$/m);
    expect(summary).toMatch(/^\| dense-orthogonal \| — \| [\d.]+ \|$/m);
  });

  it('trains a BSR-8 MLP with block masks under RigL and SET; the saved layers stay whole blocks, their counts kept', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const blocks = ['--init', 'erk', '--density', '0.3', '--format', 'bsr8', '--block-mask'];
    const rigl = await trainCommand([...TINY, ...blocks, '--dst', 'rigl', '--dst-every', '2', '--dst-fraction', '0.5', ...out('bsr-rigl')]);
    const set = await trainCommand([...TINY, ...blocks, '--dst', 'set', '--dst-every', '2', '--dst-fraction', '0.5', ...out('bsr-set')]);
    const staticRun = await trainCommand([...TINY, ...blocks, ...out('bsr-static')]);
    vi.restoreAllMocks();
    const savedBlocks = (name: string) => {
      const file = decodeModelFile(readFileSync(path.join(dir, name, 'model.osm')));
      return mlpShapes({ inputs: 784, width: 16, depth: 3, classes: 10 }).map(([rows, cols], l) => {
        const tensor = (t: string) => file.tensors.get(`${l}.${t}`) as never;
        return bsrFromCsr({ rows, cols, rowPtr: tensor('rowPtr'), colIdx: tensor('colIdx'), values: tensor('values') }, 8);
      });
    };
    const before = savedBlocks('bsr-static');
    for (const [r, name] of [[rigl, 'bsr-rigl'], [set, 'bsr-set']] as const) {
      expect(r.history.dst!.map((u) => u.step)).toEqual([2, 4]);
      // The 784-input layer's 2 x 98 block grid moves round(f·nBlocks) blocks at each update.
      for (const u of r.history.dst!) expect(u.moved[0]).toBe(Math.round(u.fraction * before[0]!.colIdx.length));
      expect(r.parameters).toBe(staticRun.parameters);
      const after = savedBlocks(name);
      after.forEach((m, l) => {
        expect(m.elementMask).toBeUndefined();
        expect(m.colIdx.length).toBe(before[l]!.colIdx.length);
      });
      expect(after[0]!.colIdx).not.toEqual(before[0]!.colIdx);
    }
  });

  it('compare runs BSR block-mask arms with DST', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const results = await compareCommand([...TINY, '--init', 'uniform', '--inits', 'uniform,dense-orthogonal', '--densities', '0.3', '--format', 'bsr8', '--block-mask', '--dst', 'rigl', '--dst-every', '4', ...out('bsr-compare')]);
    vi.restoreAllMocks();
    expect(results.map((r) => r.label)).toEqual(['uniform d=0.3 dst=rigl', 'dense-orthogonal']);
    expect(results[0]!.result.history.dst).toHaveLength(1);
  });
});
