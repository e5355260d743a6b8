/**
 * EOI for convolution kernels, delta-orthogonal (reference/eoi.md, "Convolutional layers"): the
 * centre tap holds H = EOI(cOut, cIn) times the gain, every other tap is 0.
 *
 * The result is a dense kernel plus a 0/1 mask in PyTorch's OIHW layout, index
 * ((o·cIn + i)·k + y)·k + x, because a sparse conv layer trains masked dense kernels.
 */

import { Rng } from '../random.js';
import { checkDensity, checkPositiveInt, checkSeed } from '../validate.js';
import { eoi, type EoiOptions } from './eoi.js';
import { MAX_EOI_DIM } from './sampler.js';

export interface EoiConvOptions extends EoiOptions {
  /**
   * Paper's "more nonzeros": the centre gets density min(d·k², 1, √d) and random positions anywhere
   * in the kernel (value 0, trainable) are added to the mask until it holds round(d·numel) entries.
   * Default false: the centre gets density d and nothing is added.
   */
  moreNonzeros?: boolean;
}

export interface EoiConvKernel {
  shape: [cOut: number, cIn: number, kH: number, kW: number];
  /** cOut·cIn·k·k values, OIHW row-major. */
  weights: Float32Array;
  /** 1 where the weight is trainable, same layout as weights. */
  mask: Uint8Array;
  /** Entries with mask 1. */
  nnz: number;
  /** Density of the centre-tap matrix H that EOI was asked for. */
  centreDensity: number;
  rotations: number;
  rounds: number;
}

export function eoiConv(cOut: number, cIn: number, k: number, opts: EoiConvOptions): EoiConvKernel {
  checkPositiveInt('cOut', cOut, MAX_EOI_DIM);
  checkPositiveInt('cIn', cIn, MAX_EOI_DIM);
  checkPositiveInt('k', k);
  if (k % 2 === 0) throw new RangeError(`k must be an odd positive integer (1, 3, 5, …), got ${k}`);
  const seed = checkSeed(opts?.seed);
  const moreNonzeros = opts?.moreNonzeros ?? false;
  const M = Math.max(cOut, cIn);
  const taps = k * k;
  const density = moreNonzeros
    ? checkDensity('density', opts?.density, Math.max(1 / (M * taps), 1 / (M * M)), 'lowest d with min(d·k², √d) >= 1/max(cOut, cIn)')
    : checkDensity('density', opts?.density, 1 / M, '1/max(cOut, cIn)');
  // max(…, 1/M) only absorbs rounding at the lower bound that checkDensity already enforced.
  const centreDensity = moreNonzeros ? Math.max(Math.min(density * taps, 1, Math.sqrt(density)), 1 / M) : density;

  const h = eoi(cOut, cIn, { density: centreDensity, seed, gain: opts.gain });
  const numel = cOut * cIn * taps;
  const weights = new Float32Array(numel);
  const mask = new Uint8Array(numel);
  const centre = ((k - 1) / 2) * k + (k - 1) / 2;
  for (let o = 0; o < cOut; o++) {
    for (let p = h.rowPtr[o]!; p < h.rowPtr[o + 1]!; p++) {
      const at = (o * cIn + h.colIdx[p]!) * taps + centre;
      weights[at] = h.values[p]!;
      mask[at] = 1;
    }
  }

  let nnz = h.values.length;
  if (moreNonzeros) nnz += addRandomMaskEntries(mask, Math.round(density * numel) - nnz, fillSeed(seed));
  return { shape: [cOut, cIn, k, k], weights, mask, nnz, centreDensity, rotations: h.rotations, rounds: h.rounds };
}

/**
 * Seed of the stream that picks the extra mask positions: 53 bits drawn from Rng(seed) and hashed
 * again by the Rng constructor, so it is unrelated to the rotation stream yet fixed by `seed`.
 */
function fillSeed(seed: number): number {
  const rng = new Rng(seed);
  return rng.nextUint32() * 2 ** 21 + (rng.nextUint32() >>> 11);
}

/** Sets `count` uniformly chosen zero entries of `mask` (none when count <= 0); returns how many. */
function addRandomMaskEntries(mask: Uint8Array, count: number, seed: number): number {
  if (count <= 0) return 0;
  const free: number[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p] === 0) free.push(p);
  const rng = new Rng(seed);
  // Partial Fisher-Yates: the first `count` slots become a uniform sample without replacement.
  for (let t = 0; t < count; t++) {
    const u = t + rng.nextInt(free.length - t);
    const chosen = free[u]!;
    free[u] = free[t]!;
    mask[chosen] = 1;
  }
  return count;
}
