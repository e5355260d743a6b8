import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import {
  avgPool2dBackwardRef,
  avgPool2dRef,
  convBackwardDataRef,
  convBiasGradRef,
  convForwardRef,
  convGeometry,
  convWeightGradRef,
  denseFilterAsCsr,
  fromFeatureMajorRef,
  globalAvgPoolBackwardRef,
  globalAvgPoolRef,
  randomCsr,
  toFeatureMajorRef,
} from '../../src/sparse/index.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
const randomArray = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);

describe('conv geometry', () => {
  it('derives the output size and refuses bad shapes naming the field and its range', () => {
    expect(convGeometry({ batch: 2, cIn: 3, h: 7, w: 9, kh: 3, kw: 5, stride: 2, padding: 1 })).toMatchObject({ ho: 4, wo: 4, paddingMode: 'zeros' });
    expect(convGeometry({ batch: 1, cIn: 1, h: 5, w: 5, kh: 5, kw: 5 })).toMatchObject({ ho: 1, wo: 1 });
    expect(() => convGeometry({ batch: 1, cIn: 1, h: 5, w: 5, kh: 3, kw: 3, stride: 0 })).toThrow(/dims\.stride must be an integer in \[1, /);
    expect(() => convGeometry({ batch: 1, cIn: 1, h: 5, w: 5, kh: 3, kw: 3, padding: -1 })).toThrow(/dims\.padding must be an integer in \[0, /);
    expect(() => convGeometry({ batch: 1, cIn: 1, h: 2, w: 5, kh: 5, kw: 3, padding: 1 })).toThrow(/dims\.kh must be at most h \+ 2\*padding = 4, got 5/);
    expect(() => convGeometry({ batch: 1, cIn: 1, h: 3, w: 5, kh: 3, kw: 3, padding: 4, paddingMode: 'circular' })).toThrow(/padding must be at most min\(h, w\) = 3/);
    expect(() => convGeometry({ batch: 1, cIn: 1, h: 3, w: 3, kh: 1, kw: 1, paddingMode: 'reflect' })).toThrow(RangeError);
    expect(() => convGeometry({ batch: 1.5, cIn: 1, h: 3, w: 3, kh: 1, kw: 1 })).toThrow(TypeError);
    expect(() => convGeometry(null)).toThrow(TypeError);
  });
});

describe('conv references', () => {
  it('a 1x1 identity filter returns its input; a circular 3x3 shift filter rolls the image', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);
    const eye = denseFilterAsCsr(Float32Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? 1 : 0)), 3, 3);
    expect(Array.from(convForwardRef(eye, x, { batch: 2, cIn: 3, h: 4, w: 5, kh: 1, kw: 1 }))).toEqual(Array.from(x));
    // Tap (0, 0) alone: y[oy][ox] = x[oy - 1][ox - 1] modulo the image.
    const shift = denseFilterAsCsr(Float32Array.from({ length: 9 }, (_, i) => (i === 0 ? 1 : 0)), 1, 9);
    const img = Float32Array.from({ length: 12 }, (_, i) => i);
    const y = convForwardRef(shift, img, { batch: 1, cIn: 1, h: 3, w: 4, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' });
    for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 4; ox++) expect(y[oy * 4 + ox]).toBe(img[((oy + 2) % 3) * 4 + ((ox + 3) % 4)]);
  });

  for (const dims of [
    { batch: 3, cIn: 3, h: 7, w: 5, kh: 3, kw: 3, padding: 1 },
    { batch: 1, cIn: 2, h: 9, w: 8, kh: 5, kw: 3, stride: 2, padding: 2, paddingMode: 'circular' as const },
    { batch: 2, cIn: 1, h: 6, w: 7, kh: 3, kw: 3, stride: 2, paddingMode: 'circular' as const, padding: 1 },
  ]) {
    it(`backward-data is the adjoint of forward and dW its derivative in w (${JSON.stringify(dims)})`, () => {
      const g = convGeometry(dims);
      const rng = new Rng(g.h * 31 + g.stride);
      const w = randomCsr(4, g.cIn * g.kh * g.kw, 0.4, 5);
      const x = randomArray(rng, g.batch * g.cIn * g.h * g.w);
      const dy = randomArray(rng, g.batch * 4 * g.ho * g.wo);
      const y = convForwardRef(w, x, dims);
      // <conv(x), dy> = <x, convᵀ(dy)> = Σ_e w_e dW_e, since y is linear in x and in w.
      expect(dot(x, convBackwardDataRef(w, dy, dims))).toBeCloseTo(dot(y, dy), 9);
      expect(dot(w.values, convWeightGradRef(w, dy, x, dims))).toBeCloseTo(dot(y, dy), 9);
      const bias = randomArray(rng, 4);
      const yb = convForwardRef(w, x, dims, bias);
      expect(dot(yb, dy) - dot(y, dy)).toBeCloseTo(dot(bias, convBiasGradRef(dy, g.batch, 4, g.ho * g.wo)), 9);
    });
  }

  it('global average pooling and its backward pass are adjoint; layout conversions round-trip', () => {
    const rng = new Rng(3);
    const x = randomArray(rng, 3 * 2 * 10);
    const dy = randomArray(rng, 3 * 2);
    expect(dot(globalAvgPoolRef(x, 3, 2, 10), dy)).toBeCloseTo(dot(x, globalAvgPoolBackwardRef(dy, 3, 2, 10)), 12);
    const fm = toFeatureMajorRef(x, 3, 20);
    expect(fm.length).toBe(20 * 4);
    expect(fm[3]).toBe(0);
    expect(Array.from(fromFeatureMajorRef(fm, 3, 20))).toEqual(Array.from(x));
  });

  it('2x2 average pooling is the stride-2 convolution with 1/4 at the four taps of channel c in row c, and adjoint to its backward pass', () => {
    const rng = new Rng(4);
    // Odd sides: the last row and column are dropped.
    const [batch, channels, h, w] = [3, 2, 5, 7];
    const filter = {
      rows: channels,
      cols: 4 * channels,
      rowPtr: Uint32Array.from({ length: channels + 1 }, (_, c) => 4 * c),
      colIdx: Uint32Array.from({ length: 4 * channels }, (_, t) => t),
      values: new Float64Array(4 * channels).fill(0.25),
    };
    const dims = { batch, cIn: channels, h, w, kh: 2, kw: 2, stride: 2 };
    const x = randomArray(rng, batch * channels * h * w);
    const dy = randomArray(rng, batch * channels * 2 * 3);
    const y = avgPool2dRef(x, batch, channels, h, w);
    const conv = convForwardRef(filter, x, dims);
    expect(y.length).toBe(conv.length);
    y.forEach((v, i) => expect(v).toBeCloseTo(conv[i]!, 12));
    const dx = avgPool2dBackwardRef(dy, batch, channels, h, w);
    convBackwardDataRef(filter, dy, dims).forEach((v, i) => expect(dx[i]).toBeCloseTo(v, 12));
    expect(dot(y, dy)).toBeCloseTo(dot(x, dx), 12);
    expect(() => avgPool2dRef(x.subarray(1), batch, channels, h, w)).toThrow(/x must have length 210 \(batch\*channels\*h\*w\)/);
  });
});
