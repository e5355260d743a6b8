import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/gpu/context.js';
import {
  chooseConvCsrConfig,
  CONV_CSR_GROUPS_PER_INVOCATION,
  CONV_CSR_PIXELS_PER_INVOCATION,
  conv2dCsr,
  type ConvCsrConfig,
} from '../../src/kernels/conv-csr.js';
import type { ActivationSpec } from '../../src/kernels/activation.js';
import { flippedWalk } from '../../src/kernels/conv-parts.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import { activationRef } from '../../src/train/activation-reference.js';
import { Rng } from '../../src/random.js';
import { type ConvDims, convForwardRef, convGeometry, type CsrMatrix, fromFeatureMajorRef, randomCsr } from '../../src/sparse/index.js';
import { describeGpu, type RunCase } from '../harness/gpu.js';
import { ACTIVATION_ULPS, randomFloat32, worstBoundRatio, worstFusedSlopeRatio, worstUlps } from '../harness/tolerance.js';
import { patterned } from '../sparse-fixtures.js';
import { convOperands, expectPassesWithinBound, expectZeroPadding, mostTerms, ones } from './passes.js';

interface RunOptions {
  bias?: boolean;
  config?: ConvCsrConfig;
  fold?: FoldOptions;
  /** run the passes with this activation fused, and check what the epilogue adds */
  activation?: ActivationSpec;
}

/** Forward (with bias when asked) and backward-data on the GPU against the float64 references. */
async function expectConvWithinBound(run: RunCase, w: CsrMatrix, dims: ConvDims, opts: RunOptions = {}): Promise<void> {
  const g = convGeometry(dims);
  const rng = new Rng(g.batch * 7919 + g.h * 131 + g.w * 17 + w.rows);
  const operands = convOperands(rng, dims, w.rows, opts.bias);
  const { x, dy, bias } = operands;
  const { activation } = opts;
  const zBelow = activation && Float32Array.from(randomFloat32(rng, g.batch * g.cIn * g.h * g.w), (v) => 3 * v);
  const { y, dx, a } = await run('convPasses', { w, dims, x, dy, bias, config: opts.config, fold: opts.fold, activation, zBelow });
  const back = expectPassesWithinBound(w, dims, operands, y, dx);
  if (!activation) {
    expect(worstBoundRatio(back.got, back.want, back.magnitude, back.terms)).toBeLessThanOrEqual(1);
    return;
  }
  // The epilogue: a is act of the z the kernel computed, dx is the product times act'(zBelow).
  const outFeatures = w.rows * g.ho * g.wo;
  expectZeroPadding(a, g.batch, outFeatures);
  const z = fromFeatureMajorRef(y, g.batch, outFeatures);
  expect(worstUlps(fromFeatureMajorRef(a, g.batch, outFeatures), activationRef(activation, z), () => 1)).toBeLessThanOrEqual(ACTIVATION_ULPS);
  expect(worstFusedSlopeRatio(back.got, back.want, back.magnitude, back.terms, zBelow!, activation)).toBeLessThanOrEqual(1);
}

/** A random filter of cOut rows for `dims`. */
function filterFor(dims: ConvDims, cOut: number, density: number, seed: number): CsrMatrix {
  return randomCsr(cOut, dims.cIn * dims.kh * dims.kw, density, seed);
}

/**
 * Stride-1 shapes for the two backward-data walks: zero padding up to kernel - 1 (a 3x5 kernel: 0
 * rows, 2 columns after flipping), size-keeping circular padding on a 6x5 image and a 1x1 kernel,
 * which the flipped walk takes, then padding wider than the kernel and circular padding that grows
 * the image, which it does not (the general walk runs either way).
 */
const STRIDE_1_WALKS: Array<{ dims: ConvDims; flips: boolean }> = [
  { dims: { batch: 9, cIn: 5, h: 5, w: 7, kh: 3, kw: 5, padding: 2 }, flips: true },
  { dims: { batch: 9, cIn: 5, h: 6, w: 5, kh: 5, kw: 5, padding: 2, paddingMode: 'circular' }, flips: true },
  { dims: { batch: 2, cIn: 6, h: 3, w: 4, kh: 1, kw: 1 }, flips: true },
  { dims: { batch: 9, cIn: 5, h: 4, w: 5, kh: 3, kw: 3, padding: 3 }, flips: false },
  { dims: { batch: 9, cIn: 5, h: 5, w: 6, kh: 3, kw: 3, padding: 2, paddingMode: 'circular' }, flips: false },
];

describe('conv tile choice', () => {
  it('the flipped backward-data walk: stride 1 with zero padding below the kernel or size-keeping circular padding', () => {
    for (const { dims, flips } of STRIDE_1_WALKS) {
      const g = convGeometry(dims);
      const walk = flippedWalk(g);
      if (!flips) {
        expect(walk).toBeUndefined();
        continue;
      }
      // dy (ho x wo) to dx (h x w), the paddings kh - 1 - padding and kw - 1 - padding.
      expect(walk).toEqual({ inH: g.ho, inW: g.wo, outH: g.h, outW: g.w, padY: g.kh - 1 - g.padding, padX: g.kw - 1 - g.padding });
    }
    expect(flippedWalk(convGeometry({ ...STRIDE_1_WALKS[0]!.dims, stride: 2 }))).toBeUndefined();
  });

  it('64-invocation workgroups, bv from the kernel’s list, 8 accumulators per forward invocation', () => {
    for (const batch of [1, 2, 4, 5, 8, 16, 17, 33, 64, 100, 128, 256, 1000]) {
      const config = chooseConvCsrConfig(batch);
      expect(config.wgB * config.wgR).toBe(64);
      expect(CONV_CSR_GROUPS_PER_INVOCATION).toContain(config.bv);
      expect(config.bv * config.px!).toBe(8);
      if (config.wgB * config.bv < Math.ceil(batch / 4)) expect(config.bv).toBe(8);
    }
  });
});

describe('conv2dCsr validation', () => {
  // Any use of the context (an allocation, a dispatch) would throw a different error.
  const untouchable = new Proxy({} as Context, {
    get: () => {
      throw new Error('the GPU context was used');
    },
  });

  it('refuses bad input naming the argument, before touching the GPU', async () => {
    const dims = { batch: 2, cIn: 2, h: 5, w: 5, kh: 3, kw: 3, padding: 1 };
    const w = randomCsr(3, 18, 0.5, 44);
    const x = new Float32Array(2 * 2 * 5 * 5);
    const refuse = (params: Record<string, unknown>, message: RegExp | ErrorConstructor) => {
      const p = { w, x, dims, ...params } as { w: CsrMatrix; x: Float32Array; dims: ConvDims };
      return expect(conv2dCsr(untouchable, p.w, p.x, p.dims)).rejects.toThrow(message);
    };
    await refuse({ w: { ...w, rowPtr: w.rowPtr.map((p, i) => (i === 0 ? 1 : p)) } }, /w\.rowPtr\[0\] must be 0, got 1/);
    await refuse({ w: { ...w, values: new Float64Array(w.values) } }, TypeError);
    await refuse({ w: { ...w, colIdx: w.colIdx.map((c, i) => (i === 0 ? 18 : c)) } }, /w\.colIdx\[0\] = 18 must be < cols \(18\)/);
    await refuse({ w: { ...w, cols: 19 } }, /w\.cols must equal cIn\*kh\*kw = 18, got 19/);
    await refuse({ x: new Float64Array(x.length) }, /x must be a Float32Array, got Float64Array/);
    await refuse({ x: new Float32Array(x.length - 1) }, /x must have length 100 \(batch\*cIn\*h\*w\), got 99/);
    await refuse({ x: x.map((v, i) => (i === 7 ? Number.NaN : v)) }, /x\[7\] = NaN must be finite/);
    await refuse({ dims: { ...dims, stride: 0 } }, /dims\.stride must be an integer in \[1, /);
    await refuse({ dims: { ...dims, padding: -1 } }, /dims\.padding must be an integer in \[0, /);
    await refuse({ dims: { ...dims, kh: 8 } }, /dims\.kh must be at most h \+ 2\*padding = 7, got 8/);
    await refuse({ dims: { ...dims, padding: 6, paddingMode: 'circular' } }, /dims\.padding must be at most min\(h, w\) = 5 with circular padding, got 6/);
    await refuse({ dims: { ...dims, paddingMode: 'reflect' } }, /dims\.paddingMode must be one of 'zeros', 'circular', got reflect/);
    await refuse({ dims: null }, TypeError);
  });
});

describeGpu('conv', (run) => {
  const cases: Array<{ name: string; dims: ConvDims; cOut: number; density: number; bias: boolean }> = [
    { name: '7x5, 3x3, zero padding 1, cIn 3, batch 5', dims: { batch: 5, cIn: 3, h: 7, w: 5, kh: 3, kw: 3, padding: 1 }, cOut: 6, density: 0.4, bias: true },
    {
      name: '9x11, 5x5, circular padding 2, stride 2, cIn 3, batch 33',
      dims: { batch: 33, cIn: 3, h: 9, w: 11, kh: 5, kw: 5, stride: 2, padding: 2, paddingMode: 'circular' },
      cOut: 5,
      density: 0.3,
      bias: false,
    },
    { name: '1x1 kernel, cIn 16, 7x5, batch 1', dims: { batch: 1, cIn: 16, h: 7, w: 5, kh: 1, kw: 1 }, cOut: 8, density: 0.3, bias: true },
    { name: '3x5 kernel, 8x9, zero padding 1, stride 2, cIn 1, batch 33', dims: { batch: 33, cIn: 1, h: 8, w: 9, kh: 3, kw: 5, stride: 2, padding: 1 }, cOut: 4, density: 0.6, bias: true },
    { name: 'circular 3x3, padding 1, 5x7, cIn 1, batch 1', dims: { batch: 1, cIn: 1, h: 5, w: 7, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' }, cOut: 3, density: 0.7, bias: false },
    {
      name: 'circular padding as wide as the image (3x4, padding 3: rows wrap both ways)',
      dims: { batch: 5, cIn: 2, h: 3, w: 4, kh: 3, kw: 3, padding: 3, paddingMode: 'circular' },
      cOut: 3,
      density: 0.5,
      bias: true,
    },
    {
      name: 'circular 3x3, padding 1, stride 2, 7x5, cIn 3, batch 5',
      dims: { batch: 5, cIn: 3, h: 7, w: 5, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' },
      cOut: 4,
      density: 0.4,
      bias: true,
    },
    { name: '5x5 kernel, no padding, stride 2, 9x11, cIn 3, batch 5', dims: { batch: 5, cIn: 3, h: 9, w: 11, kh: 5, kw: 5, stride: 2 }, cOut: 4, density: 0.3, bias: false },
    {
      name: 'zero padding 2 around a 3x3 kernel (corner outputs read only padding: bias alone)',
      dims: { batch: 5, cIn: 2, h: 4, w: 5, kh: 3, kw: 3, padding: 2 },
      cOut: 3,
      density: 0.5,
      bias: true,
    },
    { name: '5x5 kernel taller than the image (3x6, padding 1)', dims: { batch: 2, cIn: 2, h: 3, w: 6, kh: 5, kw: 5, padding: 1 }, cOut: 3, density: 0.5, bias: false },
    { name: 'density 0.1, cIn 16, cOut 16, 3x3, padding 1, 8x8, batch 33', dims: { batch: 33, cIn: 16, h: 8, w: 8, kh: 3, kw: 3, padding: 1 }, cOut: 16, density: 0.1, bias: true },
    // A 5x5 kernel on a 5x6 image: with circular padding 2 every pixel's taps wrap at some border.
    ...[1, 2].map((stride) => ({
      name: `circular 5x5, padding 2, stride ${stride}, 5x6, cIn 3, batch 5 (every pixel wraps)`,
      dims: { batch: 5, cIn: 3, h: 5, w: 6, kh: 5, kw: 5, stride, padding: 2, paddingMode: 'circular' as const },
      cOut: 4,
      density: 0.5,
      bias: stride === 1,
    })),
    {
      name: 'circular 5x5, padding 5 (the image size), stride 2, 5x6, cIn 2, batch 5',
      dims: { batch: 5, cIn: 2, h: 5, w: 6, kh: 5, kw: 5, stride: 2, padding: 5, paddingMode: 'circular' },
      cOut: 3,
      density: 0.5,
      bias: false,
    },
  ];
  cases.forEach(({ name, dims, cOut, density, bias }, i) => {
    it(`${name}${bias ? ', with bias' : ''}: forward and backward-data within the float32 bound`, () =>
      expectConvWithinBound(run, filterFor(dims, cOut, density, 100 + i), dims, { bias }));
  });

  // Each shape again with an activation fused into both passes (tanh, the deep CNN's; softplus,
  // whose act(0) != 0 must not leak into the padding; blended pswish, the recipe's soft neurons).
  const fusedActivations: ActivationSpec[] = [{ name: 'tanh' }, { name: 'softplus' }, { name: 'pswish', blend: 0.3 }, { name: 'relu' }];
  cases.forEach(({ name, dims, cOut, density, bias }, i) => {
    const activation = fusedActivations[i % fusedActivations.length]!;
    it(`${name}, ${activation.name}${activation.blend ? ' blended' : ''} fused: z, act(z) and dx ⊙ act'(z) within their bounds`, () =>
      expectConvWithinBound(run, filterFor(dims, cOut, density, 100 + i), dims, { bias, activation }));
  });

  it('a filter with an empty row and a full row, with and without bias', async () => {
    const dims: ConvDims = { batch: 5, cIn: 3, h: 6, w: 7, kh: 3, kw: 3, padding: 1 };
    const rng = new Rng(31);
    const w = patterned(5, 27, 32, (r) => r === 3 || (r !== 1 && rng.nextFloat() < 0.3));
    expect(w.rowPtr[2]! - w.rowPtr[1]!).toBe(0);
    expect(w.rowPtr[4]! - w.rowPtr[3]!).toBe(27);
    await expectConvWithinBound(run, w, dims, { bias: true });
    await expectConvWithinBound(run, w, { ...dims, stride: 2, paddingMode: 'circular' }, { bias: false });
  });

  it('an empty filter gives the bias planes and an exactly zero gradient', () =>
    expectConvWithinBound(run, randomCsr(3, 18, 0, 33), { batch: 5, cIn: 2, h: 5, w: 5, kh: 3, kw: 3, padding: 1 }, { bias: true }));

  it('folded workgroup grids (limit lowered to 2 per dimension) give the same results', async () => {
    // 6 channels x 7 x 5 pixels in workgroups of 8 slots: 27 tiles on a 2 x 14 grid.
    const config = { wgB: 1, wgR: 8, bv: 2 } as const;
    await expectConvWithinBound(run, filterFor(cases[0]!.dims, 6, 0.4, 40), cases[0]!.dims, { bias: true, config, fold: { maxGroupsX: 2 } });
  });

  it('every tile configuration computes the same convolution', async () => {
    // Stride 2 with circular wraps, and a 3x5 kernel with wide zero padding; wo = 5 and 7 leave
    // partial pixel blocks, batch 37 a partial batch tile.
    for (const dims of [
      { batch: 37, cIn: 3, h: 7, w: 9, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' as const },
      { batch: 37, cIn: 2, h: 5, w: 7, kh: 3, kw: 5, padding: 2 },
    ]) {
      const w = filterFor(dims, 4, 0.4, 41);
      for (const wgB of [1, 4]) {
        for (const bv of CONV_CSR_GROUPS_PER_INVOCATION) {
          for (const px of CONV_CSR_PIXELS_PER_INVOCATION.filter((p) => bv * p <= 8)) {
            await expectConvWithinBound(run, w, dims, { bias: (bv + px) % 3 === 0, config: { wgB, wgR: 64 / wgB, bv, px } });
          }
        }
      }
      for (const config of [{ wgB: 2, wgR: 32, bv: 4 }, { wgB: 8, wgR: 8, bv: 1 }, { wgB: 1, wgR: 1, bv: 1, px: 8 }] as const) {
        await expectConvWithinBound(run, w, dims, { config });
      }
    }
  });

  it('every pixel block of both stride-1 circular walks wraps per pixel: px 1 to 8 on a 5x6 image', async () => {
    // Blocks of 4 and 8 pixels straddle the right border or run past the row.
    const dims: ConvDims = { batch: 3, cIn: 2, h: 5, w: 6, kh: 5, kw: 5, padding: 2, paddingMode: 'circular' };
    const w = filterFor(dims, 3, 0.6, 44);
    for (const flipped of [true, false]) {
      for (const px of CONV_CSR_PIXELS_PER_INVOCATION) await expectConvWithinBound(run, w, dims, { config: { wgB: 1, wgR: 64, bv: 1, px, flipped } });
    }
  });

  it('stride-1 backward-data gives the same dx through the flipped forward walk and the general one', async () => {
    const rng = new Rng(47);
    for (const { dims } of STRIDE_1_WALKS) {
      const taps = dims.cIn * dims.kh * dims.kw;
      // Output channel 1 stores nothing, 3 every tap; input channel 2 is stored by no output channel.
      const w = patterned(5, taps, 48, (r, c) => r === 3 || (r !== 1 && Math.floor(c / (dims.kh * dims.kw)) !== 2 && rng.nextFloat() < 0.4));
      for (const flipped of [true, false]) await expectConvWithinBound(run, w, dims, { config: { ...chooseConvCsrConfig(dims.batch), flipped } });
    }
  });

  it('conv2dCsr (one-shot API, NCHW in and out) matches the reference, defaults stride 1 and padding 0', async () => {
    for (const dims of [
      { batch: 3, cIn: 3, h: 7, w: 9, kh: 3, kw: 3 },
      { batch: 6, cIn: 2, h: 9, w: 7, kh: 5, kw: 3, stride: 2, padding: 2, paddingMode: 'circular' as const },
    ]) {
      const g = convGeometry(dims);
      const w = filterFor(dims, 4, 0.3, 42);
      const x = randomFloat32(new Rng(43), g.batch * g.cIn * g.h * g.w);
      const y: Float32Array = await run('conv2dCsr', { w, x, dims });
      expect(y).toBeInstanceOf(Float32Array);
      expect(y.length).toBe(g.batch * 4 * g.ho * g.wo);
      const terms = mostTerms(convForwardRef({ ...w, values: ones(w.values.length) }, ones(x.length), dims));
      expect(worstBoundRatio(y, convForwardRef(w, x, dims), convForwardRef(w, x, dims, undefined, true), terms)).toBeLessThanOrEqual(1);
    }
  });

  it('the Into functions and the GPU filter refuse mismatched operands naming them', async () => {
    // cIn·h·w = cOut·ho·wo here, so the aliasing flaws pass the length checks.
    const dims = { batch: 5, cIn: 2, h: 4, w: 3, kh: 3, kw: 3, padding: 1 };
    const w = randomCsr(2, 18, 0.5, 45);
    const refuse = (flaw: string, message: RegExp) => expect(run('convRefusal', { w, dims, flaw })).rejects.toThrow(message);
    await expect(run('convRefusal', { w, dims, flaw: 'none' })).resolves.toBe('accepted');
    await refuse('geometryKh', /geometry\.kh must equal filter\.kh = 3, got 4/);
    await refuse('xLength', /x must have length 192 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 196/);
    await refuse('yLength', /y must have length 192 \(cOut\*ho\*wo\*featureMajorStride\(batch\)\), got 196/);
    await refuse('biasLength', /bias must have length 2 \(cOut\), got 6/);
    await refuse('dyLength', /dy must have length 192 \(cOut\*ho\*wo\*featureMajorStride\(batch\)\), got 196/);
    await refuse('dxLength', /dx must have length 192 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 196/);
    await refuse('yIsX', /y must be a different tensor from x/);
    await refuse('dxIsDy', /dx must be a different tensor from dy/);
    await refuse('bv', /config\.bv must be one of 1, 2, 4, 8, got 3/);
    await refuse('px', /config\.px must be one of 1, 2, 4, 8, got 3/);
    await refuse('bvTimesPx', /config\.bv \* config\.px must be at most 8, got 16/);
    await refuse('flipped', /config\.flipped must be true or false, got string no/);
    const dy = new Float32Array(5 * 2 * 12);
    await expect(run('convPasses', { w: { ...w, cols: 27, colIdx: w.colIdx }, dims, x: new Float32Array(5 * 24), dy })).rejects.toThrow(
      /w\.cols must equal cIn\*kh\*kw = 18, got 27/,
    );
  });
});
