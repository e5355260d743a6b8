import { describe, expect, it } from 'vitest';
import { chooseDenseConvConfig, type DenseConvConfig } from '../../src/kernels/conv-dense.js';
import { featureMajorStride } from '../../src/kernels/feature-major.js';
import { Rng } from '../../src/random.js';
import { type ConvDims, convGeometry, convTaps } from '../../src/sparse/conv-geometry.js';
import {
  convBackwardDataRef,
  convForwardRef,
  convWeightGradRef,
  denseFilterAsCsr,
  fromFeatureMajorRef,
  toFeatureMajorRef,
} from '../../src/sparse/index.js';
import type { DenseConvPassName } from '../cases/conv-dense.js';
import { describeGpu, type RunCase } from '../harness/gpu.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';

const max = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, v), 0);

/** Every padding column (example >= batch) of an activation-layout array is exactly 0. */
function expectPaddingZero(aT: Float32Array, batch: number, features: number) {
  const stride = featureMajorStride(batch);
  expect(aT.length).toBe(features * stride);
  let bad = 0;
  for (let f = 0; f < features; f++) for (let b = batch; b < stride; b++) if (aT[f * stride + b] !== 0) bad++;
  expect(bad).toBe(0);
}

interface PassOptions {
  bias?: boolean;
  config?: { forward?: DenseConvConfig; backwardData?: DenseConvConfig; weightGrad?: DenseConvConfig };
}

/**
 * Runs the three passes on random data (filter row 0 all zero, the others full) and checks each
 * against its float64 reference within the float32 bound. `terms`, the longest sum, is counted
 * exactly: the magnitude reference on all-ones data counts the terms of every output.
 */
async function expectPassesWithinBound(run: RunCase, dims: ConvDims, cOut: number, opts: PassOptions = {}) {
  const g = convGeometry(dims);
  const taps = convTaps(g);
  const inFeatures = g.cIn * g.h * g.w;
  const outFeatures = cOut * g.ho * g.wo;
  const rng = new Rng(((g.batch * 31 + g.cIn) * 37 + cOut) * 41 + g.h * g.w + g.kh);
  const w = randomFloat32(rng, cOut * taps).fill(0, 0, taps);
  const x = randomFloat32(rng, g.batch * inFeatures);
  const dy = randomFloat32(rng, g.batch * outFeatures);
  const bias = opts.bias ? randomFloat32(rng, cOut) : undefined;
  const r = await run('passes', {
    dims,
    cOut,
    w,
    x: toFeatureMajorRef(x, g.batch, inFeatures),
    dy: toFeatureMajorRef(dy, g.batch, outFeatures),
    bias,
    config: opts.config,
  });
  expect(r.nonFinite).toEqual({ y: 0, dx: 0, dw: 0 });
  expectPaddingZero(r.y, g.batch, outFeatures);
  expectPaddingZero(r.dx, g.batch, inFeatures);

  const filter = denseFilterAsCsr(w, cOut, taps);
  const ones = denseFilterAsCsr(new Float32Array(cOut * taps).fill(1), cOut, taps);
  const xOnes = new Float32Array(x.length).fill(1);
  const dyOnes = new Float32Array(dy.length).fill(1);
  const y = fromFeatureMajorRef(r.y, g.batch, outFeatures);
  const forwardTerms = max(convForwardRef(ones, xOnes, dims)) + (bias ? 1 : 0);
  expect(worstBoundRatio(y, convForwardRef(filter, x, dims, bias), convForwardRef(filter, x, dims, bias, true), forwardTerms)).toBeLessThanOrEqual(1);
  const dx = fromFeatureMajorRef(r.dx, g.batch, inFeatures);
  const dataTerms = max(convBackwardDataRef(ones, dyOnes, dims));
  expect(worstBoundRatio(dx, convBackwardDataRef(filter, dy, dims), convBackwardDataRef(filter, dy, dims, true), dataTerms)).toBeLessThanOrEqual(1);
  // The dense filter stores every tap, so its values order is dw's OIHW order.
  const weightTerms = max(convWeightGradRef(ones, dyOnes, xOnes, dims));
  expect(worstBoundRatio(r.dw, convWeightGradRef(filter, dy, x, dims), convWeightGradRef(filter, dy, x, dims, true), weightTerms)).toBeLessThanOrEqual(1);
}

const SHAPES: Array<{ name: string; dims: ConvDims; cOut: number; bias?: boolean }> = [
  { name: '3x3 padding 1 on an odd 7x9 image, cIn 3, cOut 5, batch 5, bias', dims: { batch: 5, cIn: 3, h: 7, w: 9, kh: 3, kw: 3, padding: 1 }, cOut: 5, bias: true },
  {
    name: '5x5 stride 3 circular padding 2, 9x7 (backward-data rows by phase, columns whole), cIn 1, cOut 37, batch 1',
    dims: { batch: 1, cIn: 1, h: 9, w: 7, kh: 5, kw: 5, stride: 3, padding: 2, paddingMode: 'circular' },
    cOut: 37,
  },
  {
    name: '3x3 stride 2 circular padding 1, 8x6 (backward-data phases both ways), cIn 3, cOut 5, batch 5',
    dims: { batch: 5, cIn: 3, h: 8, w: 6, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' },
    cOut: 5,
  },
  { name: '1x1, 5x7, cIn 3, cOut 37, batch 33, bias (weight gradient split)', dims: { batch: 33, cIn: 3, h: 5, w: 7, kh: 1, kw: 1 }, cOut: 37, bias: true },
  { name: '3x5 kernel (kh != kw), stride 2, zero padding 1, 11x13, cIn 3, cOut 8, batch 5', dims: { batch: 5, cIn: 3, h: 11, w: 13, kh: 3, kw: 5, stride: 2, padding: 1 }, cOut: 8 },
  { name: '3x3 circular padding 1, 5x7, cIn 3, cOut 5, batch 33, bias', dims: { batch: 33, cIn: 3, h: 5, w: 7, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' }, cOut: 5, bias: true },
  {
    name: 'circular padding as wide as the image (inputs read through up to 3x3 wraps), 1x3 kernel, stride 2',
    dims: { batch: 5, cIn: 2, h: 3, w: 4, kh: 1, kw: 3, stride: 2, padding: 3, paddingMode: 'circular' },
    cOut: 3,
  },
  { name: '1x1 stride 2 (pixels no tap reads), 6x5, cIn 3, cOut 4, batch 4', dims: { batch: 4, cIn: 3, h: 6, w: 5, kh: 1, kw: 1, stride: 2 }, cOut: 4 },
  { name: '3x3 padding 1, 8x8, cIn 16, cOut 64, batch 8: whole tiles, two row tiles', dims: { batch: 8, cIn: 16, h: 8, w: 8, kh: 3, kw: 3, padding: 1 }, cOut: 64, bias: true },
  { name: '5x5 valid (no padding) on 5x5: one output pixel, batch 1', dims: { batch: 1, cIn: 3, h: 5, w: 5, kh: 5, kw: 5 }, cOut: 5 },
];

describe('dense conv tile choice', () => {
  it('matmul tiles; the weight gradient splits its long sum when its output has few tiles', () => {
    const g = convGeometry({ batch: 33, cIn: 3, h: 5, w: 7, kh: 1, kw: 1 });
    expect(chooseDenseConvConfig('forward', g, 37).splits).toBeUndefined();
    expect(chooseDenseConvConfig('weightGrad', g, 37).splits).toBeGreaterThan(1);
    // A large output fills the device without splitting.
    expect(chooseDenseConvConfig('weightGrad', convGeometry({ batch: 8, cIn: 256, h: 8, w: 8, kh: 3, kw: 3, padding: 1 }), 256).splits).toBe(1);
    // A short sum is not split below the minimum range.
    expect(chooseDenseConvConfig('weightGrad', convGeometry({ batch: 1, cIn: 1, h: 3, w: 3, kh: 3, kw: 3 }), 1).splits).toBe(1);
  });
});

describeGpu('convDense', (run) => {
  for (const { name, dims, cOut, bias } of SHAPES) {
    it(`${name}: forward, backward-data and weight gradient within the float32 bound`, () => expectPassesWithinBound(run, dims, cOut, { bias }));
  }

  it('folded workgroup grids (limit lowered to 2 per dimension) give the same results', () => {
    const fold = { maxGroupsX: 2 };
    const dims: ConvDims = { batch: 5, cIn: 3, h: 7, w: 9, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' };
    const g = convGeometry(dims);
    const config = {
      forward: { ...chooseDenseConvConfig('forward', g, 5), ...fold },
      backwardData: { ...chooseDenseConvConfig('backwardData', g, 5), ...fold },
      weightGrad: { ...chooseDenseConvConfig('weightGrad', g, 5), splits: 3, ...fold },
    };
    return expectPassesWithinBound(run, dims, 5, { bias: true, config });
  });

  it('every tile shape and split count computes the same passes', async () => {
    const dims: ConvDims = { batch: 6, cIn: 3, h: 5, w: 7, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' };
    // More splits than tileK steps: the ranges are fewer, none empty.
    for (const tiles of [
      { wgX: 4, wgY: 16, tileK: 8, splits: 3 },
      { wgX: 16, wgY: 4, tileK: 32, splits: 100 },
      { wgX: 1, wgY: 1, tileK: 4, splits: 2 },
    ]) {
      await expectPassesWithinBound(run, dims, 7, { bias: true, config: { forward: tiles, backwardData: tiles, weightGrad: tiles } });
    }
  });

  describe('refusals name the argument', () => {
    const dims = { batch: 3, cIn: 2, h: 3, w: 3, kh: 3, kw: 3, padding: 1 };
    const cOut = 2;
    // Every tensor's right length for dims and cOut (batch 3: stride 4); y and x, dy and dx coincide.
    const right = { w: 36, x: 72, y: 72, bias: 2, dy: 72, dx: 72, dw: 36 };
    const refuse = (pass: DenseConvPassName, change: Record<string, unknown>) =>
      run('misuse', { pass, geometry: dims, cOut, lengths: right, ...change });

    it('lengths', async () => {
      await expect(refuse('forward', { lengths: { ...right, w: 35 } })).rejects.toThrow(/^w must have length 36 \(cOut\*cIn\*kh\*kw\), got 35/);
      await expect(refuse('forward', { lengths: { ...right, x: 71 } })).rejects.toThrow(/^x must have length 72 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 71/);
      await expect(refuse('forward', { lengths: { ...right, y: 68 } })).rejects.toThrow(/^y must have length 72 \(cOut\*ho\*wo\*featureMajorStride\(batch\)\), got 68/);
      await expect(refuse('forward', { lengths: { ...right, bias: 3 } })).rejects.toThrow(/^bias must have length 2 \(cOut\), got 3/);
      await expect(refuse('backwardData', { lengths: { ...right, dy: 70 } })).rejects.toThrow(/^dy must have length 72 /);
      await expect(refuse('backwardData', { lengths: { ...right, dx: 70 } })).rejects.toThrow(/^dx must have length 72 /);
      await expect(refuse('backwardData', { lengths: { ...right, w: 37 } })).rejects.toThrow(/^w must have length 36 /);
      await expect(refuse('weightGrad', { lengths: { ...right, dw: 37 } })).rejects.toThrow(/^dw must have length 36 \(cOut\*cIn\*kh\*kw\), got 37/);
      await expect(refuse('weightGrad', { lengths: { ...right, x: 76 } })).rejects.toThrow(/^x must have length 72 /);
    });

    it('geometry and cOut', async () => {
      await expect(refuse('forward', { geometry: { ...dims, stride: 0 } })).rejects.toThrow(/^geometry\.stride must be an integer in \[1, 65535\], got 0/);
      await expect(refuse('backwardData', { geometry: { ...dims, kh: 6 } })).rejects.toThrow(/^geometry\.kh must be at most h \+ 2\*padding = 5, got 6/);
      await expect(refuse('weightGrad', { geometry: null })).rejects.toThrow(TypeError);
      await expect(refuse('forward', { cOut: 0 })).rejects.toThrow(/^cOut must be an integer in \[1, 65535\], got 0/);
      await expect(refuse('weightGrad', { cOut: 1.5 })).rejects.toThrow(TypeError);
    });

    it('outputs that alias an input', async () => {
      await expect(refuse('forward', { alias: ['y', 'x'] })).rejects.toThrow(/^y must be a different tensor from x/);
      await expect(refuse('backwardData', { alias: ['dx', 'dy'] })).rejects.toThrow(/^dx must be a different tensor from dy/);
      await expect(refuse('weightGrad', { alias: ['dw', 'x'], lengths: { ...right, dy: 144, x: 36, dw: 36 }, geometry: { ...dims, batch: 1, cIn: 1, w: 3 }, cOut: 4 })).rejects.toThrow(
        /^dw must be a different tensor from x/,
      );
    });

    it('tile configurations the kernel is not written for', async () => {
      const tiles = { wgX: 8, wgY: 8, tileK: 32 };
      await expect(refuse('forward', { config: { ...tiles, tileK: 6 } })).rejects.toThrow(/^config\.tileK must be a multiple of 4, got 6/);
      await expect(refuse('forward', { config: { ...tiles, wgX: 0 } })).rejects.toThrow(/^config\.wgX must be an integer in \[1, /);
      await expect(refuse('backwardData', { config: { ...tiles, wgX: 32, wgY: 32 } })).rejects.toThrow(/^config\.wgX \* config\.wgY must be at most /);
      await expect(refuse('backwardData', { config: { wgX: 16, wgY: 16, tileK: 1024 } })).rejects.toThrow(/^config\.tileK \* \(config\.wgX \+ config\.wgY\) \* 16 must be at most /);
      await expect(refuse('weightGrad', { config: { ...tiles, splits: 0 } })).rejects.toThrow(/^config\.splits must be an integer in \[1, /);
    });
  });
});
