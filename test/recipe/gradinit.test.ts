import { describe, expect, it } from 'vitest';
import { randomMasks } from '../../src/masks/random.js';
import { referenceGradients, referenceGradientSource, referenceLoss } from '../../src/masks/reference-mlp.js';
import type { Batch, WeightsLike } from '../../src/masks/types.js';
import { gradInitGradient, gradInitScales } from '../../src/recipe/gradinit.js';
import { describeGpu } from '../harness/gpu.js';
import { NET, SHAPES, syntheticBatches } from '../masks/fixtures.js';

type Act = 'tanh' | 'relu';
const batches = syntheticBatches(NET.inputs, NET.classes, 8, 16, 3);
const biases = SHAPES.map(([rows], l) => Float64Array.from({ length: rows }, (_, r) => 0.1 * Math.sin(r + 7 * l)));
const weights = randomMasks(SHAPES, { density: 0.5, seed: 11, distribution: 'uniform' }).weights;
const sourceFor = (activation: Act) => (batch: Batch) => referenceGradientSource({ activation, batches: [batch], biases });

/** The objective straight from its definition, in float64, by forward passes and gradients only (no Hessian). */
function objective(scales: readonly number[], activation: Act, b1: Batch, b2: Batch, eta: number, branch: 'gradient-norm' | 'loss-after-step', base: readonly WeightsLike[] = weights): number {
  const at = base.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v) => v * scales[l]!) }));
  const g = referenceGradients({ weights: at, biases, activation }, b1);
  const norm = Math.sqrt(g.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0));
  if (branch === 'gradient-norm') return norm;
  const stepped = at.map((w, l) => ({ ...w, values: w.values.map((v, i) => v - (eta * g[l]![i]!) / norm) }));
  return referenceLoss({ weights: stepped, biases, activation }, b2);
}

describe('learned LRsI (GradInit)', () => {
  // Both sides are float64; the R-operator's activation curvature is a one-sided difference with
  // step 1e-7 (relative error ~1e-7), the central difference of the objective has O(h²) = 1e-10
  // truncation: agreement to 1e-5 of the largest entry leaves a wide margin over both.
  for (const activation of ['tanh', 'relu'] as const) {
    for (const branch of ['loss-after-step', 'gradient-norm'] as const) {
      it(`the scales' gradient is exact (${activation}, ${branch}): equals central differences of the objective`, async () => {
        const scales = SHAPES.map((_, l) => 0.8 + 0.15 * l);
        const gamma = branch === 'gradient-norm' ? 1e-9 : 1e9;
        const eta = 0.1;
        const out = await gradInitGradient(weights, scales, sourceFor(activation)(batches[0]!), sourceFor(activation)(batches[1]!), { eta, gamma });
        expect(out.objective).toBe(branch);
        const h = 1e-5;
        const fd = scales.map((_, l) => {
          const up = scales.map((s, k) => (k === l ? s + h : s));
          const down = scales.map((s, k) => (k === l ? s - h : s));
          return (objective(up, activation, batches[0]!, batches[1]!, eta, branch) - objective(down, activation, batches[0]!, batches[1]!, eta, branch)) / (2 * h);
        });
        const scale = Math.max(...fd.map(Math.abs));
        expect(scale).toBeGreaterThan(1e-4);
        out.gradient.forEach((g, l) => expect(Math.abs(g - fd[l]!)).toBeLessThan(1e-5 * scale));
      });
    }
  }

  for (const activation of ['tanh', 'relu'] as const) {
    it(`with the virtual step detached the scales' gradient is that of L_B2(s·W − eta·ĝ) with ĝ held, and needs no Hessian (${activation})`, async () => {
      const scales = SHAPES.map((_, l) => 1.1 - 0.1 * l);
      const eta = 0.1;
      const noHessian = (batch: Batch) => ({ ...sourceFor(activation)(batch), hessianVector: () => Promise.reject(new Error('the detached branch asks for no Hessian')) });
      const out = await gradInitGradient(weights, scales, noHessian(batches[0]!), noHessian(batches[1]!), { eta, gamma: 1e9, virtualStep: 'detached' });
      expect(out.objective).toBe('loss-after-step');
      const at = (s: readonly number[]) => weights.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v) => v * s[l]!) }));
      const g = referenceGradients({ weights: at(scales), biases, activation }, batches[0]!);
      const norm = Math.sqrt(g.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0));
      const held = (s: readonly number[]) => referenceLoss({ weights: at(s).map((w, l) => ({ ...w, values: w.values.map((v, i) => v - (eta * g[l]![i]!) / norm) })), biases, activation }, batches[1]!);
      // float64 throughout: the central difference's O(h²) = 1e-10 truncation is the only error.
      const h = 1e-5;
      const fd = scales.map((_, l) => (held(scales.map((s, k) => (k === l ? s + h : s))) - held(scales.map((s, k) => (k === l ? s - h : s)))) / (2 * h));
      const scale = Math.max(...fd.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-4);
      out.gradient.forEach((v, l) => expect(Math.abs(v - fd[l]!)).toBeLessThan(1e-6 * scale));
    });
  }

  it('the gradient-norm branch applies exactly when ||g|| > gamma', async () => {
    const probe = await gradInitGradient(weights, [1, 1, 1, 1], sourceFor('tanh')(batches[0]!), sourceFor('tanh')(batches[1]!));
    const below = await gradInitGradient(weights, [1, 1, 1, 1], sourceFor('tanh')(batches[0]!), sourceFor('tanh')(batches[1]!), { gamma: probe.gradNorm * 1.0001 });
    const above = await gradInitGradient(weights, [1, 1, 1, 1], sourceFor('tanh')(batches[0]!), sourceFor('tanh')(batches[1]!), { gamma: probe.gradNorm * 0.9999 });
    expect([below.objective, above.objective]).toEqual(['loss-after-step', 'gradient-norm']);
  });

  it('learns scales that lower the loss after a step for a badly scaled deep tanh net, deterministically', async () => {
    // Every weight shrunk to 0.3×: the signal vanishes through the layers and a first step does little.
    const small = weights.map((w) => ({ ...w, values: Float32Array.from(w.values, (v) => 0.3 * v) }));
    const pair = (i: number) => [batches[(2 * i) % 8]!, batches[(2 * i + 1) % 8]!] as const;
    const run = () => gradInitScales(small, pair, sourceFor('tanh'), { iterations: 60, lr: 0.05 });
    const learned = await run();
    expect(learned.steps).toHaveLength(60);
    expect(learned.steps.every((s) => s.objective === 'loss-after-step')).toBe(true);
    // Judged on every batch pair, not only those it trained on.
    const mean = (scales: readonly number[]) => [0, 1, 2, 3].reduce((s, i) => s + objective(scales, 'tanh', pair(i)[0], pair(i)[1], 0.1, 'loss-after-step', small), 0) / 4;
    const before = mean([1, 1, 1, 1]);
    const after = mean(learned.scales);
    expect(after).toBeLessThan(before - 0.01);
    expect(Math.max(...learned.scales)).toBeGreaterThan(1.1);
    expect((await run()).scales).toEqual(learned.scales);
  });

  it('holds the scales at minScale or above', async () => {
    const pair = (i: number) => [batches[i % 8]!, batches[(i + 1) % 8]!] as const;
    // gamma 0 puts every iteration on the gradient-norm branch, which shrinks weights toward a flat loss.
    const out = await gradInitScales(weights, pair, sourceFor('tanh'), { iterations: 30, lr: 0.1, gamma: 1e-12, minScale: 0.5 });
    expect(out.steps.every((s) => s.objective === 'gradient-norm')).toBe(true);
    expect(Math.min(...out.steps.flatMap((s) => s.scales))).toBeGreaterThanOrEqual(0.5);
    expect(Math.min(...out.scales)).toBe(0.5);
  });

  it('names the option and its range on bad input', async () => {
    const pair = () => [batches[0]!, batches[1]!] as const;
    await expect(gradInitScales(weights, pair, sourceFor('tanh'), { iterations: 0 })).rejects.toThrow(/gradinit\.iterations/);
    await expect(gradInitScales(weights, pair, sourceFor('tanh'), { lr: -1 })).rejects.toThrow(/gradinit\.lr/);
    await expect(gradInitScales(weights, pair, sourceFor('tanh'), { minScale: Number.NaN })).rejects.toThrow(/gradinit\.minScale/);
    await expect(gradInitScales(weights, pair, sourceFor('tanh'), { virtualStep: 'held' as never })).rejects.toThrow(/gradinit\.virtualStep must be one of differentiated, detached, got held/);
  });
});

describeGpu('training', (run) => {
  // Float32 GPU gradient passes against float64 ones, on the same Hessian-vector product code:
  // the gradients agree to ~1e-6 relative, and the scales' gradient (dot products over all stored
  // weights) to well within 1e-3 of its largest entry.
  for (const activation of ['tanh', 'relu'] as const) {
    for (const gamma of [1e9, 1e-9]) {
      it(`the objective gradient from GPU passes equals the float64 one (${activation}, ${gamma > 1 ? 'loss-after-step' : 'gradient-norm'})`, async () => {
        const biases32 = biases.map((b) => Float32Array.from(b));
        const gpu: { objective: string; gradNorm: number; gradient: number[] } = await run('gradInitGradient', { weights, biases: biases32, activation, b1: batches[0], b2: batches[1], gamma });
        const cpu = await gradInitGradient(weights, [1, 1, 1, 1], sourceFor(activation)(batches[0]!), sourceFor(activation)(batches[1]!), { gamma });
        expect(gpu.objective).toBe(cpu.objective);
        expect(Math.abs(gpu.gradNorm - cpu.gradNorm)).toBeLessThan(1e-4 * cpu.gradNorm);
        const scale = Math.max(...cpu.gradient.map(Math.abs));
        cpu.gradient.forEach((g, l) => expect(Math.abs(gpu.gradient[l]! - g)).toBeLessThan(1e-3 * scale));
      });
    }
  }
});
