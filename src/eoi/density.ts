/**
 * Expected EOI density after k rotations, by an exact recursion: one row of the
 * m x M matrix A starts with support s = 1 and a rotation grows it by one with probability
 * q(s) = 2 s (M − s) / (M (M − 1)) (one rotated index inside the support, one outside). Every row has
 * this distribution, so the expected density is E[s_k] / M; m does not enter.
 */

import { checkNonNegativeInt, checkPositiveInt } from '../validate.js';
import { checkEoiArgs, MAX_EOI_DIM } from './sampler.js';

/**
 * E[s_k] / M can only approach 1, so the inverse treats densities within this distance as reached;
 * it also absorbs the float rounding of the recursion. Far below the gap between consecutive k.
 */
const DENSITY_TOLERANCE = 1e-9;

/**
 * The distribution of s, advanced one rotation at a time (support grows by at most one per step),
 * with E[s] / M kept current. The mean is normalised by the total mass so that rounding drift over
 * many steps cancels.
 */
class SupportDistribution {
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private top = 1;
  private mean: number;

  constructor(private readonly M: number) {
    this.p = new Float64Array(M + 1);
    this.p[1] = 1;
    this.q = new Float64Array(M + 1);
    for (let s = 1; s < M; s++) this.q[s] = (2 * s * (M - s)) / (M * (M - 1));
    this.mean = 1 / M;
  }

  step(): void {
    const { p, q } = this;
    this.top = Math.min(this.top + 1, this.M);
    let mass = 0;
    let mean = 0;
    // Descending, so p[s - 1] still holds the previous step's value when p[s] is updated.
    for (let s = this.top; s >= 1; s--) {
      const next = p[s]! * (1 - q[s]!) + p[s - 1]! * q[s - 1]!;
      p[s] = next;
      mass += next;
      mean += s * next;
    }
    this.mean = mean / (mass * this.M);
  }

  get density(): number {
    return this.mean;
  }
}

/**
 * The expected structural density of a rows x cols EOI matrix after `rotations` random Givens
 * rotations, by the exact recursion on the supports' sizes (eoiRotationsFor is its inverse).
 * @throws RangeError or TypeError naming rows, cols (integers in [1, MAX_EOI_DIM]) or rotations (a non-negative integer)
 */
export function expectedEoiDensity(rows: number, cols: number, rotations: number): number {
  const M = Math.max(checkPositiveInt('rows', rows, MAX_EOI_DIM), checkPositiveInt('cols', cols, MAX_EOI_DIM));
  checkNonNegativeInt('rotations', rotations);
  if (M === 1) return 1;
  const dist = new SupportDistribution(M);
  // Once the density is 1 to double precision, further steps cannot change it.
  for (let k = 0; k < rotations && dist.density < 1 - Number.EPSILON; k++) dist.step();
  return dist.density;
}

/** Smallest k with expectedEoiDensity(rows, cols, k) >= density (up to DENSITY_TOLERANCE). */
export function eoiRotationsFor(rows: number, cols: number, density: number): number {
  const { M } = checkEoiArgs(rows, cols, density);
  if (M === 1) return 0;
  const dist = new SupportDistribution(M);
  let k = 0;
  while (dist.density < density - DENSITY_TOLERANCE) {
    dist.step();
    k++;
  }
  return k;
}
