/**
 * Dynamic sparse training's options and schedule: a mask update after every `every` steps (ΔT)
 * up to step `until` (T_end), moving a fraction alpha·(1 + cos(π·t / T_end)) / 2 of each layer's
 * stored weights at step t (the cosine decay SET and RigL are run with), none after T_end.
 */
import { checkNonNegativeInt, checkObject, checkPositiveInt } from '../validate.js';

/** SET grows uniformly at random; RigL grows where |dL/dW| is largest. Both drop the smallest |w|. */
export const DST_METHODS = ['set', 'rigl'] as const;
/** One of DST_METHODS. */
export type DstMethod = (typeof DST_METHODS)[number];

/**
 * Dynamic sparse training's schedule: the method, the update interval, the fraction moved and when updates stop.
 */
export interface DstOptions {
  method: DstMethod;
  /** ΔT: an update after every this many steps, >= 1 */
  every: number;
  /** alpha, the fraction moved at the first update's cosine origin, in (0, 1) */
  fraction: number;
  /** T_end: no update after this step; >= every */
  until: number;
  /** seeds SET's draws (default 0) */
  seed?: number;
  /** RigL: at most this many dense-gradient entries held at once per layer (default 2^20; at least one row, or block row) */
  chunkEntries?: number;
}

/** Validates dynamic-sparsity options, naming `what`.field and its range; returns them with defaults. */
export function checkDstOptions(opts: unknown, what = 'dst'): Required<Omit<DstOptions, 'chunkEntries'>> & Pick<DstOptions, 'chunkEntries'> {
  const o = checkObject(what, opts, 'a { method, every, fraction, until }');
  if (!DST_METHODS.includes(o.method as DstMethod)) throw new RangeError(`${what}.method must be one of ${DST_METHODS.join(', ')}, got ${String(o.method)}`);
  const every = checkPositiveInt(`${what}.every`, o.every);
  const fraction = o.fraction;
  if (typeof fraction !== 'number') throw new TypeError(`${what}.fraction must be a number in (0, 1), got ${String(fraction)}`);
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`${what}.fraction must be a number in (0, 1), got ${fraction}`);
  const until = checkPositiveInt(`${what}.until`, o.until);
  if (until < every) throw new RangeError(`${what}.until (T_end) must be at least ${what}.every (${every}), got ${until}`);
  const seed = checkNonNegativeInt(`${what}.seed`, o.seed ?? 0);
  if (o.chunkEntries !== undefined) checkPositiveInt(`${what}.chunkEntries`, o.chunkEntries);
  return { method: o.method as DstMethod, every, fraction, until, seed, chunkEntries: o.chunkEntries as number | undefined };
}

/** The fraction to move after `step` steps, or 0 when no update is due then. */
export function dstFraction(opts: Pick<DstOptions, 'every' | 'fraction' | 'until'>, step: number): number {
  if (step <= 0 || step % opts.every !== 0 || step > opts.until) return 0;
  return (opts.fraction * (1 + Math.cos((Math.PI * step) / opts.until))) / 2;
}

/** Weights one update moves in a layer of `nnz`: round(fraction·nnz). */
export function dstMoveCount(fraction: number, nnz: number): number {
  return Math.min(nnz, Math.round(fraction * nnz));
}
