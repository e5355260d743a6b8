/**
 * Groups a rotation sequence into rounds of pairwise-disjoint rotations, so the GPU applies each
 * round in one data-parallel step. Rotation t goes to round 1 + max(last round that touched i,
 * last round that touched j). Two rotations sharing an index therefore keep their relative
 * order, and rotations on disjoint pairs commute, so applying the rounds in order gives exactly the
 * product of the original sequence.
 */

import type { EoiSample } from './sampler.js';

/** Rotations grouped into rounds of pairwise-disjoint index pairs, as the GPU applies them. */
export interface EoiSchedule {
  rounds: number;
  /** length rounds + 1: round r occupies slots [roundPtr[r], roundPtr[r + 1]) of `order`. */
  roundPtr: Uint32Array;
  /** Rotation index per slot, grouped by round; original order within a round. */
  order: Uint32Array;
}

/** `pairs` holds 2 indices per rotation (i then j), as in EoiSample.pairs. */
export function scheduleRounds(pairs: Uint32Array): EoiSchedule {
  const count = pairs.length >>> 1;
  let maxIndex = -1;
  for (let k = 0; k < 2 * count; k++) maxIndex = Math.max(maxIndex, pairs[k]!);
  const lastRound = new Uint32Array(maxIndex + 1); // 0 = never touched; rounds are numbered from 1
  const roundOf = new Uint32Array(count);
  let rounds = 0;
  for (let t = 0; t < count; t++) {
    const i = pairs[2 * t]!;
    const j = pairs[2 * t + 1]!;
    const round = 1 + Math.max(lastRound[i]!, lastRound[j]!);
    roundOf[t] = round;
    lastRound[i] = round;
    lastRound[j] = round;
    rounds = Math.max(rounds, round);
  }

  // Stable counting sort of the rotations by round.
  const roundPtr = new Uint32Array(rounds + 1);
  for (let t = 0; t < count; t++) roundPtr[roundOf[t]!]!++;
  for (let r = 0; r < rounds; r++) roundPtr[r + 1]! += roundPtr[r]!;
  const cursor = roundPtr.slice(0, rounds);
  const order = new Uint32Array(count);
  for (let t = 0; t < count; t++) order[cursor[roundOf[t]! - 1]!++] = t;
  return { rounds, roundPtr, order };
}

/** The rotations in scheduled order, as the GPU consumes them: index pairs and (cos, sin) in float32. */
export function packRounds(
  sample: Pick<EoiSample, 'pairs' | 'cos' | 'sin'>,
  schedule: EoiSchedule,
): { pairs: Uint32Array; cosSin: Float32Array } {
  const n = schedule.order.length;
  const pairs = new Uint32Array(2 * n);
  const cosSin = new Float32Array(2 * n);
  for (let slot = 0; slot < n; slot++) {
    const t = schedule.order[slot]!;
    pairs[2 * slot] = sample.pairs[2 * t]!;
    pairs[2 * slot + 1] = sample.pairs[2 * t + 1]!;
    cosSin[2 * slot] = sample.cos[t]!;
    cosSin[2 * slot + 1] = sample.sin[t]!;
  }
  return { pairs, cosSin };
}
