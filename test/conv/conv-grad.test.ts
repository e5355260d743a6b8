import { describe, expect, it } from 'vitest';
import { CONV_SDDMM_LANES, chooseConvSddmmLanes } from '../../src/kernels/sddmm-conv.js';
import { Rng } from '../../src/random.js';
import {
  type ConvDims,
  convBiasGradRef,
  convGeometry,
  convWeightGradRef,
  type CsrMatrix,
  fromFeatureMajorRef,
  avgPool2dBackwardRef,
  avgPool2dRef,
  globalAvgPoolBackwardRef,
  globalAvgPoolRef,
  randomCsr,
  toFeatureMajorRef,
} from '../../src/sparse/index.js';
import { describeGpu, type RunCase } from '../harness/gpu.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';
import { abs, patterned } from '../sparse-fixtures.js';

const stride = (batch: number) => Math.ceil(batch / 4) * 4;

/** The padding columns (examples >= batch) of an activation-layout array, which must hold exactly 0. */
function paddingOf(aT: ArrayLike<number>, batch: number, features: number): number[] {
  const s = stride(batch);
  const out: number[] = [];
  for (let f = 0; f < features; f++) for (let b = batch; b < s; b++) out.push(aT[f * s + b]!);
  return out;
}

/** A filter of cOut rows over cIn·kh·kw taps: row 0 empty, row 1 full (when cOut > 1), the rest at density 0.3. */
function filterWithEmptyAndFullRows(cOut: number, taps: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  return patterned(cOut, taps, seed, (r) => (r === 0 ? false : r === 1 ? true : rng.nextFloat() < 0.3));
}

/** Runs the conv weight gradient on the GPU and checks it against the float64 reference. */
async function expectConvSddmmWithinBound(run: RunCase, w: CsrMatrix, dims: ConvDims, extra: { fold?: { maxGroupsX: number }; lanes?: number } = {}) {
  const g = convGeometry(dims);
  const rng = new Rng(g.h * 101 + g.w * 7 + g.batch + w.rows);
  const x = randomFloat32(rng, g.batch * g.cIn * g.h * g.w);
  const dy = randomFloat32(rng, g.batch * w.rows * g.ho * g.wo);
  const dw: Float32Array = await run('convSddmm', {
    w,
    dims,
    x: toFeatureMajorRef(x, g.batch, g.cIn * g.h * g.w),
    dy: toFeatureMajorRef(dy, g.batch, w.rows * g.ho * g.wo),
    ...extra,
  });
  expect(dw.length).toBe(w.colIdx.length);
  // Every entry sums ho·wo·batch products (those in zero padding count as exact zeros).
  const terms = g.ho * g.wo * g.batch;
  expect(worstBoundRatio(dw, convWeightGradRef(w, dy, x, dims), convWeightGradRef(w, dy, x, dims, true), terms)).toBeLessThanOrEqual(1);
}

/** Runs the channel sums on the GPU and checks them against the bias-gradient reference. */
async function expectChannelSumsWithinBound(run: RunCase, batch: number, channels: number, plane: number, fold?: { maxGroupsX: number }) {
  const dy = randomFloat32(new Rng(batch * 31 + channels * 7 + plane), batch * channels * plane);
  const db: Float32Array = await run('channelSums', { dims: { batch, channels, plane }, dy: toFeatureMajorRef(dy, batch, channels * plane), fold });
  expect(db.length).toBe(channels);
  expect(worstBoundRatio(db, convBiasGradRef(dy, batch, channels, plane), convBiasGradRef(dy, batch, channels, plane, true), batch * plane)).toBeLessThanOrEqual(1);
}

/** Runs global average pooling forward and backward on the GPU; padding columns must come out exactly 0. */
async function expectPoolWithinBound(run: RunCase, batch: number, channels: number, plane: number, fold?: { maxGroupsX: number }) {
  const rng = new Rng(batch * 13 + channels * 5 + plane);
  const x = randomFloat32(rng, batch * channels * plane);
  const dy = randomFloat32(rng, batch * channels);
  const dims = { batch, channels, plane };
  const s = stride(batch);
  const yT: Float32Array = await run('pool', { backward: false, dims, input: toFeatureMajorRef(x, batch, channels * plane), outLength: channels * s, fold });
  const dxT: Float32Array = await run('pool', { backward: true, dims, input: toFeatureMajorRef(dy, batch, channels), outLength: channels * plane * s, fold });
  expect(paddingOf(yT, batch, channels).every((v) => Object.is(v, 0))).toBe(true);
  expect(paddingOf(dxT, batch, channels * plane).every((v) => Object.is(v, 0))).toBe(true);
  // The mean: plane - 1 additions, then 1/plane rounded once and one product.
  const y = fromFeatureMajorRef(yT, batch, channels);
  expect(worstBoundRatio(y, globalAvgPoolRef(x, batch, channels, plane), globalAvgPoolRef(abs(x), batch, channels, plane), plane + 1)).toBeLessThanOrEqual(1);
  const dx = fromFeatureMajorRef(dxT, batch, channels * plane);
  expect(worstBoundRatio(dx, globalAvgPoolBackwardRef(dy, batch, channels, plane), globalAvgPoolBackwardRef(abs(dy), batch, channels, plane), 2)).toBeLessThanOrEqual(1);
}

/**
 * Runs 2x2 average pooling forward and backward on the GPU: within the bound of four additions
 * (the scaling by 1/4 is exact) forward, exact backward; padding columns exactly 0.
 */
async function expectAvgPool2dWithinBound(run: RunCase, dims: { batch: number; channels: number; h: number; w: number }, fold?: { maxGroupsX: number }) {
  const { batch, channels, h, w } = dims;
  const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
  const rng = new Rng(batch * 17 + channels * 3 + h * 7 + w);
  const x = randomFloat32(rng, batch * channels * h * w);
  const dy = randomFloat32(rng, batch * channels * ho * wo);
  const s = stride(batch);
  const yT: Float32Array = await run('avgPool2d', { backward: false, dims, input: toFeatureMajorRef(x, batch, channels * h * w), outLength: channels * ho * wo * s, fold });
  const dxT: Float32Array = await run('avgPool2d', { backward: true, dims, input: toFeatureMajorRef(dy, batch, channels * ho * wo), outLength: channels * h * w * s, fold });
  expect(paddingOf(yT, batch, channels * ho * wo).every((v) => Object.is(v, 0))).toBe(true);
  expect(paddingOf(dxT, batch, channels * h * w).every((v) => Object.is(v, 0))).toBe(true);
  const y = fromFeatureMajorRef(yT, batch, channels * ho * wo);
  expect(worstBoundRatio(y, avgPool2dRef(x, batch, channels, h, w), avgPool2dRef(abs(x), batch, channels, h, w), 4)).toBeLessThanOrEqual(1);
  expect(Array.from(fromFeatureMajorRef(dxT, batch, channels * h * w))).toEqual(Array.from(avgPool2dBackwardRef(dy, batch, channels, h, w)));
}

const CONV_SHAPES: Array<{ name: string; cOut: number; dims: ConvDims }> = [
  { name: '3x3, odd 7x9 image, padding 1, batch 5, cIn 3', cOut: 6, dims: { batch: 5, cIn: 3, h: 7, w: 9, kh: 3, kw: 3, padding: 1 } },
  { name: '5x5 stride 2 padding 2, 9x7 image, batch 1, cIn 1', cOut: 4, dims: { batch: 1, cIn: 1, h: 9, w: 7, kh: 5, kw: 5, stride: 2, padding: 2 } },
  { name: '1x1, 5x7 image, batch 33, cIn 3', cOut: 8, dims: { batch: 33, cIn: 3, h: 5, w: 7, kh: 1, kw: 1 } },
  { name: '1x1 stride 2, 9x9 image, batch 5, cIn 3', cOut: 5, dims: { batch: 5, cIn: 3, h: 9, w: 9, kh: 1, kw: 1, stride: 2 } },
  {
    name: '5x3 circular padding 2, stride 2, 9x11 image, batch 5, cIn 2',
    cOut: 6,
    dims: { batch: 5, cIn: 2, h: 9, w: 11, kh: 5, kw: 3, stride: 2, padding: 2, paddingMode: 'circular' },
  },
  { name: '3x3 circular padding 1, 8x5 image, batch 33, cIn 3', cOut: 7, dims: { batch: 33, cIn: 3, h: 8, w: 5, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' } },
  { name: '3x5 circular, padding as wide as the image (3), batch 5, cIn 1', cOut: 3, dims: { batch: 5, cIn: 1, h: 3, w: 4, kh: 3, kw: 5, padding: 3, paddingMode: 'circular' } },
  { name: '3x3 on a 3x3 image: one output pixel, batch 33 (lanes share the pixel)', cOut: 5, dims: { batch: 33, cIn: 3, h: 3, w: 3, kh: 3, kw: 3 } },
  { name: '3x3 stride 2 no padding, 6x5 image, batch 1, cIn 3', cOut: 4, dims: { batch: 1, cIn: 3, h: 6, w: 5, kh: 3, kw: 3, stride: 2 } },
];

describe('conv weight gradient lane choice', () => {
  it('one lane per item while the items alone fill a GPU; more lanes only with enough steps each', () => {
    expect(chooseConvSddmmLanes(4096, 784 * 8)).toBe(1);
    expect(chooseConvSddmmLanes(1900, 784 * 8)).toBe(4);
    expect(chooseConvSddmmLanes(10, 784 * 8)).toBe(64);
    expect(chooseConvSddmmLanes(10, 256)).toBe(4);
    expect(chooseConvSddmmLanes(10, 9)).toBe(1);
    for (const items of [1, 100, 5000]) for (const steps of [1, 500, 1e5]) expect(CONV_SDDMM_LANES).toContain(chooseConvSddmmLanes(items, steps));
  });
});

describeGpu('convGrad', (run) => {
  for (const { name, cOut, dims } of CONV_SHAPES) {
    it(`conv weight gradient, ${name}: an empty and a full row, within the float32 bound`, () =>
      expectConvSddmmWithinBound(run, filterWithEmptyAndFullRows(cOut, dims.cIn * dims.kh * dims.kw, cOut * 17 + dims.kh), dims));
  }

  it('conv weight gradient at 32 x 16 channels, 16x16, 3x3 padding 1, batch 8, density 0.2', () =>
    expectConvSddmmWithinBound(run, randomCsr(32, 16 * 9, 0.2, 41), { batch: 8, cIn: 16, h: 16, w: 16, kh: 3, kw: 3, padding: 1 }));

  it('conv weight gradient on a folded grid (limit lowered to 2 per dimension)', () =>
    expectConvSddmmWithinBound(run, randomCsr(9, 3 * 9, 0.5, 43), { batch: 5, cIn: 3, h: 7, w: 5, kh: 3, kw: 3, stride: 2, padding: 1 }, { fold: { maxGroupsX: 2 } }));

  it('every lane count per work item computes the same gradient (items sharing a workgroup, lanes sharing a pixel)', async () => {
    const shapes: Array<[CsrMatrix, ConvDims]> = [
      [randomCsr(12, 8 * 9, 0.3, 45), { batch: 8, cIn: 8, h: 9, w: 11, kh: 3, kw: 3, padding: 1 }],
      [filterWithEmptyAndFullRows(5, 27, 46), { batch: 33, cIn: 3, h: 3, w: 3, kh: 3, kw: 3 }],
      [filterWithEmptyAndFullRows(6, 30, 47), { batch: 5, cIn: 2, h: 9, w: 11, kh: 5, kw: 3, stride: 2, padding: 2, paddingMode: 'circular' }],
    ];
    for (const [w, dims] of shapes) {
      for (const lanes of CONV_SDDMM_LANES) await expectConvSddmmWithinBound(run, w, dims, { lanes });
    }
    await expectConvSddmmWithinBound(run, shapes[0]![0], shapes[0]![1], { lanes: 16, fold: { maxGroupsX: 2 } });
  });

  it('conv weight gradient of a filter with no stored taps writes nothing and succeeds', async () => {
    const dims = { batch: 2, cIn: 1, h: 3, w: 3, kh: 1, kw: 1 };
    const dw: Float32Array = await run('convSddmm', { w: randomCsr(2, 1, 0, 1), dims, x: new Float32Array(9 * 4), dy: new Float32Array(18 * 4) });
    expect(dw.length).toBe(0);
  });

  for (const [batch, channels, plane] of [
    [5, 300, 1],
    [1, 300, 1],
    [33, 64, 1],
    [5, 3, 784],
    [33, 6, 63],
    [1, 4, 256],
    [2, 5, 7],
  ] as const) {
    it(`channel sums and global average pooling: batch ${batch}, ${channels} channels, plane ${plane}`, async () => {
      await expectChannelSumsWithinBound(run, batch, channels, plane);
      await expectPoolWithinBound(run, batch, channels, plane);
    });
  }

  // Odd sides (the last row and column dropped), the smallest window, batch 1 and 33 (a partial group).
  for (const dims of [
    { batch: 5, channels: 3, h: 7, w: 9 },
    { batch: 1, channels: 1, h: 2, w: 2 },
    { batch: 33, channels: 2, h: 6, w: 5 },
    { batch: 1, channels: 8, h: 28, w: 28 },
    { batch: 2, channels: 4, h: 3, w: 8 },
  ]) {
    it(`2x2 average pooling: batch ${dims.batch}, ${dims.channels} channels, ${dims.h}x${dims.w}`, () => expectAvgPool2dWithinBound(run, dims));
  }

  it('channel sums and pooling on folded grids (limit lowered to 2 per dimension)', async () => {
    await expectChannelSumsWithinBound(run, 5, 300, 1, { maxGroupsX: 2 });
    await expectChannelSumsWithinBound(run, 9, 5, 49, { maxGroupsX: 2 });
    await expectPoolWithinBound(run, 9, 40, 9, { maxGroupsX: 2 });
    await expectAvgPool2dWithinBound(run, { batch: 9, channels: 40, h: 5, w: 4 }, { maxGroupsX: 2 });
  });

  it('the conv weight gradient refuses bad arguments, naming them', async () => {
    const dims = { batch: 5, cIn: 2, h: 4, w: 5, kh: 3, kw: 3, padding: 1 };
    const w = randomCsr(3, 18, 0.5, 3);
    const x = new Float32Array(2 * 20 * 8);
    const dy = new Float32Array(3 * 20 * 8);
    const ok = { w, dims, x, dy };
    await expect(run('convSddmm', { ...ok, x: new Float32Array(x.length - 1) })).rejects.toThrow(/^x must have length 320 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 319/);
    await expect(run('convSddmm', { ...ok, dy: new Float32Array(3 * 20 * 4) })).rejects.toThrow(/^dy must have length 480 \(filter\.rows\*ho\*wo\*featureMajorStride\(batch\)\)/);
    await expect(run('convSddmm', { ...ok, dwLength: w.colIdx.length + 1 })).rejects.toThrow(/^dw must have length \d+ \(filter\.nnz\)/);
    await expect(run('convSddmm', { ...ok, w: randomCsr(3, 17, 0.5, 3) })).rejects.toThrow(/^filter\.cols must equal cIn\*kh\*kw = 18, got 17/);
    await expect(run('convSddmm', { ...ok, dims: { ...dims, stride: 0 } })).rejects.toThrow(/^geometry\.stride must be an integer in \[1, /);
    await expect(run('convSddmm', { ...ok, dims: { ...dims, kh: 7 } })).rejects.toThrow(/^geometry\.kh must be at most h \+ 2\*padding = 6, got 7/);
    await expect(run('convSddmm', { ...ok, alias: 'x' })).rejects.toThrow(/^dw must be a different tensor from x/);
    await expect(run('convSddmm', { ...ok, alias: 'dy' })).rejects.toThrow(/^dw must be a different tensor from dy/);
    await expect(run('convSddmm', { ...ok, lanes: 3 })).rejects.toThrow(/^opts\.lanes must be one of 1, 2, 4, 8, 16, 32, 64, got 3/);
  });

  it('channel sums and pooling refuse bad shapes, lengths and aliasing, naming them', async () => {
    const dims = { batch: 5, channels: 3, plane: 4 };
    const dy = new Float32Array(3 * 4 * 8);
    await expect(run('channelSums', { dims, dy: new Float32Array(dy.length + 8) })).rejects.toThrow(/^dy must have length 96 \(channels\*plane\*featureMajorStride\(batch\)\), got 104/);
    await expect(run('channelSums', { dims, dy, dbLength: 4 })).rejects.toThrow(/^db must have length 3 \(channels\), got 4/);
    await expect(run('channelSums', { dims: { ...dims, plane: 0 }, dy })).rejects.toThrow(RangeError);
    await expect(run('channelSums', { dims: { ...dims, plane: 0 }, dy })).rejects.toThrow(/^dims\.plane must be an integer in \[1, /);
    await expect(run('channelSums', { dims: { ...dims, channels: 1.5 }, dy, dbLength: 3 })).rejects.toThrow(TypeError);
    await expect(run('channelSums', { dims: { ...dims, channels: 1.5 }, dy, dbLength: 3 })).rejects.toThrow(/^dims\.channels must be an integer/);
    await expect(run('channelSums', { dims: { ...dims, batch: -1 }, dy })).rejects.toThrow(/^dims\.batch must be an integer in \[1, /);
    await expect(run('channelSums', { dims: null, dy, dbLength: 3 })).rejects.toThrow(/^dims must be a \{ batch, channels, plane \} object/);
    await expect(run('channelSums', { dims, dy, alias: 'dy' })).rejects.toThrow(/^db must be a different tensor from dy/);

    const x = new Float32Array(3 * 4 * 8);
    const forward = { backward: false, dims, input: x, outLength: 3 * 8 };
    const backward = { backward: true, dims, input: new Float32Array(3 * 8), outLength: 3 * 4 * 8 };
    await expect(run('pool', { ...forward, input: new Float32Array(3 * 4 * 5) })).rejects.toThrow(/^x must have length 96 \(channels\*plane\*featureMajorStride\(batch\)\), got 60/);
    await expect(run('pool', { ...forward, outLength: 3 * 5 })).rejects.toThrow(/^y must have length 24 \(channels\*featureMajorStride\(batch\)\), got 15/);
    await expect(run('pool', { ...forward, dims: { ...dims, plane: 2.5 } })).rejects.toThrow(/^dims\.plane must be an integer/);
    await expect(run('pool', { ...forward, alias: 'input' })).rejects.toThrow(/^y must be a different tensor from x/);
    await expect(run('pool', { ...backward, input: new Float32Array(3 * 5) })).rejects.toThrow(/^dy must have length 24 \(channels\*featureMajorStride\(batch\)\), got 15/);
    await expect(run('pool', { ...backward, outLength: 3 * 4 * 5 })).rejects.toThrow(/^dx must have length 96 \(channels\*plane\*featureMajorStride\(batch\)\), got 60/);
    await expect(run('pool', { ...backward, dims: { ...dims, channels: 0 } })).rejects.toThrow(/^dims\.channels must be an integer in \[1, /);
    await expect(run('pool', { ...backward, alias: 'input' })).rejects.toThrow(/^dx must be a different tensor from dy/);

    const image = { batch: 5, channels: 3, h: 5, w: 4 };
    const down = { backward: false, dims: image, input: new Float32Array(3 * 20 * 8), outLength: 3 * 4 * 8 };
    const up = { backward: true, dims: image, input: new Float32Array(3 * 4 * 8), outLength: 3 * 20 * 8 };
    await expect(run('avgPool2d', down)).resolves.toHaveLength(3 * 4 * 8);
    await expect(run('avgPool2d', { ...down, input: new Float32Array(3 * 20 * 5) })).rejects.toThrow(/^x must have length 480 \(channels\*h\*w\*featureMajorStride\(batch\)\), got 300/);
    await expect(run('avgPool2d', { ...down, outLength: 3 * 6 * 8 })).rejects.toThrow(/^y must have length 96 \(channels\*ho\*wo\*featureMajorStride\(batch\)\), got 144/);
    await expect(run('avgPool2d', { ...down, dims: { ...image, h: 1 } })).rejects.toThrow(/^dims\.h must be at least 2 \(one 2x2 window\), got 1/);
    await expect(run('avgPool2d', { ...down, dims: { ...image, w: 2.5 } })).rejects.toThrow(/^dims\.w must be an integer/);
    await expect(run('avgPool2d', { ...down, dims: null })).rejects.toThrow(/^dims must be a \{ batch, channels, h, w \} object/);
    await expect(run('avgPool2d', { ...down, alias: 'input' })).rejects.toThrow(/^y must be a different tensor from x/);
    await expect(run('avgPool2d', { ...up, input: new Float32Array(3 * 5 * 8) })).rejects.toThrow(/^dy must have length 96 \(channels\*ho\*wo\*featureMajorStride\(batch\)\), got 120/);
    await expect(run('avgPool2d', { ...up, outLength: 3 * 4 * 8 })).rejects.toThrow(/^dx must have length 480 \(channels\*h\*w\*featureMajorStride\(batch\)\), got 96/);
    await expect(run('avgPool2d', { ...up, dims: { ...image, channels: 0 } })).rejects.toThrow(/^dims\.channels must be an integer in \[1, /);
    await expect(run('avgPool2d', { ...up, alias: 'input' })).rejects.toThrow(/^dx must be a different tensor from dy/);
  });
});
