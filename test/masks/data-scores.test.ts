import { describe, expect, it } from 'vitest';
import type { Activation } from '../../src/kernels/activation.js';
import { denseInit } from '../../src/masks/dense-init.js';
import { graspMasks, graspScores } from '../../src/masks/grasp.js';
import { referenceHessianVector, referenceLoss } from '../../src/masks/reference-mlp.js';
import { snipMasks, snipScores } from '../../src/masks/snip.js';
import { taylorMasks, taylorScores } from '../../src/masks/taylor.js';
import type { Batch } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { cpuSource, cpuTrainer, maskOf, TINY, TINY_SHAPES, syntheticBatches } from './fixtures.js';

// Float64 references from the loss alone (no backward pass): central differences of the summed
// batch-mean loss, and mixed second differences for Hessian-vector products.
const batches = syntheticBatches(TINY.inputs, TINY.classes, 2, 8, 7);
const dense = denseInit(TINY_SHAPES, 1, 4);
const flat = () => Float64Array.from(dense.flatMap((w) => Array.from(w.values)));
const offsets = dense.map((_, l) => dense.slice(0, l).reduce((n, w) => n + w.values.length, 0));

function lossAt(x: Float64Array, which: readonly Batch[], temperature: number, activation: Activation = 'tanh'): number {
  const weights = dense.map((w, l) => ({ ...w, values: x.subarray(offsets[l]!, offsets[l]! + w.values.length) }));
  return which.reduce((s, b) => s + referenceLoss({ weights, activation }, b, temperature), 0);
}

function fdGradient(x: Float64Array, which: readonly Batch[], temperature = 1, h = 1e-6): Float64Array {
  return x.map((_, i) => {
    const keep = x[i]!;
    x[i] = keep + h;
    const up = lossAt(x, which, temperature);
    x[i] = keep - h;
    const down = lossAt(x, which, temperature);
    x[i] = keep;
    return (up - down) / (2 * h);
  });
}

/** (H v)_i from mixed second differences of the loss along e_i and v: four loss evaluations per entry. */
function fdHessianVector(x: Float64Array, v: Float64Array, temperature: number, activation: Activation = 'tanh', h = 1e-3): Float64Array {
  const vNorm = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
  const t = h / vNorm;
  const at = (i: number, si: number, sv: number) => {
    const y = x.map((xi, j) => xi + sv * t * v[j]! + (j === i ? si * h : 0));
    return lossAt(y, batches, temperature, activation);
  };
  return x.map((_, i) => (at(i, 1, 1) - at(i, 1, -1) - at(i, -1, 1) + at(i, -1, -1)) / (4 * h * t));
}

function split(v: ArrayLike<number>): Float64Array[] {
  return dense.map((w, l) => Float64Array.from({ length: w.values.length }, (_, i) => v[offsets[l]! + i]!));
}

function expectClose(actual: readonly Float64Array[], expected: readonly Float64Array[], rel: number): void {
  const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
  actual.forEach((a, l) => a.forEach((v, i) => expect(Math.abs(v - expected[l]![i]!), `layer ${l} [${i}]`).toBeLessThanOrEqual(rel * scale)));
}

/** Every kept weight's reference score is at least every pruned one's (up to `tol`). */
function expectKeepsTop(weights: CsrMatrix[], scores: readonly Float64Array[], tol: number): void {
  let minKept = Infinity;
  let maxPruned = -Infinity;
  weights.forEach((w, l) => maskOf(w).forEach((m, p) => (m ? (minKept = Math.min(minKept, scores[l]![p]!)) : (maxPruned = Math.max(maxPruned, scores[l]![p]!)))));
  expect(minKept).toBeGreaterThanOrEqual(maxPruned - tol);
}

describe('data-driven scores against float64 finite differences of the loss', () => {
  const g = split(fdGradient(flat(), batches));

  it('SNIP: |w ⊙ g| with g the gradient of the summed loss at the dense init', async () => {
    const scores = await snipScores(dense, cpuSource(batches));
    const expected = dense.map((w, l) => g[l]!.map((gi, i) => Math.abs(gi * w.values[i]!)));
    expectClose(scores, expected, 1e-7);
    const { weights, report } = await snipMasks(TINY_SHAPES, { density: 0.3, seed: 4, gradients: cpuSource(batches) });
    expect(report.density).toBeCloseTo(Math.round(0.3 * 70) / 70, 12);
    expectKeepsTop(weights, expected, 1e-9);
  });

  it('Taylor: Σ_b |w ⊙ g_b|, per-batch absolute values (not SNIP\'s |Σ_b|), at trained weights when given a trainer', async () => {
    const perBatch = batches.map((b) => split(fdGradient(flat(), [b])));
    const expected = dense.map((w, l) => w.values.reduce((acc, v, i) => (acc[i] = perBatch.reduce((s, gb) => s + Math.abs(gb[l]![i]! * v), 0), acc), new Float64Array(w.values.length)));
    expectClose(await taylorScores(dense, cpuSource(batches)), expected, 1e-7);
    const snip = await snipScores(dense, cpuSource(batches));
    expect(snip.flatMap((s) => Array.from(s))).not.toEqual(expected.flatMap((s) => Array.from(s)));
    // With a trainer the scores are those of the trained weights, the values the initial ones.
    const train = cpuTrainer(batches, 5, 0.5);
    const { weights } = await taylorMasks(TINY_SHAPES, { density: 0.4, seed: 4, gradients: cpuSource(batches), train });
    const trained = await train(dense, 0);
    expectKeepsTop(weights, await taylorScores(trained, cpuSource(batches)), 1e-12);
    weights.forEach((w, l) => {
      let t = 0;
      maskOf(w).forEach((m, p) => m && expect(w.values[t++]).toBe(dense[l]!.values[p]));
    });
  });

  for (const [temperature, hessian] of [[200, 'exact'], [200, 'finite-difference'], [1, 'exact']] as const) {
    it(`GraSP, T = ${temperature}, ${hessian} Hg: w ⊙ Hg against second differences of the loss; keeps the highest w ⊙ Hg`, async () => {
      const x = flat();
      const gT = fdGradient(x, batches, temperature);
      const hg = fdHessianVector(x, gT, temperature);
      const expected = split(x.map((w, i) => w * hg[i]!));
      const scores = await graspScores(dense, cpuSource(batches), { temperature, hessian });
      expectClose(scores, expected, 1e-4);
      const { weights } = await graspMasks(TINY_SHAPES, { density: 0.3, seed: 4, gradients: cpuSource(batches), temperature, hessian });
      const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
      expectKeepsTop(weights, expected, 2e-4 * scale);
    });
  }

  for (const activation of ['tanh', 'relu', 'gelu', 'elu', 'softplus', { name: 'leakyRelu', negativeSlope: 0.1 }] as const) {
    it(`exact Hessian-vector product (R-operator), ${JSON.stringify(activation)}: matches second differences of the loss`, () => {
      const x = flat();
      const v = x.map((_, i) => Math.sin(3 * i + 1));
      const weights = split(x).map((values, l) => ({ ...dense[l]!, values }));
      const net = { weights, activation };
      const perBatch = batches.map((b) => referenceHessianVector(net, b, split(v), 2));
      const hv = dense.map((w, l) => Float64Array.from({ length: w.values.length }, (_, i) => perBatch.reduce((s, h) => s + h[l]![i]!, 0)));
      // Piecewise-linear activations: a smaller step, so no pre-activation crosses its kink.
      const name = typeof activation === 'string' ? activation : activation.name;
      const expected = split(fdHessianVector(x, v, 2, activation, name === 'relu' || name === 'leakyRelu' ? 1e-4 : 1e-3));
      expectClose(hv, expected, 1e-5);
    });
  }
});
