// The mask generators on a CNN's convolutions, on the CPU: the float64 CNN (gradients and the exact
// Hessian-vector product against finite differences), every method's densities, determinism and
// selections, and the refusals.
import { describe, expect, it } from 'vitest';
import { erkDensities } from '../../src/eoi/layer-densities.js';
import { denseInit } from '../../src/masks/dense-init.js';
import { eoiOnTop } from '../../src/masks/eoi-masks.js';
import { generateMasks, type MaskOptions } from '../../src/masks/generate.js';
import { graspScores } from '../../src/masks/grasp.js';
import { isometryResidual } from '../../src/masks/isometry.js';
import { lotteryMasks } from '../../src/masks/lottery.js';
import type { MaskMethod } from '../../src/masks/method.js';
import { type CnnFrame, type NetworkFrame, resolveNetwork } from '../../src/masks/network.js';
import { randomMasks } from '../../src/masks/random.js';
import { referenceGradients, referenceHessianVector, referenceLoss } from '../../src/masks/reference-mlp.js';
import { snipScores } from '../../src/masks/snip.js';
import { synflowMasks, synflowScores } from '../../src/masks/synflow.js';
import { taylorScores } from '../../src/masks/taylor.js';
import type { Batch, Distribution, TrainFn, WeightsLike } from '../../src/masks/types.js';
import { type CnnConfig, cnnBody, initCnn } from '../../src/nn/cnn.js';
import { initConvFilter } from '../../src/nn/conv-init.js';
import { layerSeed } from '../../src/nn/mlp.js';
import { convForwardRef, globalAvgPoolRef } from '../../src/sparse/conv-reference.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { validateCsr } from '../../src/sparse/csr.js';
import { cnnFrame, cpuSource, cpuTrainer, maskOf, syntheticBatches, TINY_CNN, TINY_CNN_FEATURES } from './fixtures.js';

const NETWORK = resolveNetwork(TINY_CNN);
const SIZES = NETWORK.matrices.map(([r, c]) => r * c);
const TOTAL = SIZES.reduce((a, b) => a + b);
const batches = syntheticBatches(TINY_CNN_FEATURES, 3, 2, 5, 11);
const FRAME = cnnFrame(TINY_CNN, 'tanh');
const DATA: MaskOptions = { gradients: cpuSource(batches, FRAME), train: cpuTrainer(batches, 2, 0.1, FRAME), iterations: 10, isometry: { steps: 5 } };
const EXACT: MaskMethod[] = ['random', 'magnitude', 'lottery', 'snip', 'grasp', 'synflow', 'taylor'];

/** The weights as one flat float64 vector, and back. */
function flat(weights: readonly WeightsLike[]): Float64Array {
  return Float64Array.from(weights.flatMap((w) => Array.from(w.values)));
}
function split(weights: readonly WeightsLike[], x: ArrayLike<number>): Float64Array[] {
  let offset = 0;
  return weights.map((w) => {
    offset += w.values.length;
    return Float64Array.from({ length: w.values.length }, (_, i) => x[offset - w.values.length + i]!);
  });
}
const at = (weights: readonly WeightsLike[], x: ArrayLike<number>) => split(weights, x).map((values, l) => ({ ...weights[l]!, values }));

/** Σ_b L_b on logits / T at flat weights x. */
function lossAt(frame: NetworkFrame, weights: readonly WeightsLike[], x: Float64Array, which: readonly Batch[], temperature = 1): number {
  return which.reduce((s, b) => s + referenceLoss({ ...frame, weights: at(weights, x) }, b, temperature), 0);
}

function fdGradient(frame: NetworkFrame, weights: readonly WeightsLike[], which: readonly Batch[], temperature = 1, h = 1e-6): Float64Array[] {
  const x = flat(weights);
  return split(
    weights,
    x.map((keep, i) => {
      x[i] = keep + h;
      const up = lossAt(frame, weights, x, which, temperature);
      x[i] = keep - h;
      const down = lossAt(frame, weights, x, which, temperature);
      x[i] = keep;
      return (up - down) / (2 * h);
    }),
  );
}

/** Σ_b ∇L_b from the float64 backward pass. */
function gradientAt(frame: NetworkFrame, weights: readonly WeightsLike[], temperature = 1): Float64Array[] {
  const sums = weights.map((w) => new Float64Array(w.values.length));
  for (const b of batches) referenceGradients({ ...frame, weights }, b, temperature).forEach((g, l) => g.forEach((v, i) => (sums[l]![i]! += v)));
  return sums;
}

function expectClose(actual: readonly ArrayLike<number>[], expected: readonly ArrayLike<number>[], rel: number): void {
  const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
  expect(scale).toBeGreaterThan(0);
  actual.forEach((a, l) => Array.from(a).forEach((v, i) => expect(Math.abs(v - expected[l]![i]!), `layer ${l} [${i}]: ${v} vs ${expected[l]![i]}`).toBeLessThanOrEqual(rel * scale)));
}

/** Every kept weight's reference score is at least every pruned one's (up to `tol`), over all layers. */
function expectKeepsTop(masks: Uint8Array[], scores: readonly ArrayLike<number>[], tol = 0): void {
  let minKept = Infinity;
  let maxPruned = -Infinity;
  masks.forEach((mask, l) => mask.forEach((m, p) => (m ? (minKept = Math.min(minKept, scores[l]![p]!)) : (maxPruned = Math.max(maxPruned, scores[l]![p]!)))));
  expect(minKept).toBeGreaterThanOrEqual(maxPruned - tol);
}

/** A CnnConfig with the network's shape, for cnn.ts's own builders. */
const configOf = (init: CnnConfig['init'], density: number, seed: number, sigmaW: number): CnnConfig => ({ ...TINY_CNN, init, density, seed, sigmaW, sigmaB: 0, activation: 'tanh' });

const VGG = { architecture: 'vgg' as const, inputShape: [2, 9, 7] as [number, number, number], stem: 0, depth: 2, channels: 2, kernel: 3, classes: 3 };
const NETS: Array<{ name: string; frame: NetworkFrame & { cnn: CnnFrame }; features: number }> = [
  { name: 'vanilla, tanh, circular padding', frame: FRAME, features: TINY_CNN_FEATURES },
  { name: 'vanilla, relu, zero padding', frame: cnnFrame({ ...TINY_CNN, paddingMode: 'zeros' }, 'relu', 4), features: TINY_CNN_FEATURES },
  { name: 'VGG (conv-conv-pool x 2), tanh, zero padding', frame: cnnFrame({ ...VGG, paddingMode: 'zeros' }, 'tanh', 5, 4), features: 2 * 9 * 7 },
];

describe('the float64 CNN', () => {
  for (const { name, frame, features } of NETS) {
    const weights = denseInit(resolveNetwork({ ...frame.cnn, kind: 'cnn' as const }).matrices, 1.2, 6);
    const data = syntheticBatches(features, 3, 2, 5, 12);
    const grad = (w: readonly WeightsLike[], temperature: number) => {
      const sums = w.map((x) => new Float64Array(x.values.length));
      for (const b of data) referenceGradients({ ...frame, weights: w }, b, temperature).forEach((g, l) => g.forEach((v, i) => (sums[l]![i]! += v)));
      return sums;
    };

    it(`${name}: the backward pass equals central differences of the loss`, () => {
      expectClose(grad(weights, 1), fdGradient(frame, weights, data), 1e-7);
    });

    for (const temperature of [1, 200]) {
      it(`${name}, T = ${temperature}: the R-operator's H·v equals central differences of the gradient along v`, () => {
        const x = flat(weights);
        const raw = x.map((_, i) => Math.sin(3 * i + 1));
        const norm = Math.sqrt(raw.reduce((s, a) => s + a * a, 0));
        const v = split(weights, raw.map((a) => a / norm));
        const hv = weights.map((w) => new Float64Array(w.values.length));
        for (const b of data) referenceHessianVector({ ...frame, weights }, b, v, temperature).forEach((h, l) => h.forEach((y, i) => (hv[l]![i]! += y)));
        const eps = 1e-5 * temperature;
        const along = (sign: number) => at(weights, x.map((xi, i) => xi + sign * eps * raw[i]! / norm));
        const up = grad(along(1), temperature);
        const down = grad(along(-1), temperature);
        expectClose(hv, up.map((u, l) => u.map((y, i) => (y - down[l]![i]!) / (2 * eps))), 1e-5);
      });
    }
  }
});

describe('mask generators on a CNN: densities', () => {
  for (const method of EXACT) {
    for (const distribution of ['global', 'uniform', 'erk'] as const) {
      it(`${method}, ${distribution}: one filter per convolution; the global count round(d·total), or each layer's round(d_l·size_l)`, async () => {
        const density = 0.3;
        const { weights, report } = await generateMasks(method, TINY_CNN, { ...DATA, density, distribution, seed: 5 });
        weights.forEach((w, l) => {
          validateCsr(w, `weights[${l}]`);
          expect([w.rows, w.cols]).toEqual(NETWORK.matrices[l]);
        });
        const nnz = weights.map((w) => w.colIdx.length);
        expect(report.layerNnz).toEqual(nnz);
        expect(report.distribution).toBe(distribution);
        const total = nnz.reduce((a, b) => a + b);
        if (distribution === 'global') {
          expect(total).toBe(Math.round(density * TOTAL)); // within half a weight
        } else {
          const targets = distribution === 'uniform' ? SIZES.map(() => density) : erkDensities(NETWORK.dims, density);
          nnz.forEach((n, l) => expect(n).toBe(Math.round(targets[l]! * SIZES[l]!)));
          expect(Math.abs(total - density * TOTAL)).toBeLessThanOrEqual(SIZES.length / 2);
        }
      });
    }
  }

  it("ERK uses the conv formula (cOut + cIn + kh + kw) / (cOut·cIn·kh·kw) over the 4-D filter shapes", async () => {
    expect(NETWORK.dims).toEqual([[4, 2, 3, 3], [4, 4, 3, 3], [4, 4, 3, 3]]);
    const { report } = await generateMasks('random', TINY_CNN, { density: 0.3, distribution: 'erk', seed: 1 });
    const conv = erkDensities(NETWORK.dims, 0.3);
    report.layerNnz.forEach((n, l) => expect(n).toBe(Math.round(conv[l]! * SIZES[l]!)));
    // Not the dense-layer formula over the flattened cOut x cIn·kh·kw matrices.
    expect(erkDensities(NETWORK.matrices, 0.3).map((d, l) => Math.round(d * SIZES[l]!))).not.toEqual(report.layerNnz);
  });

  it('explicit per-layer densities are met layer by layer', async () => {
    const densities = [0.5, 0.25, 0.75];
    for (const method of ['random', 'magnitude', 'snip', 'synflow'] as const) {
      const { weights, report } = await generateMasks(method, TINY_CNN, { ...DATA, distribution: densities, seed: 2 });
      weights.forEach((w, l) => expect(w.colIdx.length).toBe(Math.round(densities[l]! * SIZES[l]!)));
      expect(report.distribution).toBe('explicit');
    }
  });

  it("random (uniform) and eoi are initCnn's own 'uniform' and 'eoi' filters for the same seed and gain", async () => {
    for (const [method, init] of [['random', 'uniform'], ['eoi', 'eoi']] as const) {
      const { weights } = await generateMasks(method, TINY_CNN, { density: 0.4, distribution: 'uniform', seed: 7, gain: 1.3 });
      expect(weights).toEqual(initCnn(configOf(init, 0.4, 7, 1.3)).filters);
    }
  });

  it("X+eoi: eoiConv filters at X's per-layer densities, so every filter keeps X's tap count, with an orthogonal centre tap", async () => {
    const gain = 1.1;
    for (const base of ['snip', 'synflow', 'magnitude'] as const) {
      const opts = { ...DATA, density: 0.35, seed: 3, gain };
      const source = await generateMasks(base, TINY_CNN, opts);
      const { weights, report } = await generateMasks(`${base}+eoi`, TINY_CNN, opts);
      expect(report.method).toBe(`${base}+eoi`);
      expect(report.layerNnz).toEqual(source.report.layerNnz);
      weights.forEach((w, l) => {
        const [cOut, cIn, k] = NETWORK.dims[l]!;
        expect(w).toEqual(initConvFilter({ cOut: cOut!, cIn: cIn!, kh: k!, kw: k!, density: source.report.layerDensities[l]!, init: 'eoi', gain, seed: layerSeed(3, l) }));
        // The centre tap's cOut x cIn matrix H: its short side orthonormal times the gain.
        const centre = new Float64Array(cOut! * cIn!);
        for (let o = 0; o < cOut!; o++) for (let t = w.rowPtr[o]!; t < w.rowPtr[o + 1]!; t++) if (w.colIdx[t]! % 9 === 4) centre[o * cIn! + Math.floor(w.colIdx[t]! / 9)] = w.values[t]!;
        const m = Math.min(cOut!, cIn!);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < m; j++) {
            let dot = 0;
            for (let q = 0; q < Math.max(cOut!, cIn!); q++) dot += cOut! <= cIn! ? centre[i * cIn! + q]! * centre[j * cIn! + q]! : centre[q * cIn! + i]! * centre[q * cIn! + j]!;
            expect(dot).toBeCloseTo(i === j ? gain * gain : 0, 5);
          }
        }
      });
    }
  });

  it("X+eoi raises a filter below EOI's lowest density 1/max(cOut, cIn) to it, and says so", async () => {
    const source = await generateMasks('magnitude', TINY_CNN, { density: 0.3, seed: 1 });
    const emptied = { ...source, weights: source.weights.map((w, l) => (l === 1 ? { rows: w.rows, cols: w.cols, rowPtr: new Uint32Array(w.rows + 1), colIdx: new Uint32Array(0), values: new Float32Array(0) } : w)) };
    const { weights, report } = eoiOnTop(emptied, { seed: 1, network: TINY_CNN });
    expect(weights[1]!.colIdx.length).toBe(Math.round(0.25 * SIZES[1]!));
    expect(report.notes).toEqual(["layer 1 (4 x 4 x 3 x 3): density 0 raised to EOI's lowest, 1/4"]);
  });

  it('X+ai keeps X\'s filter masks exactly and moves each flattened filter toward W Wᵀ = g² I', async () => {
    const opts = { ...DATA, density: 0.5, seed: 4, gain: 0.9, isometry: { steps: 200 } };
    const source = await generateMasks('snip', TINY_CNN, opts);
    const refined = await generateMasks('snip+ai', TINY_CNN, opts);
    expect(refined.report.method).toBe('snip+ai');
    refined.weights.forEach((w, l) => {
      expect(w.rowPtr).toEqual(source.weights[l]!.rowPtr);
      expect(w.colIdx).toEqual(source.weights[l]!.colIdx);
      expect(refined.report.isometry!.before[l]).toBeCloseTo(isometryResidual(source.weights[l]!, 0.9), 5);
      expect(refined.report.isometry!.after[l]).toBeCloseTo(isometryResidual(w, 0.9), 12);
      expect(refined.report.isometry!.after[l]).toBeLessThan(0.6 * refined.report.isometry!.before[l]!);
    });
  });
});

describe('mask generators on a CNN: determinism', () => {
  const METHODS: MaskMethod[] = [...EXACT, 'eoi', 'synflow+eoi', 'snip+ai', 'random+eoi'];
  for (const method of METHODS) {
    it(`${method}: the same seed gives the same filters, another seed others`, async () => {
      const opts = { ...DATA, density: 0.3, distribution: (method === 'eoi' ? 'uniform' : 'global') as Distribution };
      const a = await generateMasks(method, TINY_CNN, { ...opts, seed: 9 });
      const b = await generateMasks(method, TINY_CNN, { ...opts, seed: 9 });
      const c = await generateMasks(method, TINY_CNN, { ...opts, seed: 10 });
      expect(b).toEqual(a);
      expect(c.weights.map((w) => w.values)).not.toEqual(a.weights.map((w) => w.values));
    });
  }
});

describe('CNN scores select what they should', () => {
  const dense = denseInit(NETWORK.matrices, 1, 4);

  it('magnitude keeps the largest |w| over all filters', async () => {
    const { weights } = await generateMasks('magnitude', TINY_CNN, { density: 0.3, seed: 4 });
    expectKeepsTop(weights.map(maskOf), dense.map((w) => Array.from(w.values, Math.abs)));
  });

  it('SNIP: |w ⊙ g| with g central differences of the CNN loss; keeps the highest', async () => {
    const g = fdGradient(FRAME, dense, batches);
    const expected = dense.map((w, l) => g[l]!.map((gi, i) => Math.abs(gi * w.values[i]!)));
    expectClose(await snipScores(dense, cpuSource(batches, FRAME)), expected, 1e-7);
    const { weights } = await generateMasks('snip', TINY_CNN, { ...DATA, density: 0.3, seed: 4 });
    expectKeepsTop(weights.map(maskOf), expected, 1e-9);
  });

  it('Taylor: Σ_b |w ⊙ g_b|, per-batch absolute values', async () => {
    const perBatch = batches.map((b) => fdGradient(FRAME, dense, [b]));
    const expected = dense.map((w, l) => Float64Array.from(w.values, (v, i) => perBatch.reduce((s, gb) => s + Math.abs(gb[l]![i]! * v), 0)));
    expectClose(await taylorScores(dense, cpuSource(batches, FRAME)), expected, 1e-7);
    // Without a trainer Taylor scores the dense init.
    const { weights } = await generateMasks('taylor', TINY_CNN, { density: 0.3, seed: 4, gradients: DATA.gradients });
    expectKeepsTop(weights.map(maskOf), expected, 1e-9);
    // With a trainer: the scores of the trained filters, the values the initial ones.
    const trained = await DATA.train!(dense, 0);
    const withTraining = await generateMasks('taylor', TINY_CNN, { ...DATA, density: 0.3, seed: 4 });
    expectKeepsTop(withTraining.weights.map(maskOf), await taylorScores(trained, cpuSource(batches, FRAME)), 1e-12);
    withTraining.weights.forEach((w, l) => {
      let t = 0;
      maskOf(w).forEach((m, p) => m && expect(w.values[t++]).toBe(dense[l]!.values[p]));
    });
  });

  for (const temperature of [200, 1]) {
    it(`GraSP, T = ${temperature}: w ⊙ Hg with Hg a central difference of the gradient along g; keeps the highest`, async () => {
      const g = gradientAt(FRAME, dense, temperature);
      const norm = Math.sqrt(g.reduce((s, x) => s + x.reduce((a, y) => a + y * y, 0), 0));
      const eps = 1e-4 / norm;
      const along = (sign: number) => dense.map((w, l) => ({ ...w, values: Float64Array.from(w.values, (v, i) => v + sign * eps * g[l]![i]!) }));
      const up = gradientAt(FRAME, along(1), temperature);
      const down = gradientAt(FRAME, along(-1), temperature);
      const expected = dense.map((w, l) => Float64Array.from(w.values, (v, i) => (v * (up[l]![i]! - down[l]![i]!)) / (2 * eps)));
      expectClose(await graspScores(dense, cpuSource(batches, FRAME), { temperature }), expected, 1e-5);
      const { weights } = await generateMasks('grasp', TINY_CNN, { ...DATA, density: 0.3, seed: 4, temperature });
      const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
      expectKeepsTop(weights.map(maskOf), expected, 1e-5 * scale);
    });
  }

  it('SynFlow, one convolution with equal weights and classifier: a tap scores the share of pixels it reads inside the image', () => {
    const one = { inputShape: [1, 5, 4] as [number, number, number], stem: 0, depth: 1, channels: 2, kernel: 3, classes: 2 };
    const filter = (w: number): CsrMatrix => ({ rows: 2, cols: 9, rowPtr: Uint32Array.of(0, 9, 18), colIdx: Uint32Array.from({ length: 18 }, (_, t) => t % 9), values: new Float32Array(18).fill(w) });
    const classifier = new Float32Array(4).fill(-0.5); // |·| enters the flow
    // Zero padding: tap (ky, kx) reads (5 - |ky - 1|)·(4 - |kx - 1|) of the 20 output pixels.
    const zeros = synflowScores([filter(-2)], { ...one, paddingMode: 'zeros', classifier })[0]!;
    const reads = Array.from({ length: 18 }, (_, t) => (5 - Math.abs(Math.floor((t % 9) / 3) - 1)) * (4 - Math.abs((t % 3) - 1)));
    const total = reads.reduce((a, b) => a + b);
    zeros.forEach((s, t) => expect(s).toBeCloseTo(reads[t]! / total, 14));
    expect(zeros[4]).toBeGreaterThan(zeros[1]!); // centre > edge > corner
    expect(zeros[1]).toBeGreaterThan(zeros[0]!);
    // Circular padding: every tap reads every pixel.
    synflowScores([filter(3)], { ...one, classifier })[0]!.forEach((s) => expect(s).toBeCloseTo(1 / 18, 14));
  });

  /** R = 1ᵀ|C|·GAP(conv_L(|W_L|, …conv_1(|W_1|, 1))) of the tiny CNN, by the conv references directly. */
  function flow(filters: readonly WeightsLike[], classifier: ArrayLike<number>): number {
    let a: ArrayLike<number> = new Float64Array(TINY_CNN_FEATURES).fill(1);
    cnnBody(configOf('uniform', 1, 0, 1)).forEach((stage, l) => {
      if ('pool' in stage) throw new Error('no pooling in the tiny CNN');
      const w = filters[l]!;
      a = convForwardRef({ ...w, values: Array.from(w.values, Math.abs) }, a, { ...stage.conv.shape, batch: 1 });
    });
    const pooled = globalAvgPoolRef(a, 1, 4, 12);
    let r = 0;
    for (let k = 0; k < 3; k++) for (let c = 0; c < 4; c++) r += Math.abs(classifier[k * 4 + c]!) * pooled[c]!;
    return r;
  }

  it("SynFlow on the real CNN: score / R = |w ∂R/∂w| / R (R linear in each |w|), each filter's scores summing to 1", () => {
    const { weights } = randomMasks(TINY_CNN, { density: 0.6, seed: 2, gain: 1.5 });
    const scores = synflowScores(weights, FRAME.cnn);
    const R = flow(weights, FRAME.cnn.classifier);
    weights.forEach((w, l) => {
      expect(scores[l]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const values = Float64Array.from(w.values);
      values.forEach((keep, t) => {
        const h = 0.1 * Math.abs(keep);
        const shifted = (sign: number) => weights.map((x, k) => (k === l ? { ...x, values: values.map((v, i) => (i === t ? keep + sign * h : v)) } : x));
        const expected = (Math.abs(keep) * Math.sign(keep) * (flow(shifted(1), FRAME.cnn.classifier) - flow(shifted(-1), FRAME.cnn.classifier))) / (2 * h) / R;
        expect(Math.abs(scores[l]![t]! - expected)).toBeLessThanOrEqual(1e-12);
      });
    });
  });

  it('SynFlow masks: the given classifier carries the flow; its default is the dense init of the head', async () => {
    const given = synflowMasks({ ...TINY_CNN, classifier: initCnn(configOf('uniform', 0.5, 6, 1.4)).classifier }, { density: 0.2, seed: 6, gain: 1.4, iterations: 20 });
    const defaulted = synflowMasks(TINY_CNN, { density: 0.2, seed: 6, gain: 1.4, iterations: 20 });
    expect(defaulted).toEqual(given);
    const other = synflowMasks({ ...TINY_CNN, classifier: Float32Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 5 : 0.01)) }, { density: 0.2, seed: 6, gain: 1.4, iterations: 20 });
    expect(other.weights.map((w) => w.colIdx)).not.toEqual(given.weights.map((w) => w.colIdx));
    expect(given.report.layerNnz.reduce((a, b) => a + b)).toBe(Math.round(0.2 * TOTAL));
  });

  it('lottery: each round trains the rewound filters, prunes 20% of the remaining by |trained w|; survivors end at their initial values', async () => {
    const calls: Array<{ given: CsrMatrix[]; trained: CsrMatrix[] }> = [];
    const inner = cpuTrainer(batches, 3, 0.3, FRAME);
    const train: TrainFn = async (weights, round) => {
      const trained = await inner(weights, round);
      calls.push({ given: weights.map((w) => ({ ...w, values: w.values.slice() })), trained });
      return trained;
    };
    const { weights, report } = await lotteryMasks(TINY_CNN, { density: 0.5, seed: 3, train });
    const init = denseInit(NETWORK.matrices, 1, 3);
    expect(report.schedule).toEqual([0.8, 0.64, 0.512, 0.5].map((d) => Math.round(d * TOTAL) / TOTAL));
    const masks = [...calls.map((c) => c.given.map(maskOf)), weights.map(maskOf)];
    calls.forEach(({ given, trained }, k) => {
      given.forEach((w, l) => {
        let t = 0;
        masks[k]![l]!.forEach((m, p) => m && expect(w.values[t++]).toBe(init[l]!.values[p]));
      });
      expect(trained[0]!.values).not.toEqual(given[0]!.values);
      const magnitudes = trained.map((w, l) => {
        const s = new Float64Array(SIZES[l]!).fill(-Infinity);
        maskOf(w).forEach((m, p) => m && (s[p] = 0));
        let t = 0;
        s.forEach((v, p) => v === 0 && (s[p] = Math.abs(w.values[t++]!)));
        return s;
      });
      expectKeepsTop(masks[k + 1]!, magnitudes);
    });
    weights.forEach((w, l) => {
      let t = 0;
      maskOf(w).forEach((m, p) => m && expect(w.values[t++]).toBe(init[l]!.values[p]));
    });
  });
});

describe('mask generators on a CNN: refusals', () => {
  it('SAO refuses convolutions, naming the method', async () => {
    await expect(generateMasks('sao', TINY_CNN, { density: 0.5 })).rejects.toThrow(/method sao builds linear layers only: a CNN's convolution filters have no SAO construction/);
    await expect(generateMasks('sao+eoi', TINY_CNN, { density: 0.5 })).rejects.toThrow(RangeError);
  });

  it('bad networks, classifiers, distributions and sources', async () => {
    await expect(generateMasks('random', { ...TINY_CNN, kernel: 2 }, { density: 0.5 })).rejects.toThrow(/kernel must be odd/);
    await expect(generateMasks('random', { ...TINY_CNN, channels: 0 }, { density: 0.5 })).rejects.toThrow(/channels must be an integer/);
    await expect(generateMasks('random', { kind: 'rnn' } as never, { density: 0.5 })).rejects.toThrow(/shapes must be a non-empty array of \[out, in\] layer shapes \(mlpShapes\) or a CNN/);
    await expect(generateMasks('synflow', { ...TINY_CNN, classifier: new Float32Array(5) }, { density: 0.5 })).rejects.toThrow(/network.classifier must have length 12/);
    await expect(generateMasks('random', TINY_CNN, { density: 0.1, distribution: [0.5, 0.5] })).rejects.toThrow(/densities must have length 3/);
    await expect(generateMasks('eoi', TINY_CNN, { density: 0.3, distribution: 'global' })).rejects.toThrow(/distribution must be uniform, erk or per-layer densities for eoi/);
    // A source for another network: the MLP reference cannot take filters, a CNN source refuses the wrong filters.
    await expect(generateMasks('snip', TINY_CNN, { density: 0.3, gradients: cpuSource(batches) })).rejects.toThrow(/shapes\[1\]\[1\] must equal shapes\[0\]\[0\]/);
    const wrong = cnnFrame({ ...TINY_CNN, channels: 5 }, 'tanh');
    await expect(generateMasks('snip', TINY_CNN, { density: 0.3, gradients: cpuSource(batches, wrong) })).rejects.toThrow(/weights\[0\] must be a 5 x 18 filter \(cOut x cIn·kh·kw of convolution 0\), got 4 x 18/);
    await expect(generateMasks('snip', TINY_CNN, { density: 0.3, gradients: cpuSource(syntheticBatches(10, 3, 1, 4), FRAME) })).rejects.toThrow(/batches\[0\].features must equal the network's inputs \(84\), got 10/);
    const source = await generateMasks('magnitude', TINY_CNN, { density: 0.3 });
    expect(() => eoiOnTop(source, { network: { ...TINY_CNN, channels: 5 } })).toThrow(/source.weights\[0\] must be 5 x 18/);
    expect(() => eoiOnTop(source)).toThrow(/shapes\[1\]\[1\] must equal shapes\[0\]\[0\]/);
    expect(() => referenceHessianVector({ ...FRAME, weights: source.weights }, batches[0]!, source.weights.slice(1).map((w) => w.values))).toThrow(/v must have length 3/);
  });
});
