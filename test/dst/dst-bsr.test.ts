// Block dynamic sparsity: BSR layers move whole blocks. The CPU reference (dstBlockUpdateReference)
// against the GPU update on padded shapes (rows and columns the block size does not divide), empty
// and full block rows, b = 4, 8 and 16, SET and RigL; and a model trained after a BSR update against
// one built statically from the new blocks.
import { describe, expect, it } from 'vitest';
import { blockScoresReference, denseGradientReference, DST_GROWN, dstBlockUpdateReference, dstSalt, riglBlockGrowKey, setGrowKey } from '../../src/dst/reference.js';
import { sgdStateLength } from '../../src/kernels/optimizer.js';
import { Rng } from '../../src/random.js';
import { type BsrBlockSize, type BsrMatrix, bsrFromCsr, bsrToCsr, randomBsr, validateBsr } from '../../src/sparse/bsr.js';
import { randomCsr } from '../../src/sparse/csr.js';
import type { GrowParams, UpdatedLayer } from '../cases/dst.js';
import { describeGpu } from '../harness/gpu.js';
import { patterned } from '../sparse-fixtures.js';
import { expectMatchesReference as expectFullMatch, gradientRowCalls, integers, referenceUpdates } from './dst-fixtures.js';

/** A BSR matrix storing the blocks where `stored(blockRow, blockCol)` holds, whole (no elementMask). */
function blocks(rows: number, cols: number, b: BsrBlockSize, seed: number, stored: (br: number, bc: number) => boolean): BsrMatrix {
  return bsrFromCsr(patterned(rows, cols, seed, (r, c) => stored(Math.floor(r / b), Math.floor(c / b))), b);
}

/** Values in {-1, 0, 1}: a block's score is its count of nonzeros, so scores tie often and the tie-break is exercised. */
function signs(m: BsrMatrix, seed: number): BsrMatrix {
  const rng = new Rng(seed);
  return { ...m, values: m.values.map((v) => (v === 0 ? 0 : Math.floor(rng.nextFloat() * 3) - 1)) };
}

interface Shape {
  name: string;
  w: BsrMatrix;
}

const SHAPES: Shape[] = [
  { name: 'b=4 13x21 (padded), an empty and a full block row, tied scores', w: signs(blocks(13, 21, 4, 1, (br, bc) => br === 2 || (br !== 1 && (br * 5 + bc) % 3 === 0)), 1) },
  { name: 'b=8 30x19 (padded) d=0.4, normal values', w: randomBsr(30, 19, 0.4, 8, 2) },
  { name: 'b=16 20x37 (padded), block row 0 empty, block row 1 full', w: signs(blocks(20, 37, 16, 3, (br) => br === 1), 3) },
  { name: 'b=8 9x9, a single block', w: blocks(9, 9, 8, 4, (br, bc) => br === 1 && bc === 0) },
  { name: 'b=4 12x12, every block stored', w: signs(randomBsr(12, 12, 1, 4, 5), 5) },
];

/** SET's reference steps for the GPU steps' salts on w's block positions. */
function setSteps(w: BsrMatrix, steps: Array<{ k: number; grow: GrowParams }>) {
  return steps.map(({ k, grow }) => ({ k, key: (p: number) => setGrowKey((grow as { salt: number }).salt, w.blockRows * w.blockCols, p) }));
}

/** The block row of each stored block. */
function blockRows(rowPtr: Uint32Array): Uint32Array {
  const out = new Uint32Array(rowPtr[rowPtr.length - 1]!);
  for (let br = 0; br + 1 < rowPtr.length; br++) out.fill(br, rowPtr[br], rowPtr[br + 1]);
  return out;
}

/** The reference's block updates in sequence (blocks over the block grid, b² values and state words each). */
function referenceBlockUpdates(w: BsrMatrix, state: Float32Array, section: number, steps: Array<{ k: number; key: (p: number) => number }>) {
  const grid = { rows: w.blockRows, cols: w.blockCols, rowPtr: w.rowPtr, colIdx: w.colIdx };
  const update = ({ k, key }: { k: number; key: (p: number) => number }) => (s: { rowPtr: Uint32Array; colIdx: Uint32Array }, values: Float32Array) =>
    dstBlockUpdateReference({ ...w, rowPtr: s.rowPtr, colIdx: s.colIdx, values }, k, key);
  return referenceUpdates(grid, w.values, w.blockSize ** 2, state, section, steps.map(update));
}

function expectMatchesReference(w: BsrMatrix, got: UpdatedLayer, state: Float32Array, section: number, steps: Array<{ k: number; key: (p: number) => number }>): void {
  const want = referenceBlockUpdates(w, state, section, steps);
  expectFullMatch(got, want, blockRows(want.structure.rowPtr));
  // After every update: a valid BSR matrix (padding still 0), the block count kept, the reference's blocks.
  got.afterEach.forEach((after, i) => {
    const m = { ...w, rowPtr: after.rowPtr, colIdx: after.colIdx, values: after.values };
    validateBsr(m, `after update ${i}`);
    expect(after.colIdx.length).toBe(w.colIdx.length);
    expect(after.colIdx).toEqual(referenceBlockUpdates(w, state, section, steps.slice(0, i + 1)).structure.colIdx);
  });
}

describe('dstBlockUpdateReference', () => {
  // 8x8 in blocks of 4 (a 2 x 2 grid): blocks (0,0) sum |w| 3, (0,1) and (1,1) sum 2 each.
  const value = (sum: number) => Float32Array.from({ length: 16 }, (_, j) => (j < sum ? (j % 2 ? -1 : 1) : 0));
  const w: BsrMatrix = { rows: 8, cols: 8, blockSize: 4, blockRows: 2, blockCols: 2, rowPtr: Uint32Array.of(0, 2, 3), colIdx: Uint32Array.of(0, 1, 1), values: Float32Array.from([...value(3), ...value(2), ...value(2)]) };

  it('drops the block of smallest sum |w| (ties to the lower block position) and grows the largest keys, a dropped block regrown as new', () => {
    const r = dstBlockUpdateReference(w, 1, (p) => [0, 7, 7, 1][p]!);
    expect([...r.dropped]).toEqual([1]);
    // Candidates: p = 1 (the dropped block, key 7), p = 2 (empty, key 7): the tie goes to p = 1.
    expect([...r.grown]).toEqual([1]);
    expect([...r.colIdx]).toEqual([0, 1, 1]);
    expect([...r.src]).toEqual([0, DST_GROWN, 2]);
  });

  it('scores blocks by the float32 sum of |w| in order; RigL keys sum |dL/dW| over in-range elements only', () => {
    expect([...blockScoresReference(w.values, 3, 16)]).toEqual([3, 2, 2]);
    // 5 x 6 gradient in blocks of 4: block (1, 1) covers rows 4, columns 4-5 only.
    const g = Float64Array.from({ length: 30 }, (_, i) => (i % 2 ? -1 : 2));
    const key = riglBlockGrowKey(g, 5, 6, 4);
    expect(key(3)).toBe(riglBlockGrowKey(Float64Array.of(2, -1), 1, 2, 4)(0));
    expect(key(0)).toBe(new Uint32Array(Float32Array.of(24).buffer)[0]);
  });

  it('refuses an element mask, and k above the block count', () => {
    const masked = bsrFromCsr(randomCsr(8, 8, 0.3, 1), 4);
    expect(masked.elementMask).toBeDefined();
    expect(() => dstBlockUpdateReference(masked, 1, (p) => p)).toThrow(TypeError);
    expect(() => dstBlockUpdateReference(w, 4, (p) => p)).toThrow(RangeError);
  });

  it('bsrToCsr gives every in-range element of the blocks, and bsrFromCsr the same blocks back', () => {
    const m = randomBsr(13, 21, 0.5, 8, 9);
    const csr = bsrToCsr(m);
    expect(csr.colIdx.length).toBeLessThan(m.colIdx.length * 64);
    expect(bsrFromCsr(csr, 8)).toEqual(m);
  });
});

describeGpu('dst', (run) => {
  for (const [shapeIndex, { name, w }] of SHAPES.entries()) {
    const nBlocks = w.colIdx.length;
    const section = sgdStateLength(w.values.length);
    const rng = new Rng(nBlocks + 29);
    const state = Float32Array.from({ length: 2 * section }, () => rng.nextNormal());
    const ks = [1, Math.max(1, Math.floor(nBlocks / 2)), nBlocks];

    it(`SET on ${name}: three updates move the reference's blocks; values, state and the whole structure follow`, async () => {
      const steps = ks.map((k, i) => ({ k, grow: { method: 'set', salt: dstSalt(5, 1, i) } as GrowParams }));
      const got: UpdatedLayer = await run('updates', { w, state, section, steps });
      const keyed = setSteps(w, steps);
      expectMatchesReference(w, got, state, section, keyed);
      expect(got.fallback).toEqual([0, 0, 0]);
    });

    it(`SET on ${name}, an empty candidate window forced: the ranking workgroup follows the sequence alone and moves the reference's blocks`, async () => {
      const steps = ks.map((k, i) => ({ k, grow: { method: 'set', salt: dstSalt(6, 1, i), window: 0 } as GrowParams }));
      const got: UpdatedLayer = await run('updates', { w, state, section, steps });
      const keyed = setSteps(w, steps);
      expectMatchesReference(w, got, state, section, keyed);
      expect(got.fallback).toEqual([1, 1, 1]);
    });

    // The caller's gradientRows on the first two shapes (a last block row cut at the layer's rows in both).
    for (const byRows of shapeIndex < 2 ? [false, true] : [false]) {
      it(`RigL on ${name}: integer gradients (tied block sums), one block row per chunk${byRows ? ', the gradient from the caller by rows' : ''}`, async () => {
        const batch = 3;
        const dy = integers(rng, batch * w.rows, 2);
        const x = integers(rng, batch * w.cols, 2);
        const key = riglBlockGrowKey(denseGradientReference(dy, x, batch, w.rows, w.cols), w.rows, w.cols, w.blockSize);
        const grow: GrowParams = { method: 'rigl', dy, x, batch, chunkEntries: w.blockSize * w.cols, byRows };
        const steps = ks.map((k) => ({ k, grow }));
        const got: UpdatedLayer = await run('updates', { w, state, section, steps });
        expectMatchesReference(w, got, state, section, ks.map((k) => ({ k, key })));
        // Each chunk is one block row: blockSize element rows, the last one cut at the layer's rows.
        expect(got.gradientRows).toEqual(byRows ? ks.flatMap(() => gradientRowCalls(w.rows, w.blockSize)) : []);
      });
    }

    for (const { list, fallback } of [
      { list: undefined, fallback: 0 },
      { list: { floor: 0xffffffff }, fallback: 1 },
    ]) {
      it(`RigL on ${name}, the gradient in one chunk, ${list ? 'a floor above every block forced' : 'the sampled list'}: the reference's blocks`, async () => {
        const batch = 3;
        const dy = integers(rng, batch * w.rows, 2);
        const x = integers(rng, batch * w.cols, 2);
        const key = riglBlockGrowKey(denseGradientReference(dy, x, batch, w.rows, w.cols), w.rows, w.cols, w.blockSize);
        const steps = ks.map((k) => ({ k, grow: { method: 'rigl', dy, x, batch, list } as GrowParams }));
        const got: UpdatedLayer = await run('updates', { w, state, section, steps });
        expectMatchesReference(w, got, state, section, ks.map((k) => ({ k, key })));
        expect(got.fallback).toEqual(ks.map(() => fallback));
      });
    }
  }

  it('RigL on blocks with one chunk and with one block row per chunk give the same update', async () => {
    const w = randomBsr(29, 45, 0.3, 8, 12);
    const r = new Rng(6);
    const batch = 4;
    const dy = integers(r, batch * w.rows, 3);
    const x = integers(r, batch * w.cols, 3);
    const state = new Float32Array(2 * sgdStateLength(w.values.length));
    const p = { w, state, section: state.length / 2 };
    const k = 4;
    const one: UpdatedLayer = await run('updates', { ...p, steps: [{ k, grow: { method: 'rigl', dy, x, batch } }] });
    const rows: UpdatedLayer = await run('updates', { ...p, steps: [{ k, grow: { method: 'rigl', dy, x, batch, chunkEntries: 1 } }] });
    // One chunk grows from the list (which held the k largest), one block row per chunk by the radix select.
    expect(one.fallback).toEqual([0]);
    expect({ ...rows, fallback: one.fallback }).toEqual(one);
  });

  for (const { b, method } of [
    { b: 4, method: 'rigl' },
    { b: 8, method: 'set' },
  ] as const) {
    it(`training a BSR-${b} MLP after a ${method} block update (SGD with momentum) equals training static BSR layers built from the new blocks`, async () => {
      const r = new Rng(10 + b);
      const data = { count: 24, features: 10, inputs: Float32Array.from({ length: 240 }, () => r.nextNormal()), labels: Uint32Array.from({ length: 24 }, (_, i) => i % 3) };
      // 13 x 10 and 3 x 13: padded in rows and columns for both block sizes.
      const first = randomBsr(13, 10, 0.5, b, 33, { valueScale: 0.5 });
      const second = randomBsr(3, 13, 0.5, b, 34, { valueScale: 0.5 });
      const layers = [bsrToCsr(first), bsrToCsr(second)];
      const out = await run('trainAfterUpdate', { layers, format: { bsr: b }, momentum: 0.9, data, batchSize: 8, before: 3, after: 4, lr: 0.1, dst: { method, every: 3, fraction: 0.4, until: 30 } });
      const f = (0.4 * (1 + Math.cos(Math.PI / 10))) / 2;
      expect(out.updates).toEqual([{ step: 3, fraction: f, moved: [Math.round(f * first.colIdx.length), Math.round(f * second.colIdx.length)] }]);
      expect(out.afterUpdate[0].colIdx).not.toEqual(layers[0]!.colIdx);
      for (const [i, wAfter] of out.afterUpdate.entries()) {
        const blocksAfter = bsrFromCsr(wAfter, b);
        expect(blocksAfter.elementMask).toBeUndefined();
        expect(blocksAfter.colIdx.length).toBe([first, second][i]!.colIdx.length);
      }
      // Same kernels on the same blocks, values, moved momentum and batches: equal to the last bit.
      expect(out.dynamic.losses).toEqual(out.static.losses);
      for (const [i, wd] of out.dynamic.weights.entries()) expect(wd).toEqual(out.static.weights[i]);
    });
  }

  it('refuses element masks (naming the layer and the way to a block mask) and short arrays, before allocating', async () => {
    const blocks = randomBsr(10, 12, 0.5, 4, 3);
    const got = await run('blockRefusals', { w: randomCsr(10, 12, 0.3, 3), blockSize: 4, blocks });
    expect(got.layer.name).toBe('TypeError');
    expect(got.layer.message).toMatch(/layers\[0\] \(12 -> 10, \{"bsr":4\}\) holds an element mask.*blockMask: true/);
    expect(got.workspace.name).toBe('TypeError');
    expect(got.workspace.message).toMatch(/element mask/);
    expect(got.remap.name).toBe('RangeError');
    expect(got.remap.message).toContain(`arrays[1].data must hold 1 sections of at least nBlocks·(16 words a block) = ${blocks.values.length} words`);
    expect([got.layer.leaked, got.workspace.leaked, got.remap.leaked]).toEqual([0, 0, 0]);
  });
});
