/**
 * Weight initialisers for one convolution filter (cOut, cIn, kh, kw), all seeded and CPU-side, all
 * returning the CSR filter a conv layer consumes: cOut rows, cIn·kh·kw columns, column
 * (ci·kh + ky)·kw + kx for tap (ky, kx) of input channel ci (OIHW), every mask position stored,
 * trainable zeros included. Gains follow the linear initialisers (init.ts).
 */
import { eoiConv, streamSeed } from '../eoi/conv.js';
import { type CsrMatrix, csrFromMask, randomCsr } from '../sparse/csr.js';
import { checkLength, checkNumberInRange, checkObject, checkOneOf, checkPositiveInt, checkSeed, checkTypedArray } from '../validate.js';
import { haarOrthogonal, initWeights, scaleToFans } from './init.js';
import { CONV_BSR_BLOCK_SIZES, type ConvBsrBlockSize, convBsrToCsr, randomConvBsr } from '../sparse/conv-bsr.js';

/** Single-filter initialisations initConvFilter takes. */
export const CONV_INITS = ['eoi', 'delta-orthogonal', 'random', 'gaussian', 'masked-delta-orthogonal'] as const;
/** One of CONV_INITS. */
export type ConvInit = (typeof CONV_INITS)[number];

/** One convolution filter for initConvFilter: shape (cOut, cIn, k), init, density, gain and seed. */
export interface ConvInitSpec {
  cOut: number;
  cIn: number;
  kh: number;
  kw: number;
  /** fraction of the kernel's cOut·cIn·kh·kw weights that is stored; 'delta-orthogonal' and 'gaussian' need 1 */
  density: number;
  init: ConvInit;
  /** sigma_w: the orthogonal matrix's gain, or the std of Gaussian weights times sqrt(fan-in) */
  gain: number;
  seed: number;
  /** init 'eoi' only: the EOI paper's "more nonzeros" (eoiConv); default false */
  moreNonzeros?: boolean;
  /**
   * init 'random' only: a mask of whole blocks of blockSize output x blockSize input channels with
   * every tap, round(density·blockRows·blockCols) of them (randomConvBsr); the tap density then
   * differs slightly from `density` where blocks are padded at a channel edge. Stored in blocks of
   * the same size it has no element mask, so dynamic sparsity can move its blocks.
   */
  blockSize?: ConvBsrBlockSize;
}

/** A dense kernel and its 0/1 mask, both OIHW row-major (what eoiConv returns, among others). */
export interface MaskedConvKernel {
  shape: readonly [cOut: number, cIn: number, kH: number, kW: number];
  weights: Float32Array;
  mask: Uint8Array;
}

/** The CSR filter of a masked kernel: every mask position stored, with its weight (0 included). */
export function convFilterCsr(kernel: MaskedConvKernel): CsrMatrix {
  const fields = checkObject('kernel', kernel, 'a { shape, weights, mask }');
  const shape = fields.shape;
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new TypeError(`kernel.shape must be [cOut, cIn, kh, kw] (4 positive integers), got ${String(shape)}`);
  }
  const [cOut, cIn, kh, kw] = shape.map((dim: unknown, i) => checkPositiveInt(`kernel.shape[${i}]`, dim)) as [number, number, number, number];
  const numel = cOut * cIn * kh * kw;
  const weights = checkTypedArray('kernel.weights', fields.weights, Float32Array);
  checkLength('kernel.weights', weights, numel, 'cOut·cIn·kh·kw');
  const mask = checkTypedArray('kernel.mask', fields.mask, Uint8Array);
  checkLength('kernel.mask', mask, numel, 'cOut·cIn·kh·kw');
  // OIHW index o·(cIn·kh·kw) + (ci·kh + ky)·kw + kx is row o, column (ci·kh + ky)·kw + kx.
  return csrFromMask(mask, cOut, cIn * kh * kw, weights);
}

/**
 * - eoi: eoiConv (EOI at the centre tap times the gain, the mask topped up with zero-valued
 *   trainable entries to round(density·numel)); square kernels, k odd.
 * - delta-orthogonal: the dense baseline, a Haar-random orthogonal cOut x cIn matrix times the gain
 *   at the centre tap, every other tap 0 but stored; density 1, kh and kw odd.
 * - random: uniform-random mask of round(density·numel) positions anywhere in the kernel, weights
 *   N(0, gain² / fan-in) with fan-in each filter row's own stored count (as the linear 'random').
 * - gaussian: the same at density 1 (fan-in cIn·kh·kw).
 * - masked-delta-orthogonal: the EOI paper's sparse baseline, a uniform-random mask applied to the
 *   delta-orthogonal kernel with no rescaling, so most stored weights are exactly 0; kh and kw odd.
 *   Its orthogonal matrix is delta-orthogonal's for the same seed, its mask comes from a second
 *   stream of the seed; at density 1 it is delta-orthogonal.
 */
export function initConvFilter(spec: ConvInitSpec): CsrMatrix {
  const { cOut, cIn, kh, kw, density, init, gain, seed, moreNonzeros } = checkObject('spec', spec, 'a conv init spec') as unknown as ConvInitSpec;
  if (!CONV_INITS.includes(init)) throw new RangeError(`init must be one of ${CONV_INITS.join(', ')}, got ${String(init)}`);
  checkPositiveInt('cOut', cOut);
  checkPositiveInt('cIn', cIn);
  checkPositiveInt('kh', kh);
  checkPositiveInt('kw', kw);
  checkNumberInRange('gain', gain, -Number.MAX_VALUE, Number.MAX_VALUE);
  checkSeed(seed);
  if (moreNonzeros !== undefined && init !== 'eoi') throw new RangeError(`moreNonzeros applies to init 'eoi' only, got it with init '${init}'`);
  const { blockSize } = spec;
  if (blockSize !== undefined) {
    checkOneOf('blockSize', blockSize, CONV_BSR_BLOCK_SIZES);
    if (init !== 'random') throw new RangeError(`blockSize draws a block mask for init 'random' only, got init '${init}'`);
  }
  const rows = cOut;
  const cols = cIn * kh * kw;
  switch (init) {
    case 'eoi':
      checkOddTaps(init, kh, kw);
      if (kw !== kh) throw new RangeError(`kw must equal kh for init 'eoi' (square kernels), got kh = ${kh}, kw = ${kw}`);
      return convFilterCsr(eoiConv(cOut, cIn, kh, { density, seed, gain, moreNonzeros }));
    case 'random':
      checkNumberInRange('density', density, 0, 1, true);
      if (blockSize !== undefined) return scaleToFans(convBsrToCsr(randomConvBsr({ cOut, cIn, kh, kw }, density, blockSize, seed, { valueScale: 1 })).w, gain);
      return initWeights({ rows, cols, density, init, gain, seed });
    case 'gaussian':
      return initWeights({ rows, cols, density, init, gain, seed });
    case 'delta-orthogonal': {
      checkOddTaps(init, kh, kw);
      if (density !== 1) throw new RangeError(`init '${init}' is dense: density must be 1, got ${density}`);
      const weights = deltaOrthogonal(cOut, cIn, kh, kw, gain, seed);
      return convFilterCsr({ shape: [cOut, cIn, kh, kw], weights, mask: new Uint8Array(weights.length).fill(1) });
    }
    case 'masked-delta-orthogonal': {
      checkOddTaps(init, kh, kw);
      checkNumberInRange('density', density, 0, 1, true);
      const weights = deltaOrthogonal(cOut, cIn, kh, kw, gain, seed);
      const filter = randomCsr(rows, cols, density, streamSeed(seed));
      for (let o = 0; o < rows; o++) {
        for (let t = filter.rowPtr[o]!; t < filter.rowPtr[o + 1]!; t++) filter.values[t] = weights[o * cols + filter.colIdx[t]!]!;
      }
      return filter;
    }
  }
}

function checkOddTaps(init: ConvInit, kh: number, kw: number): void {
  for (const [name, k] of [['kh', kh], ['kw', kw]] as const) {
    if (k % 2 === 0) throw new RangeError(`${name} must be odd for init '${init}' (its weights sit at the centre tap), got ${k}`);
  }
}

/** The dense OIHW kernel with gain·Q (Q Haar-random orthogonal, cOut x cIn) at the centre tap, 0 elsewhere. */
function deltaOrthogonal(cOut: number, cIn: number, kh: number, kw: number, gain: number, seed: number): Float32Array {
  const q = haarOrthogonal(cOut, cIn, seed, gain);
  const taps = kh * kw;
  const centre = ((kh - 1) / 2) * kw + (kw - 1) / 2;
  const weights = new Float32Array(cOut * cIn * taps);
  for (let n = 0; n < cOut * cIn; n++) weights[n * taps + centre] = q[n]!;
  return weights;
}
