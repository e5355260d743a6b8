import { describe, expect, it } from 'vitest';
import { randomMasks } from '../../src/masks/random.js';
import { referenceGradientSource, referenceLoss } from '../../src/masks/reference-mlp.js';
import type { Batch } from '../../src/masks/types.js';
import { mlpBiases, mlpShapes, type MlpConfig } from '../../src/nn/mlp.js';
import { checkRecipe, parseRecipeName, recipePreset } from '../../src/recipe/recipe.js';
import { gradInitGradient, gradInitScales } from '../../src/recipe/gradinit.js';
import { adamStepRef } from '../../src/train/optimizer-reference.js';
import type { TrainSpec } from '../../src/train/experiment.js';
import { Rng } from '../../src/random.js';
import { describeGpu } from '../harness/gpu.js';
import { NET, SHAPES, syntheticBatches } from '../masks/fixtures.js';

// The any-mask recipe as its code releases it, beside the paper text's form.
const batches = syntheticBatches(NET.inputs, NET.classes, 4, 16, 5);
const weights = randomMasks(SHAPES, { density: 0.5, seed: 3, distribution: 'uniform' }).weights;
const source = (b: Batch) => referenceGradientSource({ activation: 'tanh', batches: [b] });

describe('the released recipe: names and options', () => {
  it("'released' is released-soft (relu only), released-skip, released-lrsi and ls; each form excludes its paper-text form", () => {
    expect(recipePreset('released', 'relu', 100)).toEqual({ softActivation: { activation: 'swish' }, releasedSkips: {}, lrsi: 'released', labelSmoothing: { alpha: 0.1 } });
    expect(recipePreset('released', 'tanh', 100)).toEqual({ releasedSkips: {}, lrsi: 'released', labelSmoothing: { alpha: 0.1 } });
    expect(recipePreset('released-soft+released-lrsi', 'relu', 10)).toEqual({ softActivation: { activation: 'swish' }, lrsi: 'released' });
    expect(() => parseRecipeName('soft+released-soft')).toThrow(/soft and released-soft are two forms of one part/);
    expect(() => parseRecipeName('lrsi+lrsi-sqrt+released-lrsi')).toThrow(/lrsi and lrsi-sqrt and released-lrsi are forms of one part/);
    expect(() => recipePreset('released-soft', 'tanh', 10)).toThrow(/softActivation replaces relu, so the model's activation must be relu \(it is tanh\)/);
    expect(() => checkRecipe({ softActivation: { activation: 'swish' }, softNeurons: { activation: 'swish', steps: 3 } }, 'relu')).toThrow(/two forms of one part/);
    expect(() => checkRecipe({ lrsi: { released: { clip: -1 } } }, 'relu')).toThrow(/recipe\.lrsi\.released\.clip/);
    expect(() => checkRecipe({ lrsi: { gradinit: { clipPer: 'layer' as never } } }, 'relu')).toThrow(/recipe\.lrsi\.gradinit\.clipPer must be one of norm, scalar, got layer/);
  });

  it('divideByEta divides the loss-after-step gradient by eta and leaves the gradient-norm branch alone', async () => {
    const scales = SHAPES.map(() => 1);
    for (const gamma of [1e9, 1e-9]) {
      const plain = await gradInitGradient(weights, scales, source(batches[0]!), source(batches[1]!), { eta: 0.2, gamma, virtualStep: 'detached' });
      const divided = await gradInitGradient(weights, scales, source(batches[0]!), source(batches[1]!), { eta: 0.2, gamma, virtualStep: 'detached', divideByEta: true });
      expect(plain.objective).toBe(gamma > 1 ? 'loss-after-step' : 'gradient-norm');
      divided.gradient.forEach((g, l) => expect(g).toBeCloseTo(plain.gradient[l]! / (gamma > 1 ? 0.2 : 1), 12));
    }
  });

  it("clipPer 'scalar' clips each scale's gradient to [-clip, clip] before Adam: three iterations against a float64 replay", async () => {
    const opts = { iterations: 3, lr: 0.05, eta: 0.1, gamma: 1e9, clip: 1e-3, virtualStep: 'detached' as const, clipPer: 'scalar' as const };
    const pair = (i: number) => [batches[i % 4]!, batches[(i + 1) % 4]!] as const;
    const { scales } = await gradInitScales(weights, pair, source, opts);
    const s = new Float64Array(SHAPES.length).fill(1);
    const m = new Float64Array(s.length);
    const v = new Float64Array(s.length);
    for (let i = 0; i < 3; i++) {
      const [b1, b2] = pair(i);
      const { gradient } = await gradInitGradient(weights, Array.from(s), source(b1), source(b2), opts);
      adamStepRef(s, gradient.map((g) => Math.max(-1e-3, Math.min(1e-3, g))), m, v, { lr: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, step: i + 1 });
    }
    scales.forEach((x, l) => expect(x).toBeCloseTo(s[l]!, 12));
  });
});

describeGpu('recipeCnn', (run) => {
  it('the model-in-place source with biases: weight and bias gradients equal float64 finite differences of the loss', async () => {
    const rng = new Rng(2);
    const biases = SHAPES.map(([rows]) => Float32Array.from({ length: rows }, () => 0.2 * rng.nextNormal()));
    const two = batches.slice(0, 2);
    const grads: number[][] = await run('mlpGradientsWithBiases', { weights, biases, batches: two });
    const loss = (w: typeof weights, b: Float32Array[]) => two.reduce((sum, batch) => sum + referenceLoss({ activation: 'tanh', weights: w, biases: b }, batch), 0);
    const h = 1e-3;
    biases.forEach((b, l) => {
      for (let i = 0; i < b.length; i++) {
        const shifted = (d: number) => biases.map((x, k) => (k === l ? x.map((y, j) => (j === i ? y + d : y)) : x));
        const fd = (loss(weights, shifted(h)) - loss(weights, shifted(-h))) / (2 * h);
        // float32 GPU gradients vs a float64 central difference (O(h²) ~ 1e-6): 2e-4 absolute.
        expect(Math.abs(grads[SHAPES.length + l]![i]! - fd), `bias ${l}[${i}]`).toBeLessThan(2e-4);
      }
    });
    weights.forEach((w, l) => {
      for (let t = 0; t < Math.min(6, w.values.length); t++) {
        const shifted = (d: number) => weights.map((x, k) => (k === l ? { ...x, values: x.values.map((y, j) => (j === t ? y + d : y)) } : x));
        const fd = (loss(shifted(h), biases) - loss(shifted(-h), biases)) / (2 * h);
        expect(Math.abs(grads[l]![t]! - fd), `weight ${l}[${t}]`).toBeLessThan(2e-4);
      }
    });
    expect(grads).toHaveLength(2 * SHAPES.length);
  });

  it("a relu MLP with the 'released' recipe: swish all run, a dense projection beside every sparse layer kept to the end, LRsI on the dense twin scaling weights and biases", async () => {
    const config: MlpConfig = { inputs: 12, width: 8, depth: 3, classes: 3, density: 0.5, init: 'uniform', activation: 'relu', sigmaW: 1.4, sigmaB: 0.05, seed: 1 };
    const [data] = syntheticBatches(12, 3, 1, 64, 8);
    const spec: TrainSpec = {
      model: config,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
      epochs: 1,
      batchSize: 16,
      maxSteps: 4,
      seed: 0,
      recipe: { softActivation: { activation: 'swish' }, releasedSkips: {}, lrsi: { released: { iterations: 6 } }, labelSmoothing: { alpha: 0.1 } },
    };
    const out = await run('releasedMlpRun', { spec, data });
    const { report, first, after } = out;
    expect(report.activation).toBe('swish');
    expect(first.activations).toEqual(['swish', 'swish']);
    expect(report.gradinitForm).toEqual({ virtualStep: 'detached', hessian: 'central-difference', on: 'dense-twin' });
    expect(report.gradinit).toHaveLength(6);
    expect(report.lrsiScales).toHaveLength(3);
    expect(report.lrsiBiasScales).toHaveLength(3);
    expect(report.lrsiBiasScales.some((s: number) => Math.abs(s - 1) > 1e-4)).toBe(true);
    // The biases the first step trains are the built ones times their learned scales.
    mlpBiases(config).forEach((b, l) => b.forEach((x, i) => expect(first.biases[l]![i]).toBeCloseTo(x * report.lrsiBiasScales[l], 6)));
    expect(first.kinds.filter((k: string) => k === 'ghost-skip')).toHaveLength(mlpShapes(config).length);
    expect(after.filter((k: string) => k === 'ghost-skip')).toHaveLength(3);
    expect(report.releasedSkips).toMatchObject({ weights: 12 * 8 + 8 * 8 + 8 * 3, kept: 3 });
    expect(Number.isFinite(out.loss)).toBe(true);
    expect(out.steps).toBe(4);
  });

  it("a relu CNN with the 'released' recipe: LRsI on its dense delta-orthogonal twin, then the 1x1 skips folded into the filters", async () => {
    const model = { kind: 'cnn', inputShape: [1, 8, 8], stem: 1, depth: 2, channels: 4, kernel: 3, classes: 3, density: 0.5, init: 'eoi', activation: 'relu', sigmaW: 1.4142, sigmaB: 0.05, seed: 3 } as const satisfies TrainSpec['model'];
    const rng = new Rng(6);
    const labels = Uint32Array.from({ length: 48 }, () => Math.floor(rng.nextFloat() * 3));
    const data = { count: 48, features: 64, inputs: Float32Array.from({ length: 48 * 64 }, (_, i) => labels[Math.floor(i / 64)]! + rng.nextNormal()), labels };
    const spec: TrainSpec = { model, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9 }, epochs: 1, batchSize: 16, maxSteps: 3, seed: 0, recipe: { releasedSkips: {}, lrsi: { released: { iterations: 3 } } } };
    const out = await run('releasedMlpRun', { spec, data });
    expect(out.report.gradinitForm).toEqual({ virtualStep: 'detached', hessian: 'central-difference', on: 'dense-twin' });
    expect(out.report.lrsiScales).toHaveLength(3);
    expect(out.report.lrsiBiasScales).toHaveLength(3);
    expect(out.report.releasedSkips.kept).toBe(0);
    expect(out.after).not.toContain('ghost-skip');
    expect(Number.isFinite(out.loss)).toBe(true);
  });
});
