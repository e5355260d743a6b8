/**
 * SynFlow (Tanaka et al. 2020), data-free. On the linearised network of |w| (identity activation,
 * no biases; for ReLU nets with non-negative weights and input this is the network itself), an
 * all-ones input gives R = 1ᵀ|W_L|…|W_1|1 and score_l[i, j] = |w_ij ∂R/∂w_ij| = b_l[i] |w_ij| a_l[j],
 * with a_l = |W_{l-1}|…|W_1| 1 (forward) and b_l = |W_{l+1}|ᵀ…|W_L|ᵀ 1 (backward): two vector passes
 * in float64 on the CPU, no GPU. Pruning runs `iterations` (default 100) rounds, round k keeping the
 * fraction d^((k+1)/n) of each budget (the last lands on d); kept weights keep their signed
 * initial values.
 *
 * Scores are reported as score / R. Every layer of a linear network carries the whole flow,
 * Σ_ij score_l[i, j] = b_lᵀ|W_l|a_l = R, so dividing each layer's scores by their own sum gives
 * exactly score / R while a and b are rescaled freely per layer: a 1000-layer product would
 * overflow float64, these never do.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { checkPositiveInt } from '../validate.js';
import { budgetFor } from './budget.js';
import { denseInit, maskedWeights } from './dense-init.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import { keepByBudget, type LayerTable, scoreTable } from './select.js';
import { checkMlpShapes } from './shapes.js';
import type { MaskResult, MlpShape, WeightsLike } from './types.js';

export interface SynflowOptions extends CommonMaskOptions {
  /** pruning rounds; default 100 */
  iterations?: number;
}

/** A layer as a dense row-major matrix and the ascending positions still present. */
interface MaskedLayer {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
  kept: Uint32Array;
}

/** score / R for every stored weight of the network, aligned with each layer's values. */
export function synflowScores(weights: readonly WeightsLike[]): Float64Array[] {
  checkMlpShapes(weights.map((w) => [w.rows, w.cols]));
  const layers = weights.map((w): MaskedLayer => {
    const values = new Float64Array(w.rows * w.cols);
    const kept = new Uint32Array(w.colIdx.length);
    forEachStored(w, (t, p) => {
      values[p] = w.values[t]!;
      kept[t] = p; // CSR order is row-major order
    });
    return { rows: w.rows, cols: w.cols, values, kept };
  });
  const table = scoreTable(layers.map((l) => l.values.length));
  flowScores(layers, table);
  return weights.map((w, l) => {
    const out = new Float64Array(w.values.length);
    forEachStored(w, (t, p) => (out[t] = table.layers[l]![p]!));
    return out;
  });
}

function forEachStored(w: WeightsLike, f: (t: number, position: number) => void): void {
  for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) f(t, r * w.cols + w.colIdx[t]!);
}

/** f(row, col, position) for each kept position, walking rows along the ascending positions. */
function forEachKept({ cols, kept }: MaskedLayer, f: (r: number, c: number, p: number) => void): void {
  let r = 0;
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i]!;
    while (p >= (r + 1) * cols) r++;
    f(r, p - r * cols, p);
  }
}

/** Writes score / R of every kept weight into `out` (-Infinity elsewhere). */
function flowScores(layers: readonly MaskedLayer[], out: LayerTable<Float64Array>): void {
  const forward: Float64Array[] = [new Float64Array(layers[0]!.cols).fill(1)];
  layers.forEach((layer, l) => {
    const a = forward[l]!;
    const next = new Float64Array(layer.rows);
    forEachKept(layer, (r, c, p) => (next[r]! += Math.abs(layer.values[p]!) * a[c]!));
    forward.push(normalised(next));
  });
  const backward: Float64Array[] = [];
  backward[layers.length - 1] = new Float64Array(layers[layers.length - 1]!.rows).fill(1);
  for (let l = layers.length - 1; l > 0; l--) {
    const layer = layers[l]!;
    const b = backward[l]!;
    const prev = new Float64Array(layer.cols);
    forEachKept(layer, (r, c, p) => (prev[c]! += Math.abs(layer.values[p]!) * b[r]!));
    backward[l - 1] = normalised(prev);
  }
  layers.forEach((layer, l) => {
    const s = out.layers[l]!.fill(-Infinity);
    const a = forward[l]!;
    const b = backward[l]!;
    let total = 0;
    forEachKept(layer, (r, c, p) => (total += s[p] = b[r]! * Math.abs(layer.values[p]!) * a[c]!));
    // total = 0 means no flow at all (R = 0): every score is 0 already.
    if (total > 0) for (const p of layer.kept) s[p]! /= total;
  });
}

/** v / max(v) (unchanged when all zero): only ratios within a layer matter (see the file comment). */
function normalised(v: Float64Array): Float64Array {
  const max = v.reduce((m, x) => Math.max(m, x), 0);
  if (max > 0) for (let i = 0; i < v.length; i++) v[i]! /= max;
  return v;
}

/** Ascending positions where the mask is 1. */
function positionsOf(mask: Uint8Array): Uint32Array {
  let count = 0;
  for (let p = 0; p < mask.length; p++) count += mask[p]!;
  const kept = new Uint32Array(count);
  for (let p = 0, i = 0; p < mask.length; p++) if (mask[p]) kept[i++] = p;
  return kept;
}

export function synflowMasks(shapes: readonly MlpShape[], opts: SynflowOptions): MaskResult {
  const common = readCommon(shapes, opts, 'global');
  const iterations = checkPositiveInt('iterations', opts.iterations ?? 100);
  const dense = denseInit(common.shapes, common.gain, common.seed);
  const layers = dense.map((w): MaskedLayer => ({ rows: w.rows, cols: w.cols, values: w.values, kept: Uint32Array.from({ length: w.values.length }, (_, p) => p) }));
  const table = scoreTable(layers.map((l) => l.values.length));
  let masks: Uint8Array[] = [];
  for (let k = 0; k < iterations; k++) {
    flowScores(layers, table);
    const exponent = (k + 1) / iterations;
    masks = keepByBudget(table, budgetFor(common.shapes, common.targets, (d) => (k === iterations - 1 ? d : d ** exponent)));
    layers.forEach((layer, l) => (layer.kept = positionsOf(masks[l]!)));
  }
  const weights: CsrMatrix[] = maskedWeights(dense, masks);
  return { weights, report: maskReport('synflow', weights, common.targets) };
}
