/**
 * Float64 CPU references for the convolution kernels, the oracles their tests compare against.
 * Host layout throughout: NCHW, batch-major, row-major (x is batch x cIn x h x w, y and dy are
 * batch x cOut x ho x wo). The filter is CSR over OIHW columns (conv-geometry.ts); a dense filter
 * is the CSR that stores every tap. Every "magnitude" variant is the same sum over |terms|, which
 * bounds the float32 rounding error of any summation order (test/harness/tolerance.ts).
 */
import { checkLength, checkNumberArray, checkPositiveInt } from '../validate.js';
import { type ConvGeometry, convGeometry, convSource, convTaps } from './conv-geometry.js';
import { type CsrMatrix, type CsrStructure, validateCsrStructure } from './csr.js';

/** Calls `visit(n, co, oy, ox, entry, inputIndex)` for every stored tap that reads inside the image. */
function forEachTerm(
  w: ReferenceFilter,
  g: ConvGeometry,
  visit: (outIndex: number, entry: number, inIndex: number) => void,
): void {
  const { batch, cIn, h, w: width, kh, kw, ho, wo } = g;
  const cOut = w.rows;
  for (let n = 0; n < batch; n++) {
    for (let co = 0; co < cOut; co++) {
      for (let e = w.rowPtr[co]!; e < w.rowPtr[co + 1]!; e++) {
        const col = w.colIdx[e]!;
        const ci = Math.floor(col / (kh * kw));
        const ky = Math.floor(col / kw) % kh;
        const kx = col % kw;
        for (let oy = 0; oy < ho; oy++) {
          const iy = convSource(g, oy, ky, h);
          if (iy < 0) continue;
          for (let ox = 0; ox < wo; ox++) {
            const ix = convSource(g, ox, kx, width);
            if (ix < 0) continue;
            visit(((n * cOut + co) * ho + oy) * wo + ox, e, ((n * cIn + ci) * h + iy) * width + ix);
          }
        }
      }
    }
  }
}

/** A CSR filter whose values may be float64 (finite-difference checks perturb them below float32's resolution). */
export type ReferenceFilter = CsrStructure & { values: ArrayLike<number> };

function checkFilter(w: ReferenceFilter, g: ConvGeometry): void {
  validateCsrStructure(w, 'w');
  checkLength('w.values', checkNumberArray('w.values', w.values), w.colIdx.length, 'nnz');
  if (w.cols !== convTaps(g)) throw new RangeError(`w.cols must equal cIn*kh*kw = ${convTaps(g)}, got ${w.cols}`);
}

function checkImage(name: string, value: unknown, length: number, why: string): ArrayLike<number> {
  const array = checkNumberArray(name, value);
  checkLength(name, array, length, why);
  return array;
}

/** y = conv(x, w) (+ bias[co]): batch x cOut x ho x wo. With `magnitude`, every term and the bias taken in absolute value. */
export function convForwardRef(w: ReferenceFilter, x: ArrayLike<number>, dims: unknown, bias?: ArrayLike<number>, magnitude = false): Float64Array {
  const g = convGeometry(dims);
  checkFilter(w, g);
  checkImage('x', x, g.batch * g.cIn * g.h * g.w, 'batch*cIn*h*w');
  const plane = g.ho * g.wo;
  const y = new Float64Array(g.batch * w.rows * plane);
  if (bias !== undefined) {
    checkImage('bias', bias, w.rows, 'w.rows');
    for (let i = 0; i < y.length; i++) {
      const b = bias[Math.floor(i / plane) % w.rows]!;
      y[i] = magnitude ? Math.abs(b) : b;
    }
  }
  forEachTerm(w, g, (out, e, at) => {
    const term = w.values[e]! * x[at]!;
    y[out] += magnitude ? Math.abs(term) : term;
  });
  return y;
}

/** dx = the transposed convolution of dy with w: batch x cIn x h x w. */
export function convBackwardDataRef(w: ReferenceFilter, dy: ArrayLike<number>, dims: unknown, magnitude = false): Float64Array {
  const g = convGeometry(dims);
  checkFilter(w, g);
  checkImage('dy', dy, g.batch * w.rows * g.ho * g.wo, 'batch*cOut*ho*wo');
  const dx = new Float64Array(g.batch * g.cIn * g.h * g.w);
  forEachTerm(w, g, (out, e, at) => {
    const term = w.values[e]! * dy[out]!;
    dx[at] += magnitude ? Math.abs(term) : term;
  });
  return dx;
}

/** dW at the stored taps only, in w.values order: sum over n, oy, ox of dy · x at the tap's input. */
export function convWeightGradRef(w: ReferenceFilter, dy: ArrayLike<number>, x: ArrayLike<number>, dims: unknown, magnitude = false): Float64Array {
  const g = convGeometry(dims);
  checkFilter(w, g);
  checkImage('dy', dy, g.batch * w.rows * g.ho * g.wo, 'batch*cOut*ho*wo');
  checkImage('x', x, g.batch * g.cIn * g.h * g.w, 'batch*cIn*h*w');
  const dw = new Float64Array(w.values.length);
  forEachTerm(w, g, (out, e, at) => {
    const term = dy[out]! * x[at]!;
    dw[e] += magnitude ? Math.abs(term) : term;
  });
  return dw;
}

/** db[c] = sum of dy over the batch and the c-th plane (dy is batch x channels x plane). */
export function convBiasGradRef(dy: ArrayLike<number>, batch: number, channels: number, plane: number, magnitude = false): Float64Array {
  checkPositiveInt('batch', batch);
  checkPositiveInt('channels', channels);
  checkPositiveInt('plane', plane);
  checkImage('dy', dy, batch * channels * plane, 'batch*channels*plane');
  const db = new Float64Array(channels);
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / plane) % channels] += magnitude ? Math.abs(dy[i]!) : dy[i]!;
  return db;
}

/** Global average pooling: y[n][c] = mean of x[n][c] over its plane; batch x channels. */
export function globalAvgPoolRef(x: ArrayLike<number>, batch: number, channels: number, plane: number): Float64Array {
  const sums = convBiasGradRef(x, 1, batch * channels, plane);
  return sums.map((s) => s / plane);
}

/** Its backward pass: dx[n][c][p] = dy[n][c] / plane; batch x channels x plane. */
export function globalAvgPoolBackwardRef(dy: ArrayLike<number>, batch: number, channels: number, plane: number): Float64Array {
  checkPositiveInt('plane', plane);
  checkImage('dy', dy, batch * channels, 'batch*channels');
  const dx = new Float64Array(batch * channels * plane);
  for (let i = 0; i < dx.length; i++) dx[i] = dy[Math.floor(i / plane)]! / plane;
  return dx;
}

/** 2x2 average pooling at stride 2: y[n][c][oy][ox] = the mean of x's window at (2oy, 2ox); batch x channels x floor(h/2) x floor(w/2). */
export function avgPool2dRef(x: ArrayLike<number>, batch: number, channels: number, h: number, w: number): Float64Array {
  checkImage('x', x, batch * channels * h * w, 'batch*channels*h*w');
  const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
  const y = new Float64Array(batch * channels * ho * wo);
  for (let i = 0; i < y.length; i++) {
    const plane = Math.floor(i / (ho * wo));
    const [oy, ox] = [Math.floor((i % (ho * wo)) / wo), i % wo];
    const at = (plane * h + 2 * oy) * w + 2 * ox;
    y[i] = (x[at]! + x[at + 1]! + x[at + w]! + x[at + w + 1]!) / 4;
  }
  return y;
}

/** Its backward pass: dx[n][c][iy][ix] = dy[n][c][iy/2][ix/2] / 4, 0 in a dropped odd last row or column; batch x channels x h x w. */
export function avgPool2dBackwardRef(dy: ArrayLike<number>, batch: number, channels: number, h: number, w: number): Float64Array {
  const [ho, wo] = [Math.floor(h / 2), Math.floor(w / 2)];
  checkImage('dy', dy, batch * channels * ho * wo, 'batch*channels*floor(h/2)*floor(w/2)');
  const dx = new Float64Array(batch * channels * h * w);
  for (let i = 0; i < dx.length; i++) {
    const plane = Math.floor(i / (h * w));
    const [oy, ox] = [Math.floor((i % (h * w)) / w / 2), Math.floor((i % w) / 2)];
    if (oy < ho && ox < wo) dx[i] = dy[(plane * ho + oy) * wo + ox]! / 4;
  }
  return dx;
}

/** A CSR filter of cOut rows that stores every tap of a dense OIHW kernel (the dense baseline's reference). */
export function denseFilterAsCsr(weights: Float32Array, cOut: number, taps: number): CsrMatrix {
  checkPositiveInt('cOut', cOut);
  checkPositiveInt('taps', taps);
  checkLength('weights', weights, cOut * taps, 'cOut*cIn*kh*kw');
  return {
    rows: cOut,
    cols: taps,
    rowPtr: Uint32Array.from({ length: cOut + 1 }, (_, r) => r * taps),
    colIdx: Uint32Array.from({ length: cOut * taps }, (_, i) => i % taps),
    values: weights,
  };
}
