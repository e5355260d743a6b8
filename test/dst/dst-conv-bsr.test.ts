// Dynamic sparsity on convolutions stored in blocks: one SET or RigL update of a filter of whole
// blocks (blockSize output x input channels, every tap) moves exactly the CPU reference's blocks
// (dstConvBlockUpdateReference: dropped by the sum of |w| over the block, grown at random or by the
// sum of |dL/dW| over the block position), with its values and optimizer state; the layer's mask,
// density and weight read back after refreshMask, and its passes equal those of a layer built from
// its new weight. Both backends.
import { describe, expect, it } from 'vitest';
import { blockScoresReference, dstConvBlockUpdateReference, dstSalt, riglBlockGrowKey, setGrowKey } from '../../src/dst/reference.js';
import { dstFraction, dstMoveCount } from '../../src/dst/schedule.js';
import { sgdStateLength } from '../../src/kernels/optimizer.js';
import type { ConvShape } from '../../src/nn/sparse-conv2d.js';
import { Rng } from '../../src/random.js';
import { type ConvBsrBlockSize, type ConvBsrFilter, convBsrFromCsr, convBsrToCsr, randomConvBsr } from '../../src/sparse/conv-bsr.js';
import { convGeometry, convTaps } from '../../src/sparse/conv-geometry.js';
import { convWeightGradRef } from '../../src/sparse/conv-reference.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { describeGpu } from '../harness/gpu.js';
import { patterned } from '../sparse-fixtures.js';
import { integers, referenceUpdates } from './dst-fixtures.js';

interface BlockCase {
  name: string;
  shape: ConvShape;
  cOut: number;
  blockSize: ConvBsrBlockSize;
  density: number;
  batch: number;
}

// Partial last block rows and columns (the first case's 10 = 4 + 4 + 2 output channels, the
// second's 17 = 8 + 8 + 1 input ones): blocks at the padded edge hold fewer taps than the others.
const CASES: BlockCase[] = [
  { name: 'b=4, 10 x 7 channels, 7x9 image, 3x3, stride 2, circular padding 1, batch 3', shape: { cIn: 7, h: 7, w: 9, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' }, cOut: 10, blockSize: 4, density: 0.5, batch: 3 },
  { name: 'b=8, 20 x 17 channels, 5x6 image, 3x3, zero padding 1, batch 2', shape: { cIn: 17, h: 5, w: 6, kh: 3, kw: 3, padding: 1 }, cOut: 20, blockSize: 8, density: 0.4, batch: 2 },
];

const SEED = 9;
const STEP = 1;

/** A filter of whole blocks with values in {±0.5, ±1, ...} (ties in the block sums), as the CSR a layer takes and the blocks the reference moves. */
function blockFilter(c: BlockCase, seed: number): { csr: CsrMatrix; blocks: ConvBsrFilter } {
  const f = randomConvBsr({ cOut: c.cOut, cIn: c.shape.cIn, kh: c.shape.kh, kw: c.shape.kw }, c.density, c.blockSize, seed);
  const rng = new Rng(seed);
  const { w } = convBsrToCsr(f);
  const csr = { ...w, values: w.values.map(() => Math.round(rng.nextNormal() * 3) / 2 || 0.5) };
  return { csr, blocks: convBsrFromCsr(csr, c.shape, c.blockSize) };
}

describe('block conv update reference', () => {
  it('scores a block by its b²·kh·kw values and a block position by the taps of its b input channels', () => {
    // Two blocks of 2 words each; a 1 x (2 channels · 2 taps) gradient in blocks of 1 channel: columns [0, 2) and [2, 4).
    expect([...blockScoresReference(Float32Array.of(1, -2, 0.5, 0.5), 2, 2)]).toEqual([3, 1]);
    const key = riglBlockGrowKey(Float64Array.of(1, -1, 3, 0), 1, 4, 1, 2);
    expect(key(1)).toBe(riglBlockGrowKey(Float64Array.of(3), 1, 1, 1)(0));
    expect(key(0)).toBe(riglBlockGrowKey(Float64Array.of(2), 1, 1, 1)(0));
  });

  it('refuses a filter with an element mask and k above the block count', () => {
    const c = CASES[0]!;
    const { csr, blocks } = blockFilter(c, 1);
    // One tap fewer than its block holds: the blocks carry an element mask.
    const holed = convBsrFromCsr({ ...csr, colIdx: csr.colIdx.slice(1), values: csr.values.slice(1), rowPtr: csr.rowPtr.map((p) => Math.max(0, p - 1)) }, c.shape, c.blockSize);
    expect(holed.elementMask).toBeDefined();
    expect(() => dstConvBlockUpdateReference(holed, 1, (p) => p)).toThrow(new TypeError('f: block updates move whole blocks; f has an elementMask'));
    expect(() => dstConvBlockUpdateReference(blocks, blocks.colIdx.length + 1, (p) => p)).toThrow(RangeError);
  });
});

describeGpu('dst', (run) => {
  for (const c of CASES) {
    const { shape, cOut, blockSize: b, batch } = c;
    const taps = shape.kh * shape.kw;
    const cols = convTaps(shape);
    // RigL also with its dense gradient one block row (b filters) at a time: the radix select over chunks.
    for (const [method, chunked] of [['set', false], ['rigl', false], ['rigl', true]] as const) {
      it(`${method === 'set' ? 'SET' : 'RigL'} on ${c.name}${chunked ? ', the dense gradient one block row at a time' : ''}: the reference's blocks, values and state moved, the mask read back, the passes of the rebuilt layer`, async () => {
        const { csr, blocks } = blockFilter(c, 21);
        const nBlocks = blocks.colIdx.length;
        const words = b * b * taps;
        const rng = new Rng(nBlocks * 13 + batch);
        const x = integers(rng, batch * shape.cIn * shape.h * shape.w, 2);
        const { ho, wo } = convGeometry({ ...shape, batch });
        const dy = integers(rng, batch * cOut * ho * wo, 2);
        const section = sgdStateLength(nBlocks * words);
        const state = Float32Array.from({ length: 2 * section }, () => rng.nextNormal());
        const dst = { method, every: 1, fraction: 0.5, until: 10, seed: SEED, ...(chunked ? { chunkEntries: b * cols } : {}) };
        const got = await run('convBlockUpdate', { w: csr, shape, blockSize: b, batch, x, dy, state, dst, step: STEP });

        expect(got.densityBefore).toBe(csr.colIdx.length / (cOut * cols));
        const fraction = dstFraction(dst, STEP);
        const k = dstMoveCount(fraction, nBlocks);
        expect(k).toBeGreaterThan(0);
        expect(got.record).toEqual({ step: STEP, fraction, moved: [k] });
        // Integer operands: the dense gradient is exact in float32.
        expect(Float64Array.from(got.gradient)).toEqual(convWeightGradRef(patterned(cOut, cols, 0, () => true), dy, x, { ...shape, batch }));
        const positions = blocks.blockRows * blocks.blockCols;
        const key = method === 'set' ? (p: number) => setGrowKey(dstSalt(SEED, 0, STEP), positions, p) : riglBlockGrowKey(got.gradient, cOut, cols, b, b * taps);
        const grid = { rows: blocks.blockRows, cols: blocks.blockCols, rowPtr: blocks.rowPtr, colIdx: blocks.colIdx };
        const want = referenceUpdates(grid, blocks.values, words, state, section, [(s, values) => dstConvBlockUpdateReference({ ...blocks, rowPtr: s.rowPtr, colIdx: s.colIdx, values }, k, key)]);
        expect(got.blocks.rowPtr).toEqual(want.structure.rowPtr);
        expect(got.blocks.colIdx).toEqual(want.structure.colIdx);
        expect(got.blocks.colIdx).not.toEqual(blocks.colIdx);
        expect(got.values).toEqual(want.values);
        expect(got.state).toEqual(want.state);

        // Until the mask is read back, the density and writeWeight (whose counts the moved blocks may change) refuse.
        expect(got.stale.density).toEqual({ name: 'OrthosparseError', message: expect.stringMatching(/await refreshMask\(\) before reading the density/), leaked: 0 });
        expect(got.stale.write).toEqual({ name: 'OrthosparseError', message: expect.stringMatching(/await refreshMask\(\) before writeWeight/), leaked: 0 });
        const moved = convBsrToCsr({ ...blocks, rowPtr: want.structure.rowPtr, colIdx: want.structure.colIdx, values: want.values }).w;
        expect(got.mask).toEqual({ rowPtr: moved.rowPtr, colIdx: moved.colIdx });
        expect(got.weight).toEqual(moved);
        expect(got.density).toBe(moved.colIdx.length / (cOut * cols));
        // The moved layer's Wᵀ, swizzles and block rows give the passes a fresh upload of its weight gives.
        expect(got.moved).toEqual(got.rebuilt);
      });
    }
  }
});
