import { describe, expect, it } from 'vitest';
import {
  chooseConvBsrConfig,
  CONV_BSR_GROUPS_PER_INVOCATION,
  CONV_BSR_PIXELS_PER_INVOCATION,
  CONV_BSR_QUADS_PER_INVOCATION,
  type ConvBsrConfig,
} from '../../src/kernels/conv-bsr.js';
import { CONV_BSR_GRAD_QUADS } from '../../src/kernels/sddmm-conv-bsr.js';
import { CONV_SDDMM_LANES } from '../../src/kernels/sddmm-conv.js';
import { Rng } from '../../src/random.js';
import {
  CONV_BSR_BLOCK_SIZES,
  type ConvBsrBlockSize,
  type ConvBsrFilter,
  convBsrFromCsr,
  convBsrToCsr,
  randomConvBsr,
  validateConvBsr,
} from '../../src/sparse/conv-bsr.js';
import {
  type ConvDims,
  convBackwardDataRef,
  convForwardRef,
  convGeometry,
  convWeightGradRef,
  fromFeatureMajorRef,
  randomCsr,
} from '../../src/sparse/index.js';
import { describeGpu, type RunCase } from '../harness/gpu.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';
import { patterned } from '../sparse-fixtures.js';
import { convOperands, expectPassesWithinBound, mostTerms, ones } from './passes.js';

interface RunOptions {
  bias?: boolean;
  config?: ConvBsrConfig;
  grad?: { lanes?: number; qo?: number; qi?: number };
  fold?: { maxGroupsX: number };
}

/**
 * The three passes on the GPU against the float64 references over the block filter's stored
 * elements as a CSR filter; dw must also be exactly 0 everywhere outside them (channel padding,
 * elementMask 0).
 */
async function expectConvBsrWithinBound(run: RunCase, f: ConvBsrFilter, dims: ConvDims, opts: RunOptions = {}): Promise<void> {
  const g = convGeometry(dims);
  const rng = new Rng(g.batch * 7919 + g.h * 131 + g.w * 17 + f.cOut * 3 + f.blockSize);
  const operands = convOperands(rng, dims, f.cOut, opts.bias);
  const { x, dy, bias } = operands;
  const { y, dx, dw } = await run('convBsrPasses', { f, dims, x, dy, bias, config: opts.config, grad: opts.grad, fold: opts.fold });
  const { w, offsets } = convBsrToCsr(f);
  const back = expectPassesWithinBound(w, dims, operands, y, dx);
  expect(worstBoundRatio(back.got, back.want, back.magnitude, back.terms)).toBeLessThanOrEqual(1);
  expect(dw.length).toBe(f.values.length);
  const dwStored = Float32Array.from(offsets, (o) => dw[o]!);
  const terms = g.ho * g.wo * g.batch;
  expect(worstBoundRatio(dwStored, convWeightGradRef(w, dy, x, dims), convWeightGradRef(w, dy, x, dims, true), terms)).toBeLessThanOrEqual(1);
  const stored = new Uint8Array(dw.length);
  for (const o of offsets) stored[o] = 1;
  for (let i = 0; i < dw.length; i++) if (!stored[i] && dw[i] !== 0) expect.fail(`dw[${i}] outside the pattern holds ${dw[i]}`);
}

/** A random whole-block filter of cOut output channels for `dims`. */
function blockFilter(dims: ConvDims, cOut: number, density: number, blockSize: ConvBsrBlockSize, seed: number): ConvBsrFilter {
  return randomConvBsr({ cOut, cIn: dims.cIn, kh: dims.kh, kw: dims.kw }, density, blockSize, seed);
}

/** `f` with block row `br` emptied and block row `full` holding every block column. */
function withEmptyAndFullRows(f: ConvBsrFilter, br: number, full: number, seed: number): ConvBsrFilter {
  const blockValues = f.kh * f.kw * f.blockSize ** 2;
  const rng = new Rng(seed);
  const rowPtr = new Uint32Array(f.blockRows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < f.blockRows; r++) {
    const columns = r === full ? Array.from({ length: f.blockCols }, (_, c) => c) : r === br ? [] : Array.from(f.colIdx.subarray(f.rowPtr[r], f.rowPtr[r + 1]));
    for (const c of columns) {
      colIdx.push(c);
      for (let k = 0; k < blockValues; k++) values.push(rng.nextFloat() * 2 - 1);
    }
    rowPtr[r + 1] = colIdx.length;
  }
  const out: ConvBsrFilter = { ...f, rowPtr, colIdx: Uint32Array.from(colIdx), values: Float32Array.from(values), elementMask: undefined };
  // Zero the channel padding again (the values above fill whole blocks).
  const { offsets } = convBsrToCsr({ ...out, values: new Float32Array(out.values.length) });
  const kept = new Float32Array(out.values.length);
  for (const o of offsets) kept[o] = out.values[o]!;
  return { ...out, values: kept };
}

describe('block conv filters (host)', () => {
  it('randomConvBsr: exactly round(density·blocks) blocks, zero channel padding, the same for the same seed', () => {
    const dims = { cOut: 10, cIn: 7, kh: 3, kw: 3 };
    for (const b of CONV_BSR_BLOCK_SIZES) {
      const f = randomConvBsr(dims, 0.5, b, 3);
      validateConvBsr(f);
      const blocks = Math.ceil(10 / b) * Math.ceil(7 / b);
      expect(f.colIdx.length).toBe(Math.round(0.5 * blocks));
      expect(f.values.length).toBe(f.colIdx.length * 9 * b * b);
      expect(f.elementMask).toBeUndefined();
      expect(randomConvBsr(dims, 0.5, b, 3).values).toEqual(f.values);
      const { w } = convBsrToCsr(f);
      // Every in-range element of every stored block is in the pattern.
      let inRange = 0;
      for (let br = 0; br < f.blockRows; br++) {
        for (let k = f.rowPtr[br]!; k < f.rowPtr[br + 1]!; k++) inRange += (Math.min(10, (br + 1) * b) - br * b) * (Math.min(7, (f.colIdx[k]! + 1) * b) - f.colIdx[k]! * b) * 9;
      }
      expect(w.colIdx.length).toBe(inRange);
    }
    expect(randomConvBsr(dims, 0, 4, 1).colIdx.length).toBe(0);
  });

  it('convBsrFromCsr covers a CSR filter, and convBsrToCsr gives it back entry for entry', () => {
    const shape = { cIn: 7, kh: 3, kw: 5 };
    for (const b of CONV_BSR_BLOCK_SIZES) {
      const csr = randomCsr(11, 7 * 15, 0.2, 5);
      const f = convBsrFromCsr(csr, shape, b);
      validateConvBsr(f);
      expect(f.elementMask).toBeDefined();
      const { w, offsets } = convBsrToCsr(f);
      expect(w).toEqual(csr);
      expect(offsets.length).toBe(csr.colIdx.length);
      // A CSR filter storing every tap fills every block: no element mask.
      const dense = randomCsr(5, 7 * 15, 1, 6);
      const full = convBsrFromCsr(dense, shape, b);
      expect(full.elementMask).toBeUndefined();
      expect(convBsrToCsr(full).w).toEqual(dense);
    }
  });

  it('validateConvBsr and the constructors refuse bad input, naming the field', () => {
    const f = randomConvBsr({ cOut: 6, cIn: 5, kh: 3, kw: 3 }, 1, 4, 7);
    const refuse = (patch: Record<string, unknown>, message: RegExp | ErrorConstructor) => expect(() => validateConvBsr({ ...f, ...patch })).toThrow(message);
    refuse({ blockSize: 32 }, /w\.blockSize must be one of 4, 8, 16, got 32/);
    refuse({ blockRows: 3 }, /w\.blockRows must be ceil\(w\.cOut \/ w\.blockSize\) = 2, got 3/);
    refuse({ blockCols: '2' }, TypeError);
    refuse({ kh: 0 }, /w\.kh must be an integer in \[1, /);
    refuse({ values: new Float64Array(f.values) }, /w\.values must be a Float32Array, got Float64Array/);
    refuse({ values: f.values.subarray(1) }, /w\.values must have length \d+ \(w\.rowPtr\[blockRows\] \* kh\*kw \* blockSize\^2\)/);
    refuse({ values: f.values.map((v, i) => (i === 5 ? Infinity : v)) }, /w\.values\[5\] = Infinity must be finite/);
    // Element (tap 0, row 0, column 4) of block 1 (block column 1) is input channel 5: padding.
    const padding = 1 * 9 * 16 + 4 * 0 + 1;
    refuse({ values: f.values.map((v, i) => (i === padding ? 1 : v)) }, /w\.values\[\d+\] = 1 must be 0: \(output channel 0, input channel 5\) lies in the padding beyond 6 x 5 channels/);
    refuse({ colIdx: Uint32Array.from(f.colIdx, (c, i) => (i === 0 ? 9 : c)) }, /w\.colIdx\[0\] = 9 must be < blockCols \(2\)/);
    refuse({ elementMask: new Uint8Array(f.values.length).fill(2) }, /w\.elementMask\[0\] = 2 must be 0 or 1/);
    refuse({ elementMask: new Uint8Array(f.values.length) }, /w\.values\[0\] = .* must be 0: w\.elementMask\[0\] = 0 puts it outside the pattern/);
    expect(() => validateConvBsr(null)).toThrow(/w must be a block-sparse conv filter object, got null/);
    expect(() => randomConvBsr({ cOut: 6, cIn: 5, kh: 3, kw: 3 }, 1.5, 4, 1)).toThrow(/density must be a number in \[0, 1\], got 1\.5/);
    expect(() => randomConvBsr({ cOut: 6, cIn: 5, kh: 3, kw: 3 }, 0.5, 2 as 4, 1)).toThrow(/blockSize must be one of 4, 8, 16, got 2/);
    expect(() => randomConvBsr({ cOut: 6, cIn: 0, kh: 3, kw: 3 }, 0.5, 4, 1)).toThrow(/dims\.cIn must be an integer in \[1, /);
    expect(() => convBsrFromCsr(randomCsr(3, 20, 0.5, 1), { cIn: 2, kh: 3, kw: 3 }, 4)).toThrow(/w\.cols must equal cIn\*kh\*kw = 18, got 20/);
  });
});

describe('block conv tile choice', () => {
  it('64-invocation workgroups, every quad of the block, 4 operand columns', () => {
    for (const b of CONV_BSR_BLOCK_SIZES) {
      for (const batch of [1, 2, 5, 8, 16, 33, 128, 1000]) {
        const c = chooseConvBsrConfig(batch, b);
        expect(c.wgB * c.wgR).toBe(64);
        expect(CONV_BSR_GROUPS_PER_INVOCATION).toContain(c.bv);
        expect(CONV_BSR_PIXELS_PER_INVOCATION).toContain(c.px);
        expect(CONV_BSR_QUADS_PER_INVOCATION).toContain(c.qo);
        expect(c.qo).toBe(b / 4);
        expect(c.bv * c.px!).toBe(4);
      }
    }
  });
});

describeGpu('convBsr', (run) => {
  const cases: Array<{ name: string; dims: ConvDims; cOut: number; blockSize: ConvBsrBlockSize; density: number; bias: boolean }> = [
    { name: 'B4, 6 x 3 channels, 7x5, 3x3, zero padding 1, batch 5', dims: { batch: 5, cIn: 3, h: 7, w: 5, kh: 3, kw: 3, padding: 1 }, cOut: 6, blockSize: 4, density: 1, bias: true },
    {
      name: 'B8, 10 x 5 channels, 9x11, 5x5, circular padding 2, stride 2, batch 33',
      dims: { batch: 33, cIn: 5, h: 9, w: 11, kh: 5, kw: 5, stride: 2, padding: 2, paddingMode: 'circular' },
      cOut: 10,
      blockSize: 8,
      density: 0.5,
      bias: false,
    },
    { name: 'B16, 17 x 20 channels, 7x5, 1x1, batch 1', dims: { batch: 1, cIn: 20, h: 7, w: 5, kh: 1, kw: 1 }, cOut: 17, blockSize: 16, density: 0.75, bias: true },
    { name: 'B4, 9 x 7 channels, 8x9, 3x5, zero padding 1, stride 2, batch 33', dims: { batch: 33, cIn: 7, h: 8, w: 9, kh: 3, kw: 5, stride: 2, padding: 1 }, cOut: 9, blockSize: 4, density: 0.5, bias: true },
    { name: 'B8, 12 x 9 channels, 5x7, 3x3, circular padding 1, batch 1', dims: { batch: 1, cIn: 9, h: 5, w: 7, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' }, cOut: 12, blockSize: 8, density: 0.75, bias: false },
    {
      name: 'B4, circular padding as wide as the image (3x4, padding 3)',
      dims: { batch: 5, cIn: 6, h: 3, w: 4, kh: 3, kw: 3, padding: 3, paddingMode: 'circular' },
      cOut: 5,
      blockSize: 4,
      density: 0.5,
      bias: true,
    },
    { name: 'B16, 20 x 18 channels, 9x11, 5x5, no padding, stride 2, batch 5', dims: { batch: 5, cIn: 18, h: 9, w: 11, kh: 5, kw: 5, stride: 2 }, cOut: 20, blockSize: 16, density: 0.5, bias: false },
    { name: 'B4, 16 x 16 channels, 8x8, 3x3, padding 1, batch 33, density 0.25', dims: { batch: 33, cIn: 16, h: 8, w: 8, kh: 3, kw: 3, padding: 1 }, cOut: 16, blockSize: 4, density: 0.25, bias: true },
    {
      name: 'B8, zero padding 2 around a 3x3 kernel (corner outputs read only padding: bias alone)',
      dims: { batch: 5, cIn: 3, h: 4, w: 5, kh: 3, kw: 3, padding: 2 },
      cOut: 11,
      blockSize: 8,
      density: 1,
      bias: true,
    },
    { name: 'B4, 1x1 stride 2, 9x9, cIn 1, batch 5', dims: { batch: 5, cIn: 1, h: 9, w: 9, kh: 1, kw: 1, stride: 2 }, cOut: 7, blockSize: 4, density: 1, bias: false },
    { name: 'B8, 5x5 kernel taller than the image (3x6, padding 1)', dims: { batch: 2, cIn: 3, h: 3, w: 6, kh: 5, kw: 5, padding: 1 }, cOut: 9, blockSize: 8, density: 0.5, bias: false },
    {
      name: 'B4, 5x5, circular padding 2, stride 2, 5x6 (every pixel wraps)',
      dims: { batch: 5, cIn: 6, h: 5, w: 6, kh: 5, kw: 5, stride: 2, padding: 2, paddingMode: 'circular' },
      cOut: 5,
      blockSize: 4,
      density: 0.75,
      bias: true,
    },
    {
      name: 'B4, 5x5, circular padding 5 (the image size), stride 2, 5x6',
      dims: { batch: 5, cIn: 6, h: 5, w: 6, kh: 5, kw: 5, stride: 2, padding: 5, paddingMode: 'circular' },
      cOut: 5,
      blockSize: 4,
      density: 0.75,
      bias: false,
    },
  ];
  cases.forEach(({ name, dims, cOut, blockSize, density, bias }, i) => {
    it(`${name}${bias ? ', with bias' : ''}: forward, backward-data and weight gradient within the float32 bound`, () =>
      expectConvBsrWithinBound(run, blockFilter(dims, cOut, density, blockSize, 100 + i), dims, { bias }));
  });

  it('an empty and a full block row, with and without bias', async () => {
    const dims: ConvDims = { batch: 5, cIn: 10, h: 6, w: 7, kh: 3, kw: 3, padding: 1 };
    const f = withEmptyAndFullRows(blockFilter(dims, 14, 0.4, 4, 31), 1, 2, 32);
    expect(f.rowPtr[2]! - f.rowPtr[1]!).toBe(0);
    expect(f.rowPtr[3]! - f.rowPtr[2]!).toBe(f.blockCols);
    await expectConvBsrWithinBound(run, f, dims, { bias: true });
    await expectConvBsrWithinBound(run, f, { ...dims, stride: 2, paddingMode: 'circular' }, { bias: false });
  });

  it('an element-masked filter (covering a CSR filter): masked-out taps stay 0 and get a zero gradient', async () => {
    const dims: ConvDims = { batch: 5, cIn: 9, h: 7, w: 6, kh: 3, kw: 3, padding: 1 };
    for (const b of CONV_BSR_BLOCK_SIZES) {
      const rng = new Rng(33 + b);
      // Row 3 empty, row 5 full, the rest at 30%.
      const csr = patterned(13, 81, 34 + b, (r) => r !== 3 && (r === 5 || rng.nextFloat() < 0.3));
      const f = convBsrFromCsr(csr, dims, b);
      expect(f.elementMask).toBeDefined();
      await expectConvBsrWithinBound(run, f, dims, { bias: b === 8 });
    }
  });

  it('a filter with no stored block gives the bias planes and exactly zero gradients', () =>
    expectConvBsrWithinBound(run, blockFilter({ batch: 5, cIn: 6, h: 5, w: 5, kh: 3, kw: 3, padding: 1 }, 5, 0, 4, 35), { batch: 5, cIn: 6, h: 5, w: 5, kh: 3, kw: 3, padding: 1 }, { bias: true }));

  it('folded workgroup grids (limit lowered to 2 per dimension) give the same results', async () => {
    // 6 output channels (2 quads) x 7 x 5 pixels in workgroups of 8 slots: 9 forward tiles on a 2 x 5 grid.
    const dims = cases[0]!.dims;
    await expectConvBsrWithinBound(run, blockFilter(dims, 6, 1, 4, 40), dims, { bias: true, config: { wgB: 1, wgR: 8, bv: 2 }, fold: { maxGroupsX: 2 } });
  });

  it('every tile configuration computes the same convolution', async () => {
    // Stride 2 with circular wraps, and a 3x5 kernel with wide zero padding; wo = 5 and 7 leave
    // partial pixel blocks, batch 37 a partial batch tile, 10 x 9 channels a partly padded block
    // (quad 3 all padding). Each configuration is a pipeline of its own and compiling dominates,
    // so each runs on one of the two shapes, alternately; wgB alternates between 1 and 4 every
    // other configuration, so that each shape sees both.
    const shapes: ConvDims[] = [
      { batch: 37, cIn: 9, h: 7, w: 9, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' },
      { batch: 37, cIn: 9, h: 5, w: 7, kh: 3, kw: 5, padding: 2 },
    ];
    const filters = shapes.map((dims) => blockFilter(dims, 10, 1, 16, 41));
    let n = 0;
    for (const qo of CONV_BSR_QUADS_PER_INVOCATION) {
      for (const bv of CONV_BSR_GROUPS_PER_INVOCATION) {
        for (const px of CONV_BSR_PIXELS_PER_INVOCATION.filter((p) => qo * bv * p <= 4)) {
          const wgB = (n >> 1) % 2 ? 4 : 1;
          const s = n++ % 2;
          await expectConvBsrWithinBound(run, filters[s]!, shapes[s]!, { bias: (bv + px + qo) % 3 === 0, config: { wgB, wgR: 64 / wgB, bv, px, qo } });
        }
      }
    }
    expect(n).toBe(10);
    for (const dims of shapes) await expectConvBsrWithinBound(run, blockFilter(dims, 19, 0.5, 8, 42), dims, { config: { wgB: 2, wgR: 32, bv: 1, px: 2, qo: 2 } });
  }, 300_000);

  it('stride-1 backward-data gives the same dx through the flipped forward walk and the general one', async () => {
    // Zero padding up to kernel - 1 (here 0 rows, 2 columns after flipping), size-keeping circular
    // padding (every pixel of the 5x6 image wraps), padding wider than the kernel, and circular
    // padding as wide as the image (the general walk either way).
    for (const dims of [
      { batch: 9, cIn: 9, h: 5, w: 7, kh: 3, kw: 5, padding: 2 },
      { batch: 9, cIn: 9, h: 6, w: 5, kh: 5, kw: 5, padding: 2, paddingMode: 'circular' as const },
      { batch: 9, cIn: 9, h: 5, w: 6, kh: 5, kw: 5, padding: 2, paddingMode: 'circular' as const },
      { batch: 9, cIn: 9, h: 4, w: 5, kh: 3, kw: 3, padding: 3 },
      { batch: 9, cIn: 9, h: 5, w: 6, kh: 5, kw: 5, padding: 5, paddingMode: 'circular' as const },
    ]) {
      const f = blockFilter(dims, 10, 0.5, 8, 43);
      for (const flipped of [true, false]) await expectConvBsrWithinBound(run, f, dims, { config: { wgB: 1, wgR: 64, bv: 2, px: 2, qo: 2, flipped } });
    }
    // The general walk's stride-1 circular path wraps each pixel of a block: px 1 and 4 (straddling the border).
    const dims: ConvDims = { batch: 3, cIn: 5, h: 5, w: 6, kh: 5, kw: 5, padding: 2, paddingMode: 'circular' };
    const f = blockFilter(dims, 6, 0.75, 4, 44);
    for (const px of [1, 4] as const) await expectConvBsrWithinBound(run, f, dims, { config: { wgB: 1, wgR: 64, bv: 1, px, qo: 1, flipped: false } });
  });

  it('every lane count and unit shape of the weight gradient computes the same gradient', async () => {
    const dims: ConvDims = { batch: 8, cIn: 9, h: 9, w: 11, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' };
    const f = blockFilter(dims, 12, 0.5, 8, 45);
    for (const lanes of CONV_SDDMM_LANES) await expectConvBsrWithinBound(run, f, dims, { grad: { lanes } });
    await expectConvBsrWithinBound(run, f, dims, { grad: { lanes: 16 }, fold: { maxGroupsX: 2 } });
    // Units of every shape on 19 x 18 channels of BS = 16 (partly padded quads), zero padding 2.
    const wide: ConvDims = { batch: 5, cIn: 18, h: 7, w: 6, kh: 3, kw: 5, stride: 2, padding: 2 };
    const f16 = blockFilter(wide, 19, 0.75, 16, 46);
    for (const qo of CONV_BSR_GRAD_QUADS) {
      for (const qi of CONV_BSR_GRAD_QUADS) await expectConvBsrWithinBound(run, f16, wide, { grad: { qo, qi, lanes: qo === qi ? 4 : 1 } });
    }
  });

  it('SparseConv2d with format { bsr } computes and trains the CSR layer: masked-out taps stay exactly 0', async () => {
    const shape = { cIn: 10, h: 7, w: 6, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' as const };
    const batch = 5;
    const dims = { ...shape, batch };
    const g = convGeometry(dims);
    const rng = new Rng(51);
    // Row 2 empty, row 4 full, the rest at 30%: an element mask inside every block size.
    const w = patterned(9, 90, 52, (r) => r !== 2 && (r === 4 || rng.nextFloat() < 0.3));
    const x = randomFloat32(rng, batch * 10 * 42);
    const dy = randomFloat32(rng, batch * 9 * 42);
    const bias = randomFloat32(rng, 9);
    const written = randomFloat32(rng, w.values.length);
    const onesW = { ...w, values: ones(w.values.length) };
    for (const format of ['csr', { bsr: 4 }, { bsr: 8 }, { bsr: 16 }] as const) {
      const out = await run('sparseConvLayer', { w, shape, batch, x, dy, bias, format, written });
      expect(out.format).toEqual(format);
      expect(out.density).toBe(w.colIdx.length / (9 * 90));
      const y = fromFeatureMajorRef(out.y, batch, 9 * 42);
      const forwardTerms = mostTerms(convForwardRef(onesW, ones(x.length), dims, ones(9)));
      expect(worstBoundRatio(y, convForwardRef(w, x, dims, bias), convForwardRef(w, x, dims, bias, true), forwardTerms)).toBeLessThanOrEqual(1);
      const dx = fromFeatureMajorRef(out.dx, batch, 10 * 42);
      const backwardTerms = mostTerms(convBackwardDataRef(onesW, ones(dy.length), dims));
      expect(worstBoundRatio(dx, convBackwardDataRef(w, dy, dims), convBackwardDataRef(w, dy, dims, true), backwardTerms)).toBeLessThanOrEqual(1);
      // The gradient in the layer's own layout: CSR order, or the blocks with 0 outside the mask.
      const offsets = format === 'csr' ? Uint32Array.from(w.values, (_, e) => e) : convBsrToCsr(convBsrFromCsr(w, shape, format.bsr)).offsets;
      const inMask = new Uint8Array(out.grad.length);
      for (const o of offsets) inMask[o] = 1;
      const grad = Float32Array.from(offsets, (o) => out.grad[o]!);
      const terms = g.ho * g.wo * batch;
      expect(worstBoundRatio(grad, convWeightGradRef(w, dy, x, dims), convWeightGradRef(w, dy, x, dims, true), terms)).toBeLessThanOrEqual(1);
      expect(out.initial).toEqual(w.values);
      expect(out.afterWrite).toEqual(written);
      expect(out.trained.rowPtr).toEqual(w.rowPtr);
      expect(out.trained.colIdx).toEqual(w.colIdx);
      expect(out.trained.values.some((v: number, e: number) => v !== written[e])).toBe(true);
      for (let i = 0; i < out.grad.length; i++) {
        if (!inMask[i] && (out.grad[i] !== 0 || out.stored[i] !== 0)) expect.fail(`${JSON.stringify(format)}: element ${i} outside the mask holds ${out.grad[i]} / ${out.stored[i]}`);
      }
    }
    const refuse = (format: unknown, message: RegExp) => expect(run('sparseConvFormatRefusal', { w, shape, format })).rejects.toThrow(message);
    await refuse({ bsr: 32 }, /^format must be 'csr' or \{ bsr: 4 \| 8 \| 16 \}, got \{"bsr":32\}/);
    await refuse('bsr', /^format must be 'csr' or \{ bsr: 4 \| 8 \| 16 \}, got "bsr"/);
    await expect(run('sparseConvFormatRefusal', { w, shape, format: { bsr: 8 } })).resolves.toBe('accepted');
  });

  it('the passes refuse mismatched operands and tile shapes, naming them', async () => {
    // cIn·h·w = cOut·ho·wo here, so the aliasing flaws pass the length checks.
    const dims = { batch: 5, cIn: 6, h: 4, w: 3, kh: 3, kw: 3, padding: 1 };
    const f = blockFilter(dims, 6, 1, 4, 46);
    const refuse = (flaw: string, message: RegExp) => expect(run('convBsrRefusal', { f, dims, flaw })).rejects.toThrow(message);
    await expect(run('convBsrRefusal', { f, dims, flaw: 'none' })).resolves.toBe('accepted');
    await refuse('geometryCIn', /geometry\.cIn must equal filter\.cIn = 6, got 7/);
    await refuse('xLength', /x must have length 576 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 580/);
    await refuse('yLength', /y must have length 576 \(cOut\*ho\*wo\*featureMajorStride\(batch\)\), got 580/);
    await refuse('biasLength', /bias must have length 6 \(cOut\), got 10/);
    await refuse('dyLength', /dy must have length 576 \(cOut\*ho\*wo\*featureMajorStride\(batch\)\), got 580/);
    await refuse('dxLength', /dx must have length 576 \(cIn\*h\*w\*featureMajorStride\(batch\)\), got 580/);
    await refuse('dwLength', /dw must have length 576 \(filter\.values\.length\), got 580/);
    await refuse('yIsX', /y must be a different tensor from x/);
    await refuse('dxIsDy', /dx must be a different tensor from dy/);
    await refuse('dwIsX', /dw must be a different tensor from x/);
    await refuse('bv', /config\.bv must be one of 1, 2, 4, got 3/);
    await refuse('px', /config\.px must be one of 1, 2, 4, got 3/);
    await refuse('qo', /config\.qo must be one of 1, 2, 4, got 3/);
    await refuse('qoOverBlock', /config\.qo must be at most blockSize \/ 4 = 1, got 4/);
    await refuse('columns', /config\.bv \* config\.px must be at most 4, got 8/);
    await refuse('flipped', /config\.flipped must be true or false, got number 1/);
    await refuse('lanes', /opts\.lanes must be one of 1, 2, 4, 8, 16, 32, 64, got 3/);
    await refuse('gradQo', /opts\.qo must be at most blockSize \/ 4 = 1, got 4/);
    await refuse('gradQi', /opts\.qi must be one of 1, 2, 4, got 3/);
    await expect(run('convBsrRefusal', { f: { ...f, blockRows: 3 }, dims, flaw: 'none' })).rejects.toThrow(/w\.blockRows must be ceil\(w\.cOut \/ w\.blockSize\) = 2, got 3/);
  });
});
