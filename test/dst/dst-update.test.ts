import { describe, expect, it } from 'vitest';
import { denseGradientReference, DST_GROWN, dstSalt, dstUpdateReference, riglGrowKey, setGrowKey, setSequence, setSequenceIndex } from '../../src/dst/reference.js';
import { Rng } from '../../src/random.js';
import { type CsrMatrix, randomCsr, validateCsr } from '../../src/sparse/csr.js';
import { bsrToCsr, randomBsr } from '../../src/sparse/bsr.js';
import { DST_DROP_ONE_WORKGROUP_MAX } from '../../src/kernels/dst.js';
import { CSR_SDDMM_SEGMENT } from '../../src/sparse/gpu-csr.js';
import type { GrowParams, UpdatedLayer } from '../cases/dst.js';
import type { DstUpdateResult } from '../../src/dst/reference.js';
import { describeGpu } from '../harness/gpu.js';
import { patterned } from '../sparse-fixtures.js';
import { expectMatchesReference as expectFullMatch, gradientRowCalls, integers, referenceUpdates as movedAlong } from './dst-fixtures.js';

/** Values in {±0.5, ±1, ±1.5, ...}: many equal magnitudes, so the drop's tie-break is exercised. */
function coarse(w: CsrMatrix, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  return { ...w, values: w.values.map(() => Math.round(rng.nextNormal() * 3) / 2) };
}

interface Shape {
  name: string;
  w: CsrMatrix;
}

/** Shapes whose RigL chunk test also runs with the gradient from the caller's gradientRows. */
const BY_ROWS_SHAPES = ['odd 13x17 d=0.3', 'empty rows and a full row 9x70', 'one row 1x150'];

const SHAPES: Shape[] = [
  { name: 'odd 13x17 d=0.3', w: coarse(randomCsr(13, 17, 0.3, 1), 1) },
  { name: 'empty rows and a full row 9x70', w: coarse(patterned(9, 70, 2, (r, c) => r === 5 || (r % 3 !== 0 && (r * 7 + c) % 5 === 0)), 2) },
  { name: 'one row 1x150', w: coarse(randomCsr(1, 150, 0.2, 3), 3) },
  { name: 'one column 40x1', w: coarse(randomCsr(40, 1, 0.5, 4), 4) },
  { name: 'every position stored 6x7', w: coarse(randomCsr(6, 7, 1, 5), 5) },
  { name: 'wide 5x200 d=0.1', w: randomCsr(5, 200, 0.1, 6) },
  { name: 'single entry 4x9', w: patterned(4, 9, 7, (r, c) => r === 2 && c === 3) },
  // More rows (and, transposed, columns) than the 256 invocations of the row ranks, SDDMM items and Wᵀ's column scan.
  { name: 'tall 300x5 d=0.3', w: coarse(randomCsr(300, 5, 0.3, 8), 8) },
  { name: 'wide 3x700 d=0.05', w: coarse(randomCsr(3, 700, 0.05, 9), 9) },
  // k = nnz needs more than one round (2048 candidates) of the continuation past an empty window.
  { name: 'half full 60x90 d=0.5', w: coarse(randomCsr(60, 90, 0.5, 10), 10) },
];

/**
 * The reference's updates applied in sequence, with the values and a two-section state moved
 * along; `results` collects each update's result.
 */
function referenceUpdates(w: CsrMatrix, state: Float32Array, section: number, steps: Array<{ k: number; key: (p: number) => number }>, results: DstUpdateResult[] = []) {
  return movedAlong(w, w.values, 1, state, section, steps.map(({ k, key }) => (structure, values) => {
    const r = dstUpdateReference(structure, values, k, key);
    results.push(r);
    return r;
  }));
}

/** SET's reference steps for the GPU steps' salts on w's positions. */
function setSteps(w: CsrMatrix, steps: Array<{ k: number; grow: GrowParams }>) {
  return steps.map(({ k, grow }) => ({ k, key: (p: number) => setGrowKey((grow as { salt: number }).salt, w.rows * w.cols, p) }));
}

/**
 * Whether SET's ranking had to go on past a window of `window` candidates: the last grown
 * position comes at or after it in the sequence.
 */
function pastWindow(r: DstUpdateResult, salt: number, n: number, window: number): number {
  return Number([...r.grown].some((p) => setSequenceIndex(salt, n, p) >= window));
}

function hostItems(rowPtr: Uint32Array): Uint32Array {
  const pairs: number[] = [];
  for (let r = 0; r + 1 < rowPtr.length; r++) for (let e = rowPtr[r]!; e < rowPtr[r + 1]!; e += CSR_SDDMM_SEGMENT) pairs.push(r, e);
  return Uint32Array.from(pairs);
}

function expectMatchesReference(got: UpdatedLayer, want: ReturnType<typeof referenceUpdates>): void {
  expectFullMatch(got, want, hostItems(want.structure.rowPtr));
  validateCsr({ ...want.structure, values: got.values }, 'after the update');
}

describe('dstUpdateReference', () => {
  it('keeps the count, drops the smallest magnitudes with ties to the lower index, grows the largest keys', () => {
    // 2x3, entries at (0,0) |2|, (0,2) |1|, (1,1) |1|: dropping 1 takes (0,2), the lower-index tie.
    const w = { rows: 2, cols: 3, rowPtr: Uint32Array.of(0, 2, 3), colIdx: Uint32Array.of(0, 2, 1) };
    const r = dstUpdateReference(w, [2, -1, 1], 1, (p) => [0, 5, 7, 7, 1, 0][p]!);
    expect([...r.dropped]).toEqual([1]);
    // Candidates: p = 1 (5), 2 (7, the dropped entry), 3 (7), 5 (0): the tie at 7 goes to p = 2.
    expect([...r.grown]).toEqual([2]);
    expect([...r.colIdx]).toEqual([0, 2, 1]);
    expect([...r.src]).toEqual([0, DST_GROWN, 2]);
  });

  it('grows every position when k = nnz of a full matrix, and refuses k > nnz', () => {
    const w = randomCsr(3, 4, 1, 0);
    const r = dstUpdateReference(w, w.values, 12, (p) => p);
    expect(r.colIdx.length).toBe(12);
    expect([...r.src].every((s) => s === DST_GROWN)).toBe(true);
    expect(() => dstUpdateReference(w, w.values, 13, (p) => p)).toThrow(RangeError);
  });

  it('salts differ per layer and update', () => {
    expect(dstSalt(0, 0, 10)).not.toBe(dstSalt(0, 1, 10));
    expect(dstSalt(0, 0, 10)).not.toBe(dstSalt(1, 0, 10));
  });

  it.each([1, 2, 3, 5, 1000, 784 * 300])("SET's sequence is a bijection of [0, %i); setGrowKey is 2^32 - 1 minus its inverse", (n) => {
    const salt = dstSalt(3, 0, n);
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = setSequence(salt, n, i);
      expect(p >= 0 && p < n && seen[p] === 0).toBe(true);
      seen[p] = 1;
      if (setGrowKey(salt, n, p) !== 0xffffffff - i) expect(setGrowKey(salt, n, p)).toBe(0xffffffff - i);
    }
    expect(() => setSequence(salt, n, n)).toThrow(RangeError);
    expect(() => setSequenceIndex(salt, n, -1)).toThrow(RangeError);
  });

  it("SET's sequence spreads evenly and differs per salt", () => {
    const n = 784 * 300;
    // Its first 2000 positions are a uniform sample: their mean / n is 0.5 within 5 standard errors (0.0323).
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += setSequence(dstSalt(3, 0, 100), n, i) / n;
    expect(Math.abs(sum / 2000 - 0.5)).toBeLessThan(0.0323);
    const first = (salt: number) => Array.from({ length: 20 }, (_, i) => setSequence(salt, n, i));
    expect(first(dstSalt(3, 0, 100))).not.toEqual(first(dstSalt(3, 0, 101)));
    expect(() => setSequence(1, 0, 0)).toThrow(RangeError);
  });
});

describeGpu('dst', (run) => {
  for (const { name, w } of SHAPES) {
    const nnz = w.colIdx.length;
    const section = Math.ceil(nnz / 4) * 4;
    const rng = new Rng(nnz + 17);
    const state = Float32Array.from({ length: 2 * section }, () => rng.nextNormal());
    const ks = [1, Math.max(1, Math.floor(nnz / 3)), nnz];

    it(`SET on ${name}: two updates select the reference's drop and grow sets; structure, values and state follow`, async () => {
      const steps = ks.slice(0, 2).map((k, i) => ({ k, grow: { method: 'set', salt: dstSalt(7, 0, i) } as GrowParams }));
      const got: UpdatedLayer = await run('updates', { w, state, section, steps });
      expectMatchesReference(got, referenceUpdates(w, state, section, setSteps(w, steps)));
      // The candidate window settled both grows.
      expect(got.fallback).toEqual([0, 0]);
    });

    // The caller's gradientRows on a few shapes: chunks of 2 rows, a last chunk of 1, and one chunk (one row).
    for (const byRows of BY_ROWS_SHAPES.includes(name) ? [false, true] : [false]) {
      it(`RigL on ${name}: integer gradients (ties everywhere), k = 1, nnz/3 and nnz, rows in chunks of 2${byRows ? ', the gradient from the caller by rows' : ''}`, async () => {
        const batch = 5;
        const dy = integers(rng, batch * w.rows, 2);
        const x = integers(rng, batch * w.cols, 2);
        const g = denseGradientReference(dy, x, batch, w.rows, w.cols);
        const grow: GrowParams = { method: 'rigl', dy, x, batch, chunkEntries: 2 * w.cols, byRows };
        const steps = ks.map((k) => ({ k, grow }));
        const got: UpdatedLayer = await run('updates', { w, state, section, steps });
        expectMatchesReference(got, referenceUpdates(w, state, section, ks.map((k) => ({ k, key: riglGrowKey(g) }))));
        expect(got.gradientRows).toEqual(byRows ? ks.flatMap(() => gradientRowCalls(w.rows, 2)) : []);
      });
    }

    // One chunk: the sample's floor, the list and its select; then the list forced to fall short
    // (a floor above every key) and to overflow (no room), so that the select over every position runs.
    for (const { list, fallback } of [
      { list: undefined, fallback: 0 },
      { list: { floor: 0xffffffff }, fallback: 1 },
      { list: { room: 0 }, fallback: 1 },
    ]) {
      it(`RigL on ${name}, the gradient in one chunk, ${list ? `list forced ${JSON.stringify(list)}` : 'the sampled list'}: integer gradients (ties everywhere), k = 1, nnz/3 and nnz`, async () => {
        const batch = 5;
        const dy = integers(rng, batch * w.rows, 2);
        const x = integers(rng, batch * w.cols, 2);
        const g = denseGradientReference(dy, x, batch, w.rows, w.cols);
        const steps = ks.map((k) => ({ k, grow: { method: 'rigl', dy, x, batch, list } as GrowParams }));
        const got: UpdatedLayer = await run('updates', { w, state, section, steps });
        expectMatchesReference(got, referenceUpdates(w, state, section, ks.map((k) => ({ k, key: riglGrowKey(g) }))));
        expect(got.fallback).toEqual(ks.map(() => fallback));
      });
    }
  }

  it('RigL from one chunk on a layer of more positions than the sample (21000): the sampled floor lists enough, the reference\'s sets', async () => {
    const w = randomCsr(70, 300, 0.1, 23);
    const nnz = w.colIdx.length;
    const section = Math.ceil(nnz / 4) * 4;
    const r = new Rng(13);
    const state = Float32Array.from({ length: 2 * section }, () => r.nextNormal());
    const batch = 4;
    // A wide integer range: exact keys with few ties, so the floor's estimate is what is tested.
    const dy = integers(r, batch * w.rows, 30);
    const x = integers(r, batch * w.cols, 30);
    const g = denseGradientReference(dy, x, batch, w.rows, w.cols);
    const ks = [1, 300, nnz];
    const got: UpdatedLayer = await run('updates', { w, state, section, steps: ks.map((k) => ({ k, grow: { method: 'rigl', dy, x, batch } as GrowParams })) });
    expectMatchesReference(got, referenceUpdates(w, state, section, ks.map((k) => ({ k, key: riglGrowKey(g) }))));
    expect(got.fallback).toEqual([0, 0, 0]);
  });

  // The continuation past the candidate window, forced: an empty window (every grow found by the
  // ranking workgroup alone), and one of 5 candidates (some grows settled by it, some not).
  for (const window of [0, 5]) {
    for (const { name, w } of SHAPES.filter((s) => ['odd 13x17 d=0.3', 'wide 5x200 d=0.1', 'single entry 4x9', 'half full 60x90 d=0.5'].includes(s.name))) {
      it(`SET on ${name}, candidate window forced to ${window}: the reference's sets, the sequence followed past the window`, async () => {
        const nnz = w.colIdx.length;
        const section = Math.ceil(nnz / 4) * 4;
        const rng = new Rng(nnz + 29);
        const state = Float32Array.from({ length: 2 * section }, () => rng.nextNormal());
        const steps = [1, Math.max(1, Math.floor(nnz / 3)), nnz].map((k, i) => ({ k, grow: { method: 'set', salt: dstSalt(9, 0, i), window } as GrowParams }));
        const got: UpdatedLayer = await run('updates', { w, state, section, steps });
        const results: DstUpdateResult[] = [];
        expectMatchesReference(got, referenceUpdates(w, state, section, setSteps(w, steps), results));
        expect(got.fallback).toEqual(results.map((r, i) => pastWindow(r, (steps[i]!.grow as { salt: number }).salt, w.rows * w.cols, window)));
        if (window === 0) expect(got.fallback).toEqual([1, 1, 1]);
      });
    }
  }

  it('a layer above DST_DROP_ONE_WORKGROUP_MAX entries drops by the radix select across workgroups: tied magnitudes, then k = 0', async () => {
    const w = coarse(randomCsr(280, 270, 0.9, 51), 51);
    const nnz = w.colIdx.length;
    expect(nnz).toBeGreaterThan(DST_DROP_ONE_WORKGROUP_MAX);
    const section = Math.ceil(nnz / 4) * 4;
    const state = new Float32Array(2 * section).map((_, i) => (i % 7) - 3);
    const steps = [Math.floor(nnz / 3), 0].map((k, i) => ({ k, grow: { method: 'set', salt: dstSalt(4, 0, i) } as GrowParams }));
    const got: UpdatedLayer = await run('updates', { w, state, section, steps });
    expectMatchesReference(got, referenceUpdates(w, state, section, setSteps(w, steps)));
  });

  it('k = 0 after a real update (its selection state left behind) keeps every entry and grows none', async () => {
    const w = coarse(randomCsr(12, 30, 0.25, 41), 41);
    const nnz = w.colIdx.length;
    const section = Math.ceil(nnz / 4) * 4;
    const r = new Rng(8);
    const state = Float32Array.from({ length: 2 * section }, () => r.nextNormal());
    const salts = [dstSalt(2, 0, 0), dstSalt(2, 0, 1)];
    const steps = [
      { k: Math.floor(nnz / 2), grow: { method: 'set', salt: salts[0]! } as GrowParams },
      { k: 0, grow: { method: 'set', salt: salts[1]! } as GrowParams },
    ];
    const got: UpdatedLayer = await run('updates', { w, state, section, steps });
    const want = referenceUpdates(w, state, section, setSteps(w, steps));
    expectMatchesReference(got, want);
    expect([...got.keep]).toEqual(new Array(nnz).fill(1));
  });

  it('RigL with one chunk and with one row per chunk give the same update', async () => {
    const w = randomCsr(11, 90, 0.15, 21);
    const r = new Rng(5);
    const batch = 3;
    const dy = integers(r, batch * w.rows, 3);
    const x = integers(r, batch * w.cols, 3);
    const state = new Float32Array(2 * Math.ceil(w.colIdx.length / 4) * 4);
    const section = state.length / 2;
    const k = 20;
    const one: UpdatedLayer = await run('updates', { w, state, section, steps: [{ k, grow: { method: 'rigl', dy, x, batch } }] });
    const rows: UpdatedLayer = await run('updates', { w, state, section, steps: [{ k, grow: { method: 'rigl', dy, x, batch, chunkEntries: 1 } }] });
    // One chunk grows from the list (which held the k largest), one row per chunk by the radix select.
    expect(one.fallback).toEqual([0]);
    expect({ ...rows, fallback: one.fallback }).toEqual(one);
  });

  it('a layer under dynamic sparsity keeps its host mask until an update moves it; one the update leaves alone keeps it after', async () => {
    const moving = randomCsr(6, 9, 0.3, 41);
    const full = randomCsr(3, 6, 1, 42);
    const got = await run('staleMask', { moving, full, fraction: 0.5 });
    expect(got.before).toEqual([
      { rowPtr: moving.rowPtr, colIdx: moving.colIdx },
      { rowPtr: full.rowPtr, colIdx: full.colIdx },
    ]);
    expect(got.record.moved).toEqual([Math.round(0.5 * moving.colIdx.length), 0]);
    expect(got.stale).toEqual({ name: 'OrthosparseError', message: expect.stringMatching(/await refreshMask\(\) before reading it/), leaked: 0 });
    expect(got.staleDensity).toBe(moving.colIdx.length / (6 * 9));
    expect(got.density).toBe(moving.colIdx.length / (6 * 9));
    expect(got.fullAfter).toEqual({ rowPtr: full.rowPtr, colIdx: full.colIdx });
    expect(got.refreshed.colIdx.length).toBe(moving.colIdx.length);
    expect(got.refreshed.colIdx).not.toEqual(moving.colIdx);
  });

  it('a BSR layer under dynamic sparsity refuses its density until the moved blocks are read back (a block at a padded edge holds fewer entries)', async () => {
    // 13 x 10 in blocks of 4: the last block row and column are padded.
    const moving = bsrToCsr(randomBsr(13, 10, 0.5, 4, 43));
    const got = await run('staleMask', { moving, full: randomCsr(3, 6, 1, 42), fraction: 0.5, format: { bsr: 4 } });
    expect(got.stale).toEqual({ name: 'OrthosparseError', message: expect.stringMatching(/await refreshMask\(\) before reading it/), leaked: 0 });
    expect(got.staleDensity).toEqual({ name: 'OrthosparseError', message: expect.stringMatching(/await refreshMask\(\) before reading the density/), leaked: 0 });
    expect(got.density).toBe(got.refreshed.colIdx.length / (13 * 10));
    expect(got.refreshed.colIdx).not.toEqual(moving.colIdx);
  });

  it('training after a RigL update equals training a static mask built from the new structure', async () => {
    const r = new Rng(9);
    const data = { count: 24, features: 10, inputs: Float32Array.from({ length: 240 }, () => r.nextNormal()), labels: Uint32Array.from({ length: 24 }, (_, i) => i % 3) };
    const layers = [randomCsr(7, 10, 0.4, 31, { valueScale: 0.5 }), randomCsr(3, 7, 0.5, 32, { valueScale: 0.5 })];
    const out = await run('trainAfterUpdate', { layers, data, batchSize: 8, before: 3, after: 4, lr: 0.1, dst: { method: 'rigl', every: 3, fraction: 0.3, until: 30 } });
    // One update, after step 3 of T_end = 30: fraction 0.3·(1 + cos(π/10))/2 of each layer.
    const f = (0.3 * (1 + Math.cos(Math.PI / 10))) / 2;
    expect(out.updates).toEqual([{ step: 3, fraction: f, moved: [Math.round(f * 28), Math.round(f * 10)] }]);
    // The mask moved, and its count held.
    for (const [i, wAfter] of out.afterUpdate.entries()) {
      expect(wAfter.colIdx.length).toBe(layers[i]!.colIdx.length);
    }
    expect(out.afterUpdate[0].colIdx).not.toEqual(layers[0]!.colIdx);
    // Same kernels on the same structure and data: equal to the last bit.
    expect(out.dynamic.losses).toEqual(out.static.losses);
    for (const [i, wd] of out.dynamic.weights.entries()) {
      expect(wd.rowPtr).toEqual(out.static.weights[i].rowPtr);
      expect(wd.colIdx).toEqual(out.static.weights[i].colIdx);
      expect(wd.values).toEqual(out.static.weights[i].values);
    }
  });
});
