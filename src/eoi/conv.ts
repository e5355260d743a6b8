/**
 * EOI for convolution kernels (cOut, cIn, k, k), k odd, at density d, as the EOI paper's authors
 * build them:
 *
 * 1. The centre tap [:, :, (k-1)/2, (k-1)/2] holds gain·H with H = EOI(cOut, cIn) at density rho_H;
 *    every other tap starts at 0. rho_H = d by default; with "more nonzeros" it is
 *    min(d·k², 1, √d), a denser centre.
 * 2. The mask is then topped up, in both modes, with uniformly random positions anywhere in the
 *    kernel (centre tap included where H left it empty) until it holds exactly round(d·numel)
 *    entries, numel = cOut·cIn·k². The added weights are exactly 0 and trainable. Without the
 *    top-up a 3x3 kernel would hold only d/9 of its weights.
 *
 * The budget round(d·numel) is never exceeded. In real numbers the centre always fits it (rho_H is
 * at most d·k²), but EOI stops at the nonzero count closest to its target, which can lie above the
 * target by up to half of the last rotation's growth. Where the centre is meant to take the whole
 * budget (k = 1, or "more nonzeros" with d <= 1/k⁴) that passes the budget about half the time.
 * Then the centre is EOI's own rotation sequence for the same seed cut short at the largest count
 * that fits (still exactly orthogonal), and `centreDensity` reports the density EOI is asked for to
 * stop there, so eoi(cOut, cIn, { density: centreDensity, seed }) reproduces H in every case.
 * Densities are refused only outside the range where the centre exists at all
 * (rho_H >= 1/max(cOut, cIn)), with that range in the message; they are never clamped.
 *
 * The result is a dense kernel plus a 0/1 mask in OIHW order, index ((o·cIn + i)·k + y)·k + x.
 */

import { Rng } from '../random.js';
import { checkDensity, checkFloat32Scale, checkPositiveInt, checkSeed, checkSizeLimit } from '../validate.js';
import { eoiFromSample, type EoiMatrix, type EoiOptions } from './eoi.js';
import { MAX_EOI_DIM, MAX_EOI_NONZEROS, sampleEoiRotations, type EoiSample } from './sampler.js';

/** Options of eoiConv: eoi()'s, plus the centre matrix's density rule. */
export interface EoiConvOptions extends EoiOptions {
  /**
   * The paper's "more nonzeros": the centre matrix gets density min(d·k², 1, √d) instead of d.
   * The mask holds round(d·numel) entries either way. Default false.
   */
  moreNonzeros?: boolean;
}

/** A delta-orthogonal EOI convolution kernel: OIHW weights, the trainable mask and its nonzero count. */
export interface EoiConvKernel {
  shape: [cOut: number, cIn: number, kH: number, kW: number];
  /** cOut·cIn·k·k values, OIHW row-major. */
  weights: Float32Array;
  /** 1 where the weight is trainable, same layout as weights. */
  mask: Uint8Array;
  /** Entries with mask 1: round(density·numel). */
  nnz: number;
  /** The density EOI was asked for to build the centre matrix H (see the file comment). */
  centreDensity: number;
  rotations: number;
  rounds: number;
}

/** What eoiConv decides before any numerics: the centre's rotation sample and the mask budget. */
export interface EoiConvPlan {
  cOut: number;
  cIn: number;
  k: number;
  seed: number;
  /** round(density·numel): the mask's entry count. */
  budget: number;
  centreDensity: number;
  sample: EoiSample;
}

/**
 * Delta-orthogonal EOI for a cOut x cIn x k x k convolution kernel (OIHW, row-major): the centre
 * tap holds an exact sparse orthogonal cOut x cIn matrix times the gain, every other tap is 0; the
 * mask holds round(density·numel) entries (the centre's nonzeros topped up with trainable zeros).
 * @throws RangeError or TypeError naming cOut, cIn, k (odd), density (see the range in the message), seed or gain
 */
export function eoiConv(cOut: number, cIn: number, k: number, opts: EoiConvOptions): EoiConvKernel {
  const gain = checkGain('gain', opts?.gain);
  const plan = planEoiConv(cOut, cIn, k, opts);
  return assembleEoiConv(plan, eoiFromSample(plan.sample, gain));
}

/** A gain whose products with orthogonal entries stay finite and nonzero in float32; default 1. */
export function checkGain(name: string, gain: unknown): number {
  return gain === undefined ? 1 : checkFloat32Scale(name, gain, true);
}

/** Validates the arguments and draws the centre's rotations (CPU, structural only). */
export function planEoiConv(cOut: number, cIn: number, k: number, opts: Omit<EoiConvOptions, 'gain'>): EoiConvPlan {
  checkPositiveInt('cOut', cOut, MAX_EOI_DIM);
  checkPositiveInt('cIn', cIn, MAX_EOI_DIM);
  checkPositiveInt('k', k);
  if (k % 2 === 0) throw new RangeError(`k must be an odd positive integer (1, 3, 5, …), got ${k}`);
  const seed = checkSeed(opts?.seed);
  const moreNonzeros = opts?.moreNonzeros ?? false;
  if (typeof moreNonzeros !== 'boolean') throw new TypeError(`moreNonzeros must be a boolean, got ${String(moreNonzeros)}`);
  const M = Math.max(cOut, cIn);
  const taps = k * k;
  const density = moreNonzeros
    ? checkDensity('density', opts?.density, Math.max(1 / (M * taps), 1 / (M * M)), 'lowest d with min(d·k², √d) >= 1/max(cOut, cIn)')
    : checkDensity('density', opts?.density, 1 / M, '1/max(cOut, cIn)');
  // max(…, 1/M) only absorbs rounding at the lower bound that checkDensity already enforced.
  const rhoH = moreNonzeros ? Math.max(Math.min(density * taps, 1, Math.sqrt(density)), 1 / M) : density;
  // The lower bounds make budget >= min(cOut, cIn), the count of H with no rotation at all.
  const budget = Math.round(density * cOut * cIn * taps);
  checkSizeLimit(`an EOI kernel of ${cOut} x ${cIn} x ${k} x ${k} at density ${density}`, budget, MAX_EOI_NONZEROS, 'nonzeros (density·cOut·cIn·k²)');
  const { sample, centreDensity } = centreWithin(cOut, cIn, rhoH, seed, budget);
  return { cOut, cIn, k, seed, budget, centreDensity, sample };
}

/**
 * EOI's sample at rho_H, or, when its count passes `budget`, the sample for the largest integer
 * target count t <= budget whose count fits. The rotation stream does not depend on the target and
 * the count reached grows with it, so a binary search over t finds the longest prefix that fits.
 */
function centreWithin(cOut: number, cIn: number, rhoH: number, seed: number, budget: number): { sample: EoiSample; centreDensity: number } {
  const sample = sampleEoiRotations(cOut, cIn, rhoH, seed);
  if (sample.nnz <= budget) return { sample, centreDensity: rhoH };
  const total = cOut * cIn;
  let lo = sample.m; // target 1/M: no rotation, count m <= budget
  let hi = budget;
  let best: EoiSample | undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const trial = sampleEoiRotations(cOut, cIn, mid / total, seed);
    if (trial.nnz <= budget) {
      lo = mid;
      best = trial;
    } else {
      hi = mid - 1;
    }
  }
  return { sample: best ?? sampleEoiRotations(cOut, cIn, lo / total, seed), centreDensity: lo / total };
}

/** The kernel from a plan and its centre matrix H (gain applied), whether H came from the CPU or the GPU. */
export function assembleEoiConv(plan: EoiConvPlan, h: EoiMatrix): EoiConvKernel {
  const { cOut, cIn, k } = plan;
  const taps = k * k;
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
  addRandomMaskEntries(mask, plan.budget - h.values.length, streamSeed(plan.seed));
  return {
    shape: [cOut, cIn, k, k],
    weights,
    mask,
    nnz: plan.budget,
    centreDensity: plan.centreDensity,
    rotations: h.rotations,
    rounds: h.rounds,
  };
}

/**
 * Seed of a second stream fixed by `seed` but unrelated to Rng(seed)'s own draws: 53 bits drawn
 * from Rng(seed), hashed again by the Rng constructor. The top-up positions come from it, so they
 * are independent of the rotations.
 */
export function streamSeed(seed: number): number {
  const rng = new Rng(seed);
  return rng.nextUint32() * 2 ** 21 + (rng.nextUint32() >>> 11);
}

/** Sets `count` uniformly chosen zero entries of `mask` (none when count is 0). */
function addRandomMaskEntries(mask: Uint8Array, count: number, seed: number): void {
  if (count === 0) return;
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
}
