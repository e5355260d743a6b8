/**
 * Approximate isometry (Lee et al. 2020), as the EOI paper's code runs it: keep every mask, and
 * minimise Σ_l ||S_l S_lᵀ − g² I||_F (S_l the layer's short side: W when rows <= cols, else Wᵀ; the
 * Frobenius norm itself, not its square) by plain gradient descent on the stored weights, learning
 * rate 0.1. A convolution's filter is its cOut x cIn·kh·kw matrix (the CSR it is stored as), whose
 * short side is usually its cOut rows: the target is W Wᵀ = g² I over the output channels. Layers do not interact in the sum, so each is optimised on its own, in float64 on the
 * CPU. With E = SSᵀ − g²I the gradient is 2 E S / ||E||_F restricted to the mask. Both SSᵀ and
 * E S only pair entries sharing a long-side index, so a step costs Σ over long-side lines of their
 * nonzeros squared (plus m² for E), far below dense products at these densities.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { checkNonNegativeInt, checkNumberInRange } from '../validate.js';
import { readGain } from './options.js';
import type { MaskResult, WeightsLike } from './types.js';

/** Options of approximateIsometry: the target gain, the steps and their size. */
export interface IsometryOptions {
  /** g; default 1 */
  gain?: number;
  /** gradient steps; default 1000 (the paper's range is 1e3..1e4) */
  steps?: number;
  /** default 0.1 */
  lr?: number;
}

/** The optimised weights (same masks) and the isometry error per layer before and after. */
export interface IsometryResult {
  weights: CsrMatrix[];
  /** ||S Sᵀ − g² I||_F per layer before and after */
  before: number[];
  after: number[];
  steps: number;
}

/** One layer seen from its short side: for each long-side line, its entries' short-side index and position in `values`. */
interface ShortSide {
  m: number;
  lines: Array<{ short: Uint32Array; at: Uint32Array }>;
}

function shortSide(w: WeightsLike): ShortSide {
  const wide = w.rows <= w.cols;
  const M = Math.max(w.rows, w.cols);
  const short: number[][] = Array.from({ length: M }, () => []);
  const at: number[][] = Array.from({ length: M }, () => []);
  for (let r = 0; r < w.rows; r++) {
    for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) {
      const c = w.colIdx[t]!;
      short[wide ? c : r]!.push(wide ? r : c);
      at[wide ? c : r]!.push(t);
    }
  }
  return { m: Math.min(w.rows, w.cols), lines: short.map((s, k) => ({ short: Uint32Array.from(s), at: Uint32Array.from(at[k]!) })) };
}

/** E = S Sᵀ − g² I (m x m) and its Frobenius norm. */
function residual(side: ShortSide, values: ArrayLike<number>, gain: number): { e: Float64Array; norm: number } {
  const { m, lines } = side;
  const e = new Float64Array(m * m);
  for (const { short, at } of lines) {
    for (let p = 0; p < short.length; p++) {
      const vp = values[at[p]!]!;
      for (let q = 0; q < short.length; q++) e[short[p]! * m + short[q]!]! += vp * values[at[q]!]!;
    }
  }
  for (let i = 0; i < m; i++) e[i * m + i]! -= gain * gain;
  return { e, norm: Math.sqrt(e.reduce((s, x) => s + x * x, 0)) };
}

/** ||S Sᵀ − g² I||_F of one layer. */
export function isometryResidual(w: WeightsLike, gain = 1): number {
  return residual(shortSide(w), w.values, gain).norm;
}

/**
 * Approximate isometry ('+ai'): gradient steps on ||S Sᵀ − g² I||_F² over each mask's stored values, the masks unchanged.
 * @throws RangeError or TypeError naming gain, steps or lr when out of range, or a weight that is not valid CSR
 */
export function approximateIsometry(weights: readonly CsrMatrix[], opts: IsometryOptions = {}): IsometryResult {
  const gain = readGain(opts.gain);
  const steps = checkNonNegativeInt('steps', opts.steps ?? 1000);
  const lr = checkNumberInRange('lr', opts.lr ?? 0.1, 0, Number.MAX_VALUE, true);
  const before: number[] = [];
  const after: number[] = [];
  const out = weights.map((w) => {
    const side = shortSide(w);
    const v = Float64Array.from(w.values);
    before.push(residual(side, v, gain).norm);
    for (let step = 0; step < steps; step++) {
      const { e, norm } = residual(side, v, gain);
      if (norm === 0) break; // exact isometry: the norm has no gradient here, and nothing to improve
      const grad = new Float64Array(v.length);
      for (const { short, at } of side.lines) {
        for (let p = 0; p < short.length; p++) {
          let sum = 0;
          for (let q = 0; q < short.length; q++) sum += e[short[p]! * side.m + short[q]!]! * v[at[q]!]!;
          grad[at[p]!] = (2 * sum) / norm;
        }
      }
      for (let i = 0; i < v.length; i++) v[i]! -= lr * grad[i]!;
    }
    const values = Float32Array.from(v);
    after.push(residual(side, values, gain).norm); // of what is stored, after rounding to float32
    return { rows: w.rows, cols: w.cols, rowPtr: w.rowPtr.slice(), colIdx: w.colIdx.slice(), values };
  });
  return { weights: out, before, after, steps };
}

/** `source`'s masks with approximate-isometry weights; the residuals join its report. */
export function isometryOnTop(source: MaskResult, opts: IsometryOptions = {}): MaskResult {
  const { weights, steps, before, after } = approximateIsometry(source.weights, opts);
  return { weights, report: { ...source.report, method: `${source.report.method}+ai`, isometry: { steps, before, after } } };
}
