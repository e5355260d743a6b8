import { describe, expect, it } from 'vitest';
import { activationRef } from '../../src/train/activation-reference.js';
import { graspMasks, graspScores, graspV2Masks } from '../../src/masks/grasp.js';
import { denseInit } from '../../src/masks/dense-init.js';
import { lotteryLayerMasks } from '../../src/masks/lottery.js';
import { saoCodeMasks } from '../../src/masks/sao.js';
import { snip128Masks, snipMasks } from '../../src/masks/snip.js';
import { synflowMasks, synflowNetMasks, synflowNetScores, synflowScores } from '../../src/masks/synflow.js';
import { csrToDense, type CsrMatrix } from '../../src/sparse/csr.js';
import { mlpShapes } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import { resolveNetwork } from '../../src/masks/network.js';
import { cnnFrame, cpuSource, cpuTrainer, maskOf, NET, SHAPES, syntheticBatches, TINY, TINY_CNN, TINY_SHAPES } from './fixtures.js';

const batches = syntheticBatches(NET.inputs, NET.classes, 2, 8, 9);

/** Short-side Gram matrix W Wᵀ (rows <= cols) or Wᵀ W, dense. */
function gram(w: CsrMatrix): number[][] {
  const d = csrToDense(w);
  const wide = w.rows <= w.cols;
  const m = Math.min(w.rows, w.cols);
  const M = Math.max(w.rows, w.cols);
  const at = (s: number, l: number) => (wide ? d[s * w.cols + l]! : d[l * w.cols + s]!);
  return Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => Array.from({ length: M }, (_, l) => at(i, l) * at(j, l)).reduce((a, b) => a + b, 0)));
}

describe("mask methods as the papers' code runs them", () => {
  it('grasp-v2 keeps the lowest w ⊙ Hg: at density 0.5 it keeps exactly what grasp prunes', async () => {
    const source = cpuSource(batches);
    const opts = { density: 0.5, seed: 2, gradients: source };
    const [low, high] = [await graspV2Masks(SHAPES, opts), await graspMasks(SHAPES, opts)];
    expect(low.report.method).toBe('grasp-v2');
    const scores = await graspScores(denseInit(SHAPES, 1, 2), source);
    let keptMax = -Infinity;
    let prunedMin = Infinity;
    low.weights.forEach((w, l) => {
      const mask = maskOf(w);
      const other = maskOf(high.weights[l]!);
      mask.forEach((m, i) => {
        expect(m + other[i]!).toBe(1);
        if (m) keptMax = Math.max(keptMax, scores[l]![i]!);
        else prunedMin = Math.min(prunedMin, scores[l]![i]!);
      });
    });
    expect(keptMax).toBeLessThanOrEqual(prunedMin);
  });

  it('snip-128 is SNIP on a source of exactly one batch, and refuses more', async () => {
    const one = cpuSource(batches.slice(0, 1));
    expect((await snip128Masks(SHAPES, { density: 0.2, gradients: one })).weights).toEqual((await snipMasks(SHAPES, { density: 0.2, gradients: one })).weights);
    await expect(snip128Masks(SHAPES, { density: 0.2, gradients: cpuSource(batches) })).rejects.toThrow(/exactly one batch \(of 128 examples\) for snip-128, got 2/);
  });

  it('synflow-net scores are |w ⊙ dR/dw| of the real network of magnitudes (tanh, biases) against float64 finite differences', () => {
    const weights = denseInit(TINY_SHAPES, 1, 3);
    const rng = new Rng(4);
    const biases = TINY_SHAPES.map(([rows]) => Float64Array.from({ length: rows }, () => 0.3 * rng.nextNormal()));
    const R = (values: Float64Array[]) => {
      let h = new Float64Array(TINY.inputs).fill(1);
      values.forEach((v, l) => {
        const [rows, cols] = TINY_SHAPES[l]!;
        const z = Float64Array.from({ length: rows }, (_, r) => Math.abs(biases[l]![r]!) + Array.from({ length: cols }, (_, c) => Math.abs(v[r * cols + c]!) * h[c]!).reduce((a, b) => a + b, 0));
        h = l < values.length - 1 ? Float64Array.from(activationRef('tanh', z)) : z;
      });
      return h.reduce((a, b) => a + b, 0);
    };
    const values = weights.map((w) => Float64Array.from(w.values));
    const scores = synflowNetScores(weights, { activation: 'tanh', biases });
    values.forEach((v, l) =>
      v.forEach((keep, i) => {
        const h = 1e-6;
        v[i] = Math.abs(keep) + h;
        const up = R(values);
        v[i] = Math.abs(keep) - h;
        const down = R(values);
        v[i] = keep;
        expect(scores[l]![i]!).toBeCloseTo(Math.abs(keep) * ((up - down) / (2 * h)), 6);
      }),
    );
  });

  it('synflow-net with relu and no biases is the linearised synflow (the same network), so the same masks', () => {
    const weights = denseInit(SHAPES, 1, 5);
    const net = synflowNetScores(weights, { activation: 'relu' });
    const total = net.reduce((s, a) => s + a.reduce((x, y) => x + y, 0), 0) / SHAPES.length;
    synflowScores(weights).forEach((s, l) => s.forEach((v, i) => expect(net[l]![i]! / total).toBeCloseTo(v, 9)));
    const opts = { density: 0.1, seed: 5, iterations: 10 };
    expect(synflowNetMasks(SHAPES, { ...opts, activation: 'relu' }).weights.map(maskOf)).toEqual(synflowMasks(SHAPES, opts).weights.map(maskOf));
    expect(synflowNetMasks(SHAPES, { ...opts, activation: 'tanh' }).weights.map(maskOf)).not.toEqual(synflowMasks(SHAPES, opts).weights.map(maskOf));
  });

  it('synflow-net prunes a CNN through its real network (convolutions, pooling, classifier of magnitudes) to the global budget', () => {
    const frame = cnnFrame(TINY_CNN, 'tanh');
    const { weights, report } = synflowNetMasks({ ...TINY_CNN, classifier: frame.cnn.classifier }, { density: 0.3, seed: 1, iterations: 5, activation: 'tanh', biases: frame.biases });
    const total = weights.reduce((n, w) => n + w.rows * w.cols, 0);
    expect(weights.reduce((n, w) => n + w.colIdx.length, 0)).toBe(Math.round(0.3 * total));
    expect(report.method).toBe('synflow-net');
    // The biases' magnitudes join the flow: without them the scores differ.
    const scores = synflowNetScores(denseInit(resolveNetwork(TINY_CNN), 1, 1), { activation: 'tanh', biases: frame.biases, cnn: frame.cnn });
    const bare = synflowNetScores(denseInit(resolveNetwork(TINY_CNN), 1, 1), { activation: 'tanh', cnn: frame.cnn });
    expect(scores[0]).not.toEqual(bare[0]);
  });

  it('sao-code keeps non-square layers dense orthogonal and square ones SAO at degree floor(d·M): W Wᵀ = g² I everywhere', () => {
    const shapes = mlpShapes({ inputs: 12, width: 8, depth: 4, classes: 3 });
    const { weights, report } = saoCodeMasks(shapes, { density: 0.5, seed: 1, gain: 1.2 });
    expect(report.method).toBe('sao-code');
    expect(report.layerDensities).toEqual([1, 0.5, 0.5, 1]);
    weights.forEach((w) => gram(w).forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(i === j ? 1.44 : 0, 5))));
  });

  it('sao-code with relu is [[A, −A], [−A, A]], A SAO of half the size at half the degree', () => {
    const { weights, report } = saoCodeMasks(mlpShapes({ inputs: 12, width: 16, depth: 3, classes: 3 }), { density: 0.25, seed: 2, activation: 'relu' });
    const w = weights[1]!;
    const d = csrToDense(w);
    expect(report.degrees![1]).toBe(4);
    expect(report.layerDensities[1]).toBe(0.25);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const a = d[r * 16 + c]!;
        expect([d[r * 16 + c + 8], d[(r + 8) * 16 + c], d[(r + 8) * 16 + c + 8]]).toEqual([-a || 0, -a || 0, a]);
      }
    }
    // A itself: 8 x 8 at degree 2, orthonormal rows.
    const entries = Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => d[r * 16 + c]!));
    entries.forEach((ri, i) => entries.forEach((rj, j) => expect(ri.reduce((s, x, k) => s + x * rj[k]!, 0)).toBeCloseTo(i === j ? 1 : 0, 5)));
    expect(entries.every((row) => row.filter((x) => x !== 0).length === 2)).toBe(true);
    expect(() => saoCodeMasks(mlpShapes({ inputs: 12, width: 9, depth: 3, classes: 3 }), { density: 0.5, activation: 'relu' })).toThrow(/even size/);
  });

  it('lottery-layer prunes 10% of each layer a round and lands every layer on the target', async () => {
    const { weights, report } = await lotteryLayerMasks(TINY_SHAPES, { density: 0.6, seed: 1, train: cpuTrainer(batches.map((b) => ({ ...b, features: TINY.inputs, inputs: b.inputs.subarray(0, b.count * TINY.inputs), labels: b.labels.map((y) => y % TINY.classes) })), 2, 0.1) });
    expect(report.method).toBe('lottery-layer');
    expect(report.distribution).toBe('uniform');
    // 0.9^k: 0.9, 0.81, 0.729, 0.6561, then the target.
    expect(report.schedule!.length).toBe(5);
    expect(report.schedule![0]).toBeCloseTo(0.9, 1);
    weights.forEach((w) => expect(w.colIdx.length).toBe(Math.round(0.6 * w.rows * w.cols)));
  });
});
