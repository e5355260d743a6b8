import { describe, expect, it } from 'vitest';
import { denseInit } from '../../src/masks/dense-init.js';
import { generateMasks } from '../../src/masks/generate.js';
import { randomMasks } from '../../src/masks/random.js';
import { synflowMasks, synflowScores } from '../../src/masks/synflow.js';
import type { MlpShape } from '../../src/masks/types.js';
import { mlpShapes } from '../../src/nn/mlp.js';
import { csrToDense } from '../../src/sparse/csr.js';
import { maskOf, SHAPES, TINY_SHAPES } from './fixtures.js';

/** R = 1ᵀ|W_L|…|W_1|1 by dense float64 products over the given float64 dense layers. */
function flow(dense: readonly Float64Array[], shapes: readonly MlpShape[]): number {
  let a: Float64Array = new Float64Array(shapes[0]![1]).fill(1);
  shapes.forEach(([rows, cols], l) => {
    const next = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) next[r]! += Math.abs(dense[l]![r * cols + c]!) * a[c]!;
    a = next;
  });
  return a.reduce((s, v) => s + v, 0);
}

describe('SynFlow', () => {
  const { weights } = randomMasks(TINY_SHAPES, { density: 0.6, seed: 2, gain: 1.5 });
  const scores = synflowScores(weights);

  it('score / R equals |w ∂R/∂w| / R, with ∂R/∂w a central difference of R (exact: R is linear in each weight)', () => {
    const dense = weights.map((w) => Float64Array.from(csrToDense(w)));
    const R = flow(dense, TINY_SHAPES);
    weights.forEach((w, l) => {
      for (let r = 0; r < w.rows; r++) {
        for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) {
          const p = r * w.cols + w.colIdx[t]!;
          const keep = dense[l]![p]!;
          const h = 0.1 * Math.abs(keep);
          dense[l]![p] = keep + h;
          const up = flow(dense, TINY_SHAPES);
          dense[l]![p] = keep - h;
          const down = flow(dense, TINY_SHAPES);
          dense[l]![p] = keep;
          // R is linear in |w|, and |w ± h| = |w| ± sign(w)·h for h < |w|.
          const expected = Math.abs(keep * Math.sign(keep) * ((up - down) / (2 * h))) / R;
          expect(Math.abs(scores[l]![t]! - expected)).toBeLessThanOrEqual(1e-12);
        }
      }
    });
  });

  it('conserves synaptic flow: each layer\'s scores sum to R (1 as score / R); at every hidden neuron the incoming scores sum to the outgoing ones', () => {
    scores.forEach((s) => expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
    for (let l = 0; l + 1 < weights.length; l++) {
      const incoming = new Float64Array(weights[l]!.rows);
      const outgoing = new Float64Array(weights[l]!.rows);
      const w = weights[l]!;
      for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) incoming[r]! += scores[l]![t]!;
      const next = weights[l + 1]!;
      next.colIdx.forEach((c, t) => (outgoing[c]! += scores[l + 1]![t]!));
      incoming.forEach((v, i) => expect(v).toBeCloseTo(outgoing[i]!, 13));
    }
  });

  it('stays finite where R overflows float64 (600 layers, gain 3)', () => {
    const deep = mlpShapes({ inputs: 8, width: 8, depth: 600, classes: 4 });
    const { weights: w } = randomMasks(deep, { density: 0.5, seed: 1, gain: 3 });
    expect(Number.isFinite(flow(w.map((x) => Float64Array.from(csrToDense(x))), deep))).toBe(false);
    synflowScores(w).forEach((s) => {
      s.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    });
  });

  it('iterative pruning keeps every layer connected where one-shot global magnitude pruning empties a layer', async () => {
    // A wide input layer has small weights (std 1/sqrt(400)): global |w| drops it, SynFlow cannot.
    const shapes = mlpShapes({ inputs: 400, width: 16, depth: 4, classes: 4 });
    const opts = { density: 0.01, seed: 3 };
    const magnitude = await generateMasks('magnitude', shapes, opts);
    expect(Math.min(...magnitude.report.layerNnz)).toBe(0);
    const { weights: w, report } = synflowMasks(shapes, { ...opts, iterations: 100 });
    expect(report.layerNnz.reduce((a, b) => a + b)).toBe(Math.round(0.01 * 6976));
    expect(flow(w.map((x) => Float64Array.from(csrToDense(x))), shapes)).toBeGreaterThan(0);
  });

  it('keeps the signed initial values of its survivors and follows d^((k+1)/n) to exactly d in each layer', () => {
    const { weights: w, report } = synflowMasks(SHAPES, { density: 0.1, seed: 1, iterations: 7, distribution: 'uniform' });
    report.layerNnz.forEach((n, l) => expect(n).toBe(Math.round(0.1 * SHAPES[l]![0] * SHAPES[l]![1])));
    const init = denseInit(SHAPES, 1, 1);
    w.forEach((x, l) => {
      let t = 0;
      maskOf(x).forEach((m, p) => m && expect(x.values[t++]).toBe(init[l]!.values[p]));
    });
    expect(w.some((x) => x.values.some((v) => v < 0))).toBe(true);
  });
});
