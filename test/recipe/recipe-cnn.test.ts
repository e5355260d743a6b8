import { describe, expect, it } from 'vitest';
import type { Batch, WeightsLike } from '../../src/masks/types.js';
import { referenceGradients, referenceHessianVector, referenceLoss, type ReferenceNetwork } from '../../src/masks/reference-mlp.js';
import type { CnnConfig } from '../../src/nn/cnn.js';
import { foldCentreTaps } from '../../src/nn/conv-skip.js';
import type { ConvShape } from '../../src/nn/sparse-conv2d.js';
import { Rng } from '../../src/random.js';
import { checkRecipe, parseRecipeName, RELEASED_SKIP_INIT, type RecipeReport, recipePreset } from '../../src/recipe/recipe.js';
import { type ConvDims, convBackwardDataRef, convBiasGradRef, convForwardRef, convGeometry, convWeightGradRef, denseFilterAsCsr } from '../../src/sparse/index.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import type { TrainSpec } from '../../src/train/experiment.js';
import { describeGpu } from '../harness/gpu.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';
import { abs, patterned } from '../sparse-fixtures.js';

/** A cOut x cIn·kh·kw filter: row 0 empty, row 1 full (cOut > 1), the rest at density 0.4. */
function filterOf(cOut: number, taps: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  return patterned(cOut, taps, seed, (r) => (r === 0 ? false : r === 1 ? true : rng.nextFloat() < 0.4));
}

/** `count` examples of `classes` classes: each a fixed random image of its class plus Gaussian noise (learnable through global pooling). */
function toyData(count: number, features: number, classes: number, seed: number): Batch {
  const rng = new Rng(seed);
  const templates = Float32Array.from({ length: classes * features }, () => rng.nextNormal());
  const labels = Uint32Array.from({ length: count }, () => Math.floor(rng.nextFloat() * classes));
  const inputs = Float32Array.from({ length: count * features }, (_, i) => templates[labels[Math.floor(i / features)]! * features + (i % features)]! + 0.5 * rng.nextNormal());
  return { count, features, inputs, labels };
}

const batchOf = (data: Batch, from: number, count: number): Batch => ({
  count,
  features: data.features,
  inputs: data.inputs.slice(from * data.features, (from + count) * data.features),
  labels: data.labels.slice(from, from + count),
});

/** The 1x1 convolution beside `dims`: same input and stride, no padding. */
const centreDims = (dims: ConvDims): ConvDims => ({ ...dims, kh: 1, kw: 1, padding: 0, paddingMode: 'zeros' });

const add = (a: ArrayLike<number>, b: ArrayLike<number>, alpha = 1) => Float64Array.from(a, (v, i) => v + alpha * b[i]!);

describe('the recipe on CNNs: names and checks', () => {
  it('released-skip is a recipe part apart from skip; the two forms are refused together', () => {
    expect(recipePreset('released-skip', 'relu', 100)).toEqual({ releasedSkips: {} });
    expect(recipePreset('released-skip+lrsi+ls', 'tanh', 10)).toEqual({ releasedSkips: {}, lrsi: 'gradinit', labelSmoothing: { alpha: 0.1 } });
    expect(recipePreset('all', 'relu', 100)).toEqual({ softNeurons: { activation: 'swish', steps: 30, ramp: 'cosine' }, ghostSkips: { steps: 30 }, lrsi: 'gradinit', labelSmoothing: { alpha: 0.1 } });
    expect(parseRecipeName('soft+released-skip')).toEqual(['soft', 'released-skip']);
    expect(() => parseRecipeName('skip+released-skip')).toThrow(/skip and released-skip are two forms of one part/);
    expect(parseRecipeName('released')).toBe('released');
    expect(() => parseRecipeName('release')).toThrow(/parts from soft, released-soft, skip, released-skip, lrsi, lrsi-sqrt, released-lrsi, ls joined by '\+', got 'release'/);
    expect(() => checkRecipe({ ghostSkips: { steps: 3 }, releasedSkips: {} }, 'relu')).toThrow(/recipe\.ghostSkips .* and recipe\.releasedSkips .* are two forms of one part/);
    expect(() => checkRecipe({ releasedSkips: { init: Number.NaN } }, 'relu')).toThrow(/recipe\.releasedSkips\.init/);
    expect(() => checkRecipe({ releasedSkips: 1e-4 as never }, 'relu')).toThrow(/recipe\.releasedSkips must be an object/);
    expect(() => checkRecipe({ lrsi: { gradinit: { virtualStep: 'frozen' as never } } }, 'relu')).toThrow(/recipe\.lrsi\.gradinit\.virtualStep must be one of differentiated, detached, got frozen/);
    expect(RELEASED_SKIP_INIT).toBe(1e-4);
  });

  const foldShapes: Array<{ cOut: number; dims: ConvDims }> = [
    { cOut: 3, dims: { batch: 2, cIn: 3, h: 5, w: 7, kh: 3, kw: 3, stride: 1, padding: 1, paddingMode: 'circular' } },
    { cOut: 4, dims: { batch: 1, cIn: 1, h: 7, w: 6, kh: 5, kw: 5, stride: 2, padding: 2, paddingMode: 'zeros' } },
    { cOut: 2, dims: { batch: 3, cIn: 2, h: 4, w: 3, kh: 1, kw: 1, stride: 1, padding: 0 } },
  ];
  for (const { cOut, dims } of foldShapes) {
    it(`folding a 1x1 convolution into the centre taps gives the same function on the joined mask (${dims.kh}x${dims.kw}, stride ${dims.stride}, ${dims.paddingMode ?? 'zeros'})`, () => {
      const { batch: _batch, ...shape } = dims;
      const taps = dims.cIn * dims.kh * dims.kw;
      const filter = filterOf(cOut, taps, taps + cOut);
      const rng = new Rng(cOut * 7 + taps);
      const projection = randomFloat32(rng, cOut * dims.cIn);
      const alpha = 0.75;
      const folded = foldCentreTaps(filter, shape, projection, alpha);
      const centre = (ci: number) => (ci * dims.kh + dims.padding!) * dims.kw + dims.padding!;
      for (let r = 0; r < cOut; r++) {
        const before = Array.from(filter.colIdx.subarray(filter.rowPtr[r]!, filter.rowPtr[r + 1]!));
        const after = Array.from(folded.colIdx.subarray(folded.rowPtr[r]!, folded.rowPtr[r + 1]!));
        const joined = [...new Set([...before, ...Array.from({ length: dims.cIn }, (_, ci) => centre(ci))])].sort((a, b) => a - b);
        expect(after).toEqual(joined);
        after.forEach((col, k) => {
          const at = folded.rowPtr[r]! + k;
          const stored = before.includes(col) ? filter.values[filter.rowPtr[r]! + before.indexOf(col)]! : 0;
          const ci = Math.floor(col / (dims.kh * dims.kw));
          const want = centre(ci) === col ? Math.fround(stored + alpha * projection[r * dims.cIn + ci]!) : stored;
          expect(folded.values[at]).toBe(want);
        });
      }
      // The same outputs: each folded centre value is one float32 rounding (2^-24 relative) of W + alpha·P.
      const x = randomFloat32(rng, dims.batch * dims.cIn * dims.h * dims.w);
      const p1 = denseFilterAsCsr(projection, cOut, dims.cIn);
      const want = add(convForwardRef(filter, x, dims), convForwardRef(p1, x, centreDims(dims)), alpha);
      const magnitude = add(convForwardRef(filter, x, dims, undefined, true), convForwardRef(p1, x, centreDims(dims), undefined, true), alpha);
      const got = convForwardRef(folded, x, dims);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(2 ** -23 * magnitude[i]!));
    });
  }

  it('folding names the argument on bad input', () => {
    const shape: ConvShape = { cIn: 2, h: 4, w: 4, kh: 3, kw: 3, padding: 1 };
    const filter = filterOf(3, 18, 1);
    expect(() => foldCentreTaps(filter, { ...shape, padding: 0 }, new Float32Array(6))).toThrow(/needs a "same" one \(kh = kw = 2·padding \+ 1\), got 3 x 3 with padding 0/);
    expect(() => foldCentreTaps(filter, { ...shape, kw: 5, padding: 1 }, new Float32Array(6))).toThrow(/"same"/);
    expect(() => foldCentreTaps(filter, shape, new Float32Array(5))).toThrow(/projection must have length 6 \(cOut\*cIn\)/);
    expect(() => foldCentreTaps(filter, shape, Float32Array.of(1, 2, 3, 4, 5, Number.NaN))).toThrow(/projection/);
    expect(() => foldCentreTaps(filter, { ...shape, cIn: 1 }, new Float32Array(3))).toThrow(/filter\.cols must equal cIn\*kh\*kw = 9, got 18/);
    expect(() => foldCentreTaps(filter, shape, new Float32Array(6), Number.POSITIVE_INFINITY)).toThrow(/alpha/);
  });
});

/** The CNN as the float64 reference network (src/masks/reference-mlp.ts) takes it, with given filters. */
function referenceNet(config: CnnConfig, params: CnnParams, filters: readonly WeightsLike[]): ReferenceNetwork {
  return { activation: config.activation, biases: params.convs.map((c) => c.bias), cnn: { ...config, classifier: params.classifier.weight, classifierBias: params.classifier.bias }, weights: filters };
}

type CnnParams = { convs: Array<{ filter: CsrMatrix; bias: Float32Array }>; classifier: { weight: Float32Array; bias: Float32Array } };
type GradInitOut = { result: { objective: string; gradNorm: number; gradient: number[] }; probeGrads: number[][][]; params: CnnParams };

const norm = (g: readonly ArrayLike<number>[]) => Math.sqrt(g.reduce((s, x) => s + Array.from(x).reduce((a, v) => a + v * v, 0), 0));
const scaledBy = (filters: readonly WeightsLike[], scales: readonly number[]) => filters.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v) => v * scales[l]!) }));
/** s·W − eta·g/||g|| */
const stepped = (at: readonly WeightsLike[], g: readonly ArrayLike<number>[], eta: number) => at.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v, i) => v - (eta * g[l]![i]!) / norm(g)) }));
/** scales with entry l moved by d */
const moved = (scales: readonly number[], l: number, d: number) => scales.map((s, k) => (k === l ? s + d : s));

// Stem 2 -> 4 channels at stride 2 (7x6 -> 4x3), then two 4 -> 4 convolutions: 3 sparse layers.
const GRADINIT_CNN: CnnConfig = { inputShape: [2, 7, 6], stem: 1, depth: 2, channels: 4, kernel: 3, classes: 3, density: 0.5, init: 'uniform', activation: 'tanh', sigmaW: 1, sigmaB: 0.1, seed: 5 };
// Stem 1 -> 4 channels at stride 2 (8x8 -> 4x4): a 1x1 projection; the body's 4 -> 4 convolutions: the identity.
const RUN_CNN = { kind: 'cnn', inputShape: [1, 8, 8], stem: 1, depth: 2, channels: 4, kernel: 3, classes: 3, density: 0.5, init: 'eoi', activation: 'relu', sigmaW: 1.4142, sigmaB: 0, seed: 3 } as const satisfies TrainSpec['model'];

describeGpu('recipeCnn', (run) => {
  type SkipOut = { y: Float32Array; dx: Float32Array; dW: Float32Array; db: Float32Array; ghostCount: number; dP?: Float32Array; folded?: CsrMatrix; foldedBias?: Float32Array; yFolded?: Float32Array };

  /** Runs a skip around a sparse conv on the GPU and checks forward and backward against the float64 references. */
  async function expectSkipWithinBound(cOut: number, dims: ConvDims, alpha: number, withProjection: boolean, fold = false) {
    const g = convGeometry(dims);
    const { batch, ...shape } = dims;
    const taps = g.cIn * g.kh * g.kw;
    const filter = filterOf(cOut, taps, 31 * cOut + taps);
    const rng = new Rng(g.h * 13 + g.w + batch);
    const [x, dy, bias] = [randomFloat32(rng, batch * g.cIn * g.h * g.w), randomFloat32(rng, batch * cOut * g.ho * g.wo), randomFloat32(rng, cOut)];
    const projection = withProjection ? randomFloat32(rng, cOut * g.cIn) : undefined;
    const out: SkipOut = await run('convSkip', { filter, shape, bias, alpha, x, dy, batch, projection, fold });
    const p1 = projection && denseFilterAsCsr(projection, cOut, g.cIn);
    const d1 = centreDims(dims);
    // Every output: the conv's sum (taps + bias), the skip's (1 or cIn terms), alpha's product and the add.
    const skipY = (m = false) => (p1 ? convForwardRef(p1, x, d1, undefined, m) : m ? abs(x) : x);
    const yTerms = taps + 1 + (p1 ? g.cIn : 1) + 2;
    expect(worstBoundRatio(out.y, add(convForwardRef(filter, x, dims, bias), skipY(), alpha), add(convForwardRef(filter, x, dims, bias, true), skipY(true), Math.abs(alpha)), yTerms)).toBeLessThanOrEqual(1);
    const skipDx = (m = false) => (p1 ? convBackwardDataRef(p1, dy, d1, m) : m ? abs(dy) : dy);
    const dxTerms = cOut * g.kh * g.kw + (p1 ? cOut : 1) + 2;
    expect(worstBoundRatio(out.dx, add(convBackwardDataRef(filter, dy, dims), skipDx(), alpha), add(convBackwardDataRef(filter, dy, dims, true), skipDx(true), Math.abs(alpha)), dxTerms)).toBeLessThanOrEqual(1);
    const plane = g.ho * g.wo;
    expect(worstBoundRatio(out.dW, convWeightGradRef(filter, dy, x, dims), convWeightGradRef(filter, dy, x, dims, true), batch * plane)).toBeLessThanOrEqual(1);
    expect(worstBoundRatio(out.db, convBiasGradRef(dy, batch, cOut, plane), convBiasGradRef(dy, batch, cOut, plane, true), batch * plane)).toBeLessThanOrEqual(1);
    expect(out.ghostCount).toBe(p1 ? 1 : 0);
    if (p1) {
      // The projection sees alpha·dy: one more rounding per term.
      const scale = (a: Float64Array) => a.map((v) => Math.abs(alpha) * v);
      expect(worstBoundRatio(out.dP!, convWeightGradRef(p1, dy, x, d1).map((v) => alpha * v), scale(convWeightGradRef(p1, dy, x, d1, true)), batch * plane + 1)).toBeLessThanOrEqual(1);
    }
    if (fold) {
      expect(out.folded).toEqual(foldCentreTaps(filter, shape, projection!, alpha));
      expect(Array.from(out.foldedBias!)).toEqual(Array.from(bias)); // the 1x1 convolution's bias is zero
      // The folded conv: its own reference (one sum of its taps + bias), and the unfolded output within both bounds.
      const magnitude = convForwardRef(out.folded!, x, dims, bias, true);
      expect(worstBoundRatio(out.yFolded!, convForwardRef(out.folded!, x, dims, bias), magnitude, taps + 1)).toBeLessThanOrEqual(1);
      expect(worstBoundRatio(out.yFolded!, out.y, add(convForwardRef(filter, x, dims, bias, true), skipY(true), Math.abs(alpha)), 2 * yTerms + 1)).toBeLessThanOrEqual(1);
    }
  }

  it('paper-text ghost skip, identity (cIn = cOut, stride 1): y + alpha·x forward, dx + alpha·dy backward, the conv’s own weight gradients', async () => {
    await expectSkipWithinBound(3, { batch: 5, cIn: 3, h: 5, w: 7, kh: 3, kw: 3, stride: 1, padding: 1, paddingMode: 'circular' }, 0.625, false);
  });

  it('paper-text ghost skip, 1x1 projection at stride 2 (cIn ≠ cOut): alpha·P x forward; P’s gradient alpha·dYᵀx, a ghost parameter', async () => {
    await expectSkipWithinBound(2, { batch: 1, cIn: 3, h: 7, w: 6, kh: 5, kw: 5, stride: 2, padding: 2, paddingMode: 'zeros' }, 0.375, true);
  });

  it('released 1x1 convolution beside a 3x3 one (alpha 1), then folded into its centre taps: the same outputs', async () => {
    await expectSkipWithinBound(4, { batch: 4, cIn: 4, h: 5, w: 5, kh: 3, kw: 3, stride: 1, padding: 1, paddingMode: 'circular' }, 1, true, true);
    await expectSkipWithinBound(3, { batch: 3, cIn: 1, h: 7, w: 7, kh: 3, kw: 3, stride: 2, padding: 1, paddingMode: 'circular' }, 1, true, true);
  });

  const data = toyData(24, 2 * 7 * 6, 3, 7);
  const [b1, b2] = [batchOf(data, 0, 6), batchOf(data, 6, 6)];
  const scales = [0.9, 1.15, 1];
  const eta = 0.1;
  const h = 1e-2;
  // Probes: the scales themselves, then each moved by ±h.
  const probes = [scales, ...scales.flatMap((_, l) => [moved(scales, l, h), moved(scales, l, -h)])];
  const gradInit = (gamma: number, virtualStep: string): Promise<GradInitOut> => run('cnnGradInit', { config: GRADINIT_CNN, b1, b2, scales, eta, gamma, virtualStep, probes });
  const filtersOf = (out: GradInitOut) => out.params.convs.map((c) => c.filter);

  it('the model-in-place gradient source: gradients as the float64 CNN’s, H·v by central differences within 1e-3 of the exact R-operator’s (tanh)', async () => {
    const out: { grads: number[][]; hv: number[][]; v: number[][]; params: CnnParams } = await run('cnnHessianVector', { config: GRADINIT_CNN, batch: b1, seed: 3 });
    const net = referenceNet(GRADINIT_CNN, out.params, out.params.convs.map((c) => c.filter));
    const grads = referenceGradients(net, b1);
    const hv = referenceHessianVector(net, b1, out.v);
    // float32 gradient passes: ~1e-6 of the largest entry; the difference quotient: ~1e-4 (model-gradients.ts).
    const largestGrad = Math.max(...grads.flatMap((a) => Array.from(a, Math.abs)));
    grads.forEach((g, l) => g.forEach((x, i) => expect(Math.abs(out.grads[l]![i]! - x)).toBeLessThan(1e-4 * largestGrad)));
    const largest = Math.max(...hv.flatMap((a) => Array.from(a, Math.abs)));
    expect(largest).toBeGreaterThan(1e-3);
    hv.forEach((h, l) => h.forEach((x, i) => expect(Math.abs(out.hv[l]![i]! - x)).toBeLessThan(1e-3 * largest)));
  });

  it('GradInit on a CNN, detached virtual step: the scales’ gradient is that of L_B2(s·W − eta·ĝ) with ĝ held, by float64 central differences', async () => {
    const out = await gradInit(1e9, 'detached');
    expect(out.result.objective).toBe('loss-after-step');
    const g = out.probeGrads[0]!;
    expect(out.result.gradNorm).toBeCloseTo(norm(g), 5);
    const filters = filtersOf(out);
    const objective = (s: readonly number[]) => referenceLoss(referenceNet(GRADINIT_CNN, out.params, stepped(scaledBy(filters, s), g, eta)), b2);
    // float64 on both sides of the difference (O(1e-5²) truncation) against float32 GPU gradients (~1e-6 relative).
    const fd = scales.map((_, l) => (objective(moved(scales, l, 1e-5)) - objective(moved(scales, l, -1e-5))) / 2e-5);
    const largest = Math.max(...fd.map(Math.abs));
    expect(largest).toBeGreaterThan(1e-3);
    out.result.gradient.forEach((v, l) => expect(Math.abs(v - fd[l]!)).toBeLessThan(1e-3 * largest));
  });

  it('GradInit on a CNN, gradient-norm branch: d||g||/ds by central-difference Hessian-vector products equals central differences of ||g(s)||', async () => {
    const out = await gradInit(1e-9, 'detached');
    expect(out.result.objective).toBe('gradient-norm');
    // ||g|| from float32 gradients (~1e-6 relative) differenced over 2h = 2e-2: ~1e-4 of the scale, as is the O(h²) truncation.
    const fd = scales.map((_, l) => (norm(out.probeGrads[1 + 2 * l]!) - norm(out.probeGrads[2 + 2 * l]!)) / (2 * h));
    const largest = Math.max(...fd.map(Math.abs));
    expect(largest).toBeGreaterThan(1e-3);
    out.result.gradient.forEach((v, l) => expect(Math.abs(v - fd[l]!)).toBeLessThan(1e-2 * largest));
  });

  it('GradInit on a CNN, differentiated virtual step: the gradient through the step too equals central differences of L_B2(s·W − eta·ĝ(s))', async () => {
    const [out, detached] = [await gradInit(1e9, 'differentiated'), await gradInit(1e9, 'detached')];
    expect(out.result.objective).toBe('loss-after-step');
    const filters = filtersOf(out);
    const objective = (probe: number) => referenceLoss(referenceNet(GRADINIT_CNN, out.params, stepped(scaledBy(filters, probes[probe]!), out.probeGrads[probe]!, eta)), b2);
    const fd = scales.map((_, l) => (objective(1 + 2 * l) - objective(2 + 2 * l)) / (2 * h));
    const largest = Math.max(...fd.map(Math.abs));
    out.result.gradient.forEach((v, l) => expect(Math.abs(v - fd[l]!)).toBeLessThan(1e-2 * largest));
    // The step's own dependence on the scales is a visible part of it.
    expect(Math.max(...out.result.gradient.map((v, l) => Math.abs(v - detached.result.gradient[l]!)))).toBeGreaterThan(2e-2 * largest);
  });

  it('learned GradInit scales lower the loss after a virtual step for a badly scaled tanh CNN', async () => {
    const batches = Array.from({ length: 4 }, (_, i) => batchOf(data, 6 * i, 6));
    // Every convolution shrunk to 0.3×: the signal fades through them and a first step does little.
    const out: { scales: number[]; objectives: string[]; before: number[]; after: number[] } = await run('cnnGradInitLearn', {
      config: GRADINIT_CNN,
      shrink: 0.3,
      batches,
      opts: { iterations: 40, lr: 0.05, virtualStep: 'detached' },
    });
    expect(out.objectives.every((o) => o === 'loss-after-step')).toBe(true);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out.after)).toBeLessThan(mean(out.before) - 0.01);
    expect(Math.max(...out.scales)).toBeGreaterThan(1.1);
  });

  type RunOut = {
    builtKinds: string[];
    builtWeights: CsrMatrix[];
    startWeights: CsrMatrix[];
    skipsPerStep: number[];
    alphas: number[][];
    activations: unknown[][];
    projections: Array<{ shape: ConvShape; cOut: number; first: Float32Array; last: Float32Array }>;
    trained: { kinds: string[]; activations: unknown[]; filters: CsrMatrix[]; reloadedKinds: string[]; original: Float32Array; loaded: Float32Array };
    steps: number;
    losses: number[];
    testLoss: number;
    report: RecipeReport;
  };
  const runData = toyData(128, 64, 3, 11);
  const x = runData.inputs.slice(0, 3 * 64);
  const spec = (recipe: TrainSpec['recipe'], maxSteps: number): TrainSpec => ({ model: RUN_CNN, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 }, epochs: 2, batchSize: 16, maxSteps, seed: 0, recipe });

  /** Same mask, every stored value times its layer's scale (one float32 rounding). */
  function expectScaled(out: RunOut, lrsiScales: number[]) {
    out.builtWeights.forEach((w, l) => {
      const start = out.startWeights[l]!;
      expect(Array.from(start.rowPtr)).toEqual(Array.from(w.rowPtr));
      expect(Array.from(start.colIdx)).toEqual(Array.from(w.colIdx));
      const want = Float64Array.from(w.values, (v) => v * lrsiScales[l]!);
      start.values.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(2 ** -24 * Math.abs(want[i]!)));
    });
  }

  it('ghost soft neurons and label smoothing on a CNN: every activation blended swish -> relu on schedule, the smoothed loss from the first step', async () => {
    const softNeurons = { activation: 'swish', steps: 4, ramp: 'cosine' } as const;
    const [soft, smoothed]: RunOut[] = [
      await run('recipeCnnRun', { spec: spec({ softNeurons }, 6), data: runData, lastSkipStep: 0, x, batch: 3 }),
      await run('recipeCnnRun', { spec: spec({ softNeurons, labelSmoothing: { alpha: 0.3 } }, 6), data: runData, lastSkipStep: 0, x, batch: 3 }),
    ];
    const blend = (step: number) => (1 - Math.cos((Math.PI * step) / 4)) / 2;
    expect(soft.activations).toEqual([0, 1, 2, 3, 4, 5].map((step) => Array(3).fill(step < 4 ? { name: 'swish', blend: blend(step) } : 'relu')));
    expect(soft.trained.activations).toEqual(['relu', 'relu', 'relu']);
    // The same network and batch at step 0: only the targets differ.
    expect(Math.abs(smoothed.losses[0]! - soft.losses[0]!)).toBeGreaterThan(1e-3);
    expect(soft.skipsPerStep.every((n) => n === 0)).toBe(true);
  });

  for (const lrsi of ['sqrt-density', { gradinit: { iterations: 3 } }] as const) {
    it(`runTraining on a CNN with the paper-text recipe (LRsI ${JSON.stringify(lrsi)}): ghosts fade and go, 1x1 projections trained, the built CNN saved`, async () => {
      const ghostSteps = 8;
      const recipe: TrainSpec['recipe'] = { softNeurons: { activation: 'swish', steps: 6, ramp: 'cosine' }, ghostSkips: { steps: ghostSteps }, lrsi, labelSmoothing: { alpha: 0.1, steps: 10 } };
      const out: RunOut = await run('recipeCnnRun', { spec: spec(recipe, 12), data: runData, lastSkipStep: ghostSteps - 1, x, batch: 3 });
      expect(out.steps).toBe(12);
      expect(out.losses.every(Number.isFinite)).toBe(true);
      // Every sparse conv skipped until alpha = 1 - step/8 reaches 0 at step 8.
      expect(out.skipsPerStep).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0]);
      out.alphas.slice(0, ghostSteps).forEach((a, step) => expect(a).toEqual([1, 1, 1].map(() => 1 - step / ghostSteps)));
      // Only the stem (1 -> 4 channels at stride 2) needs a projection: a 1x1 conv at its stride.
      expect(out.projections.map((p) => [p.cOut, p.shape.cIn, p.shape.kh, p.shape.kw, p.shape.stride])).toEqual([[4, 1, 1, 1, 2]]);
      const [p] = out.projections;
      expect(Math.abs(p!.first.reduce((s, v) => s + v * v, 0) - 1)).toBeLessThan(1e-5); // Haar: a unit column
      expect(Math.max(...p!.last.map((v, i) => Math.abs(v - p!.first[i]!)))).toBeGreaterThan(1e-4);
      const scales = out.report.lrsiScales!;
      expect(scales).toHaveLength(3);
      expectScaled(out, scales);
      if (lrsi === 'sqrt-density') {
        out.builtWeights.forEach((w, l) => expect(scales[l]).toBeCloseTo(1 / Math.sqrt(w.values.length / (w.rows * w.cols)), 12));
      } else {
        expect(out.report.gradinit).toHaveLength(3);
        expect(out.report.gradinitForm).toEqual({ virtualStep: 'detached', hessian: 'central-difference', on: 'model' });
        expect(scales.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
      }
      expect(out.trained.kinds).toEqual(out.builtKinds);
      expect(out.trained.reloadedKinds).toEqual(out.builtKinds);
      expect(out.trained.activations.every((a) => a === 'relu')).toBe(true);
      out.trained.filters.forEach((f, l) => expect(Array.from(f.colIdx)).toEqual(Array.from(out.builtWeights[l]!.colIdx)));
      expect(Array.from(out.trained.loaded)).toEqual(Array.from(out.trained.original));
    });
  }

  it('runTraining on a CNN with the released skips: 1x1 convolutions from 1e-4 beside every sparse conv all run, folded in at the end; the trained CNN saves and loads', async () => {
    const steps = 6;
    const recipe: TrainSpec['recipe'] = { releasedSkips: {}, lrsi: 'sqrt-density', labelSmoothing: { alpha: 0.1 } };
    const out: RunOut = await run('recipeCnnRun', { spec: spec(recipe, steps), data: runData, lastSkipStep: steps - 1, x, batch: 3 });
    expect(out.steps).toBe(steps);
    expect(out.losses.every(Number.isFinite)).toBe(true);
    expect(out.skipsPerStep).toEqual(Array(steps).fill(3));
    expect(out.alphas.flat().every((a) => a === 1)).toBe(true);
    expect(out.projections.map((p) => [p.cOut, p.shape.cIn, p.shape.kh, p.shape.stride])).toEqual([[4, 1, 1, 2], [4, 4, 1, 1], [4, 4, 1, 1]]);
    for (const p of out.projections) {
      expect(p.first.every((v) => v === Math.fround(1e-4))).toBe(true);
      expect(Math.max(...p.last.map((v, i) => Math.abs(v - p.first[i]!)))).toBeGreaterThan(1e-5); // trained with the model
    }
    expect(out.report.releasedSkips!.weights).toBe(4 + 16 + 16);
    expectScaled(out, out.report.lrsiScales!);
    // The trained model has the built layers; each filter's mask is the built one joined with every centre tap.
    expect(out.trained.kinds).toEqual(out.builtKinds);
    expect(out.trained.reloadedKinds).toEqual(out.builtKinds);
    out.trained.filters.forEach((f, l) => {
      const built = out.builtWeights[l]!;
      const cIn = built.cols / 9;
      for (let r = 0; r < f.rows; r++) {
        const cols = Array.from(f.colIdx.subarray(f.rowPtr[r]!, f.rowPtr[r + 1]!));
        const want = new Set([...Array.from(built.colIdx.subarray(built.rowPtr[r]!, built.rowPtr[r + 1]!)), ...Array.from({ length: cIn }, (_, ci) => ci * 9 + 4)]);
        expect(cols).toEqual([...want].sort((a, b) => a - b));
      }
    });
    expect(out.report.releasedSkips!.foldedDensities).toEqual(out.trained.filters.map((f) => f.values.length / (f.rows * f.cols)));
    expect(Array.from(out.trained.loaded)).toEqual(Array.from(out.trained.original));
  });
});
