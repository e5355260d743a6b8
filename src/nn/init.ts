/**
 * Weight initialisers for one fully connected layer (out x in), all seeded and CPU-side, all
 * returning a CSR matrix so sparse and dense layers share one path (a dense layer is CSR at
 * density 1). Gains follow the EOI paper: sigma_w scales the weights, sigma_b the biases.
 */
import { eoi } from '../eoi/eoi.js';
import { Rng } from '../random.js';
import { BSR_BLOCK_SIZES, type BsrBlockSize, bsrToCsr, randomBsr } from '../sparse/bsr.js';
import { type CsrMatrix, csrFromDense, randomCsr } from '../sparse/csr.js';
import { checkNumberInRange, checkOneOf, checkPositiveInt, checkSeed } from '../validate.js';

/** Single-layer weight initialisations initWeights takes. */
export const WEIGHT_INITS = ['eoi', 'random', 'orthogonal', 'gaussian'] as const;
/** One of WEIGHT_INITS. */
export type WeightInit = (typeof WEIGHT_INITS)[number];

/** One layer for initWeights: shape, init, density, gain, seed and Gaussian scaling. */
export interface LayerInitSpec {
  rows: number;
  cols: number;
  /** fraction of stored weights; 'orthogonal' and 'gaussian' are dense and need 1 */
  density: number;
  init: WeightInit;
  /** sigma_w: EOI/orthogonal gain, or the std of sparse-Gaussian weights times sqrt(fan-in) */
  gain: number;
  seed: number;
  /**
   * Gaussian inits only: 'fan-in' (Kaiming/LeCun: std = gain / sqrt(fan-in), the default) or
   * 'xavier' (Glorot: std = gain·sqrt(2 / (fan-in + fan-out))), both over the sparse fan-in and
   * fan-out of each weight's row and column.
   */
  scale?: GaussianScale;
  /**
   * 'random' only: a block mask, whole blockSize x blockSize blocks, round(density·blockRows·blockCols)
   * of them drawn uniformly (randomBsr), every in-range element of them stored; the element
   * density then differs slightly from `density` where blocks are padded at an edge. Such a mask
   * stored as BSR of the same block size has no element mask, so dynamic sparsity can move it.
   */
  blockSize?: BsrBlockSize;
}

/** How Gaussian weights are scaled: by the (sparse) fan-in, or Xavier's (fan-in + fan-out) / 2. */
export const GAUSSIAN_SCALES = ['fan-in', 'xavier'] as const;
/** One of GAUSSIAN_SCALES. */
export type GaussianScale = (typeof GAUSSIAN_SCALES)[number];

/**
 * - eoi: exact sparse orthogonal (Givens rotations, src/eoi), singular values all = gain.
 * - random: uniform-random mask at the density, weights N(0, gain² / fan-in) where fan-in is each
 *   row's own number of stored weights (the sparse fan-in), so a unit's pre-activation variance
 *   matches a dense layer's.
 * - gaussian: the same at density 1 (Kaiming with gain sqrt 2, LeCun with gain 1).
 * - with scale 'xavier', either uses std gain·sqrt(2 / (fan-in + fan-out)) instead.
 * - random with blockSize: the same weights on a mask of whole blocks.
 * - orthogonal: dense Haar-random orthogonal (QR of a Gaussian matrix), times gain.
 */
export function initWeights(spec: LayerInitSpec): CsrMatrix {
  const { rows, cols, density, init, gain, seed, scale = 'fan-in' } = spec;
  if (!GAUSSIAN_SCALES.includes(scale)) throw new RangeError(`scale must be one of ${GAUSSIAN_SCALES.join(', ')}, got ${String(scale)}`);
  checkPositiveInt('rows', rows);
  checkPositiveInt('cols', cols);
  checkNumberInRange('gain', gain, -Number.MAX_VALUE, Number.MAX_VALUE);
  checkSeed(seed);
  if (spec.blockSize !== undefined) {
    checkOneOf('blockSize', spec.blockSize, BSR_BLOCK_SIZES);
    if (init !== 'random') throw new RangeError(`blockSize draws a block mask for init 'random' only, got init '${String(init)}'`);
  }
  switch (init) {
    case 'eoi':
      return eoi(rows, cols, { density, seed, gain });
    case 'random':
      return sparseGaussian(rows, cols, density, gain, seed, scale, spec.blockSize);
    case 'gaussian':
      requireDense(init, density);
      return sparseGaussian(rows, cols, 1, gain, seed, scale);
    case 'orthogonal':
      requireDense(init, density);
      return csrFromDense(haarOrthogonal(rows, cols, seed, gain), rows, cols, { keepZeros: true });
    default:
      throw new RangeError(`init must be one of ${WEIGHT_INITS.join(', ')}, got ${String(init)}`);
  }
}

function requireDense(init: string, density: number): void {
  if (density !== 1) throw new RangeError(`init '${init}' is dense: density must be 1, got ${density}`);
}

function sparseGaussian(rows: number, cols: number, density: number, gain: number, seed: number, scale: GaussianScale, blockSize?: BsrBlockSize): CsrMatrix {
  const m = blockSize === undefined ? randomCsr(rows, cols, density, seed, { valueScale: 1 }) : bsrToCsr(randomBsr(rows, cols, density, blockSize, seed, { valueScale: 1 }));
  return scaleToFans(m, gain, scale);
}

/**
 * Scales unit-normal weights in place to N(0, gain² / fan-in) (or Xavier's, over fan-in and
 * fan-out), each weight by its own row's stored count and column's; returns m.
 */
export function scaleToFans(m: CsrMatrix, gain: number, scale: GaussianScale = 'fan-in'): CsrMatrix {
  const { rows, cols } = m;
  const fanOut = new Uint32Array(cols);
  for (const c of m.colIdx) fanOut[c]!++;
  for (let r = 0; r < rows; r++) {
    const fanIn = m.rowPtr[r + 1]! - m.rowPtr[r]!;
    for (let t = m.rowPtr[r]!; t < m.rowPtr[r + 1]!; t++) {
      const std = scale === 'xavier' ? gain * Math.sqrt(2 / (fanIn + fanOut[m.colIdx[t]!]!)) : gain / Math.sqrt(fanIn);
      m.values[t]! *= std;
    }
  }
  return m;
}

/**
 * rows x cols with orthonormal rows (rows <= cols) or columns (rows > cols), Haar-distributed:
 * modified Gram-Schmidt on a Gaussian matrix's short-side vectors (in float64), times gain.
 */
export function haarOrthogonal(rows: number, cols: number, seed: number, gain = 1): Float32Array {
  const short = Math.min(rows, cols);
  const long = Math.max(rows, cols);
  const rng = new Rng(seed);
  const q = Array.from({ length: short }, () => Float64Array.from({ length: long }, () => rng.nextNormal()));
  for (let i = 0; i < short; i++) {
    const v = q[i]!;
    for (let p = 0; p < i; p++) {
      const u = q[p]!;
      let dot = 0;
      for (let l = 0; l < long; l++) dot += u[l]! * v[l]!;
      for (let l = 0; l < long; l++) v[l]! -= dot * u[l]!;
    }
    let norm = 0;
    for (let l = 0; l < long; l++) norm += v[l]! * v[l]!;
    norm = Math.sqrt(norm);
    for (let l = 0; l < long; l++) v[l]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let s = 0; s < short; s++) {
    for (let l = 0; l < long; l++) out[rows <= cols ? s * cols + l : l * cols + s] = gain * q[s]![l]!;
  }
  return out;
}

/** Biases N(0, sigma_b²) (zeros when sigma_b = 0). */
export function initBias(size: number, sigmaB: number, seed: number): Float32Array {
  checkNumberInRange('sigmaB', sigmaB, 0, Number.MAX_VALUE);
  const rng = new Rng(seed);
  return Float32Array.from({ length: size }, () => (sigmaB === 0 ? 0 : sigmaB * rng.nextNormal()));
}
