// Dynamic sparsity on sparse convolutions: one SET or RigL update of a CSR filter selects exactly
// the CPU reference's drop and grow sets (RigL from the dense conv weight gradient, checked against
// the float64 reference), moves the values and the optimizer state, and leaves a layer whose passes
// equal those of a layer built from its new filter; training after an update equals training the
// new mask statically. Both backends.
import { describe, expect, it } from 'vitest';
import { checkDstSpec } from '../../src/dst/dynamic.js';
import { dstSalt, dstUpdateReference, riglGrowKey, setGrowKey } from '../../src/dst/reference.js';
import { dstFraction, dstMoveCount } from '../../src/dst/schedule.js';
import { sgdStateLength } from '../../src/kernels/optimizer.js';
import type { CnnModelConfig } from '../../src/nn/model.js';
import type { ConvShape } from '../../src/nn/sparse-conv2d.js';
import { Rng } from '../../src/random.js';
import { convGeometry, convTaps } from '../../src/sparse/conv-geometry.js';
import { convWeightGradRef } from '../../src/sparse/conv-reference.js';
import { type CsrMatrix, randomCsr } from '../../src/sparse/csr.js';
import { describeGpu } from '../harness/gpu.js';
import { patterned } from '../sparse-fixtures.js';
import { integers, referenceUpdates } from './dst-fixtures.js';

/** Filter values in {±0.5, ±1, ...}: equal magnitudes, so the drop's tie-break is exercised. */
function coarse(w: CsrMatrix, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  return { ...w, values: w.values.map(() => Math.round(rng.nextNormal() * 3) / 2 || 0.5) };
}

interface ConvCase {
  name: string;
  shape: ConvShape;
  w: CsrMatrix;
  batch: number;
}

const FULL_ROW = 1;
const EMPTY_ROW = 2;
const CASES: ConvCase[] = [
  {
    name: '6 x 5 channels, 7x9 image, 3x3, stride 2, circular padding 1, batch 3, d=0.3',
    shape: { cIn: 5, h: 7, w: 9, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' },
    w: coarse(randomCsr(6, 45, 0.3, 11), 11),
    batch: 3,
  },
  {
    name: 'a full and an empty filter row, 4 x 3 channels, 5x6 image, 5x5, zero padding 2, batch 1',
    shape: { cIn: 3, h: 5, w: 6, kh: 5, kw: 5, padding: 2 },
    w: coarse(patterned(4, 75, 12, (r, c) => r === FULL_ROW || (r !== EMPTY_ROW && (r * 7 + c) % 4 === 0)), 12),
    batch: 1,
  },
  {
    name: '1x1, cIn 1, stride 2 over 9x9, 5 filters, batch 2',
    shape: { cIn: 1, h: 9, w: 9, kh: 1, kw: 1, stride: 2 },
    w: coarse(randomCsr(5, 1, 0.6, 13), 13),
    batch: 2,
  },
];

const SEED = 5;
const STEP = 1;

describeGpu('dst', (run) => {
  for (const { name, shape, w, batch } of CASES) {
    // RigL also with its dense gradient in chunks of 2 filters (the radix select, each chunk's gradient computed again per pass).
    for (const [method, chunkFilters] of [['set'], ['rigl'], ['rigl', 2]] as const) {
      it(`${method === 'set' ? 'SET' : 'RigL'} on ${name}${chunkFilters ? `, the dense gradient ${chunkFilters} filters at a time` : ''}: the reference's update, values and state moved, the passes of the rebuilt filter`, async () => {
        const g = convGeometry({ ...shape, batch });
        const nnz = w.colIdx.length;
        const taps = convTaps(shape);
        const positions = w.rows * taps;
        const rng = new Rng(nnz * 31 + batch);
        const x = integers(rng, batch * g.cIn * g.h * g.w, 2);
        const dy = integers(rng, batch * w.rows * g.ho * g.wo, 2);
        const section = sgdStateLength(nnz);
        const state = Float32Array.from({ length: 2 * section }, () => rng.nextNormal());
        const dst = { method, every: 1, fraction: 0.5, until: 10, seed: SEED, ...(chunkFilters ? { chunkEntries: chunkFilters * taps } : {}) };
        const got = await run('convUpdate', { w, shape, batch, x, dy, state, dst, step: STEP });

        const fraction = dstFraction(dst, STEP);
        const k = dstMoveCount(fraction, nnz);
        expect(k).toBeGreaterThan(0);
        expect(got.record).toEqual({ step: STEP, fraction, moved: [k] });
        // Integer operands: the dense gradient is exact in float32, equal to the float64 reference at every tap.
        const everyTap = patterned(w.rows, convTaps(shape), 0, () => true);
        expect(Float64Array.from(got.gradient)).toEqual(convWeightGradRef(everyTap, dy, x, { ...shape, batch }));
        // Filters 1.. alone: their rows of the whole gradient; one filter more than the layer has is refused.
        expect(got.laterRows).toEqual(got.gradient.slice(taps));
        expect(got.tooMany).toEqual({ name: 'RangeError', message: `rows must be an integer in [1, ${w.rows}], got ${w.rows + 1}`, leaked: 0 });
        const key = method === 'set' ? (p: number) => setGrowKey(dstSalt(SEED, 0, STEP), positions, p) : riglGrowKey(got.gradient);
        const want = referenceUpdates(w, w.values, 1, state, section, [(structure, values) => dstUpdateReference(structure, values, k, key)]);
        expect(got.after.rowPtr).toEqual(want.structure.rowPtr);
        expect(got.after.colIdx).toEqual(want.structure.colIdx);
        expect(got.after.values).toEqual(want.values);
        expect(got.state).toEqual(want.state);
        expect(got.mask).toEqual({ rowPtr: want.structure.rowPtr, colIdx: want.structure.colIdx });
        // The moved layer's tap tables, Wᵀ and SDDMM items match a fresh upload of its filter: the same kernels give the same bits.
        expect(got.moved).toEqual(got.rebuilt);
      });
    }
  }

  // The tables rebuilt on the GPU equal a fresh upload's: nnz > 64 (two workgroups of decoded taps),
  // 70 input channels of 1x1 taps (two workgroups ranking channels and flipping Wᵀ's rows, many tied
  // counts, some channels empty).
  for (const { name, w, shape } of [
    { name: '6 x 5 channels, 3x3', w: CASES[0]!.w, shape: CASES[0]!.shape },
    { name: '4 x 3 channels, 5x5, a full and an empty filter row', w: CASES[1]!.w, shape: CASES[1]!.shape },
    { name: '8 x 70 channels, 1x1', w: randomCsr(8, 70, 0.15, 15), shape: { cIn: 70, kh: 1, kw: 1 } },
  ]) {
    it(`after a SET update of ${name}, the tap tables and channel order rebuilt on the GPU equal a fresh upload's`, async () => {
      const k = Math.ceil(w.colIdx.length / 3);
      const got = await run('convTables', { w, shape, k, salt: dstSalt(SEED, 0, 1) });
      expect(got.colIdx).not.toEqual(w.colIdx);
      expect(got.taps).toEqual(got.fresh.taps);
      expect(got.flippedTaps).toEqual(got.fresh.flippedTaps);
      expect(got.channelOrder).toEqual(got.fresh.channelOrder);
    });
  }

  it('a SET update moves the mask of the stride-2 circular case (the reference is not the identity)', async () => {
    const { shape, w, batch } = CASES[0]!;
    const g = convGeometry({ ...shape, batch });
    const rng = new Rng(3);
    const got = await run('convUpdate', {
      w,
      shape,
      batch,
      x: integers(rng, batch * g.cIn * g.h * g.w, 2),
      dy: integers(rng, batch * w.rows * g.ho * g.wo, 2),
      state: new Float32Array(2 * sgdStateLength(w.colIdx.length)),
      dst: { method: 'set', every: 1, fraction: 0.5, until: 10, seed: SEED },
      step: STEP,
    });
    expect(got.after.colIdx).not.toEqual(w.colIdx);
    expect(got.after.colIdx.length).toBe(w.colIdx.length);
  });

  it('a filter that stores every tap is left as it is (nothing to move: the dropped taps would be the only free ones)', async () => {
    const shape: ConvShape = { cIn: 2, h: 5, w: 5, kh: 3, kw: 3, padding: 1 };
    const w = coarse(patterned(3, 18, 14, () => true), 14);
    const rng = new Rng(4);
    const state = Float32Array.from({ length: 2 * sgdStateLength(54) }, () => rng.nextNormal());
    const got = await run('convUpdate', { w, shape, batch: 2, x: integers(rng, 2 * 50, 2), dy: integers(rng, 2 * 75, 2), state, dst: { method: 'rigl', every: 1, fraction: 0.5, until: 10, seed: SEED }, step: STEP });
    expect(got.record.moved).toEqual([0]);
    expect(got.after).toEqual({ ...w, values: Float32Array.from(w.values) });
    expect(got.state).toEqual(state);
  });

  for (const method of ['set', 'rigl'] as const) {
    it(`training a CNN after a ${method === 'set' ? 'SET' : 'RigL'} update equals training a static mask built from the new filters`, async () => {
      const r = new Rng(19);
      const data = { count: 24, features: 25, inputs: Float32Array.from({ length: 24 * 25 }, () => r.nextNormal()), labels: Uint32Array.from({ length: 24 }, (_, i) => i % 3) };
      // 1 -> 4 channels on 5x5 (3x3, stride 2, circular padding 1: 3x3 out), then 4 -> 3 classes (3x3, no padding: 1x1 out).
      const shapes: [ConvShape, ConvShape] = [
        { cIn: 1, h: 5, w: 5, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' },
        { cIn: 4, h: 3, w: 3, kh: 3, kw: 3 },
      ];
      const layers = [randomCsr(4, 9, 0.5, 41, { valueScale: 0.5 }), randomCsr(3, 36, 0.4, 42, { valueScale: 0.5 })];
      const out = await run('trainAfterUpdate', { layers, shapes, data, batchSize: 8, before: 3, after: 4, lr: 0.1, momentum: 0.9, dst: { method, every: 3, fraction: 0.3, until: 30 } });
      const f = (0.3 * (1 + Math.cos(Math.PI / 10))) / 2;
      expect(out.updates).toEqual([{ step: 3, fraction: f, moved: layers.map((l) => Math.round(f * l.colIdx.length)) }]);
      for (const [i, wAfter] of out.afterUpdate.entries()) expect(wAfter.colIdx.length).toBe(layers[i]!.colIdx.length);
      expect(out.afterUpdate[1].colIdx).not.toEqual(layers[1]!.colIdx);
      expect(out.dynamic.losses).toEqual(out.static.losses);
      for (const [i, wd] of out.dynamic.weights.entries()) {
        expect(wd.rowPtr).toEqual(out.static.weights[i].rowPtr);
        expect(wd.colIdx).toEqual(out.static.weights[i].colIdx);
        expect(wd.values).toEqual(out.static.weights[i].values);
      }
    });
  }

  it('refuses a convolution whose blocks hold an element mask, RigL before any training step and a bad fraction or step, before any allocation or dispatch', async () => {
    const { shape } = CASES[0]!;
    const got = await run('convRefusals', { w: randomCsr(6, 45, 0.3, 11), shape });
    // Its CSR mask does not fill the blocks (an element mask), which moving whole blocks would not carry along.
    expect(got.blocks).toEqual({
      name: 'TypeError',
      message: 'dst: layers[0] is a convolution stored in blocks ({"bsr":4}) whose mask does not fill them (an element mask); ' + "dynamic sparsity moves whole blocks, so it needs a filter of whole blocks (randomConvBsr, convBsrToCsr), or format 'csr' to move single taps",
      leaked: 0,
    });
    expect(got.untrained).toEqual({ name: 'RangeError', message: expect.stringMatching(/^dst: RigL grows from the last batch’s gradient; run a training step/), leaked: 0 });
    expect(got.fraction).toEqual({ name: 'RangeError', message: expect.stringMatching(/^fraction must be a number in \[0, 1\], got 1.5/), leaked: 0 });
    expect(got.gradient).toEqual({ name: 'TypeError', message: 'grow.gradientRows must be a function (row0, rows, into) writing dL/dW of those rows, got object', leaked: 0 });
    expect(got.step).toEqual({ name: 'RangeError', message: expect.stringMatching(/^step must be an integer/), leaked: 0 });
  });
});

describe('dst specs with CNNs', () => {
  it('accept a CSR CNN and one of block masks in blocks, refuse blocks without block masks and a dense one, naming the fix', () => {
    const dst = { method: 'set', every: 10, fraction: 0.3, until: 100 };
    const cnn: CnnModelConfig = { kind: 'cnn', inputShape: [1, 28, 28], depth: 1, channels: 8, classes: 10, stem: 2, kernel: 3, paddingMode: 'circular', init: 'uniform', density: 0.3, sigmaW: 1, sigmaB: 0, seed: 0, activation: 'tanh' };
    expect(() => checkDstSpec(cnn, false, dst)).not.toThrow();
    expect(() => checkDstSpec({ ...cnn, format: 'csr' }, true, dst)).not.toThrow();
    expect(() => checkDstSpec({ ...cnn, format: { bsr: 8 } }, false, dst)).toThrow(/^spec.dst: dynamic sparsity on format \{"bsr":8\} moves whole blocks, so it needs block masks, and model.blockMask is not set: set model.blockMask: true/);
    expect(() => checkDstSpec({ ...cnn, format: { bsr: 8 }, blockMask: true }, false, dst)).not.toThrow();
    expect(() => checkDstSpec({ ...cnn, format: { bsr: 8 }, blockMask: true }, true, dst)).toThrow(/a mask method's masks are elementwise/);
    expect(() => checkDstSpec({ ...cnn, init: 'delta-orthogonal' }, false, dst)).toThrow(/needs sparse layers, but init 'delta-orthogonal' is dense/);
  });
});
