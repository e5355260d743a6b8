/**
 * Keeping the highest scores: over the whole network (one threshold for all layers) or per layer.
 * Scores live in one array with per-layer views so both read the same memory; -Infinity marks an
 * entry that may not be kept (already pruned). Ties at the threshold go to the lowest index, so a
 * selection is a pure function of the scores.
 */
import type { Budget } from './budget.js';

/** Per-layer arrays that are views of one contiguous array. */
export interface LayerTable<T extends Float64Array | Uint8Array> {
  all: T;
  layers: T[];
}

export function scoreTable(sizes: readonly number[]): LayerTable<Float64Array> {
  const all = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  return { all, layers: views(all, sizes) };
}

function views<T extends Float64Array | Uint8Array>(all: T, sizes: readonly number[]): T[] {
  let offset = 0;
  return sizes.map((n) => {
    offset += n;
    return all.subarray(offset - n, offset) as T;
  });
}

/** Masks (1 = kept) of the budget's highest scores, per layer (views of one array). */
export function keepByBudget(scores: LayerTable<Float64Array>, budget: Budget): Uint8Array[] {
  const sizes = scores.layers.map((s) => s.length);
  if (budget.scope === 'global') return views(keepTop(scores.all, budget.count), sizes);
  const all = new Uint8Array(scores.all.length);
  const masks = views(all, sizes);
  scores.layers.forEach((s, l) => masks[l]!.set(keepTop(s, budget.counts[l]!)));
  return masks;
}

/** Mask of the `count` highest scores; ties at the threshold go to the lowest indices. */
export function keepTop(scores: Float64Array, count: number): Uint8Array {
  const keep = new Uint8Array(scores.length);
  if (count === 0) return keep;
  // The threshold is searched among the entries that may be kept only: late in an iterative
  // pruning they are few, and the search is the cost of every round.
  const eligible = new Float64Array(scores.length);
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`scores[${i}] is NaN: every score must be a number (-Infinity for entries that may not be kept)`);
    if (s > -Infinity) eligible[n++] = s;
  }
  if (count > n) throw new RangeError(`cannot keep ${count} entries: only ${n} may still be kept`);
  const threshold = kthLargestInPlace(eligible.subarray(0, n), count);
  let above = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! > threshold) {
      keep[i] = 1;
      above++;
    }
  }
  for (let i = 0, ties = count - above; i < scores.length && ties > 0; i++) {
    if (scores[i] === threshold) {
      keep[i] = 1;
      ties--;
    }
  }
  return keep;
}

/** The k-th largest value (1 <= k <= length); `values` is left as it was. */
export function kthLargest(values: Float64Array, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > values.length) throw new RangeError(`k must be an integer in [1, ${values.length}], got ${k}`);
  return kthLargestInPlace(Float64Array.from(values), k);
}

/**
 * Quickselect, reordering `a`: O(n) expected, where a sort would cost O(n log n) on every one of
 * SynFlow's hundred selections over millions of weights.
 */
function kthLargestInPlace(a: Float64Array, k: number): number {
  const target = a.length - k; // its index in ascending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = median3(a[lo]!, a[(lo + hi) >>> 1]!, a[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and anything strictly between j and i equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[target]!;
}

function median3(x: number, y: number, z: number): number {
  return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
}
