import { describe, expect, it } from 'vitest';
import type { MlpConfig } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { checkRecipe, ramp, recipePreset } from '../src/recipe/recipe.js';
import { csrFromDense, randomCsr } from '../src/sparse/csr.js';
import { sddmmRef, spmmBackwardDataRef, spmmForwardRef } from '../src/sparse/reference.js';
import type { TrainSpec } from '../src/train/experiment.js';
import type { RecipeReport } from '../src/recipe/recipe.js';
import type { CsrMatrix } from '../src/sparse/csr.js';
import type { Dataset } from '../src/train/trainer.js';
import { describeGpu } from './harness/gpu.js';
import { maxAbsDiff, randomFloat32 } from './harness/tolerance.js';

/** A small learnable problem: the class is the index of the largest of the first `classes` inputs. */
function toyData(count: number, features: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const inputs = randomFloat32(rng, count * features);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (inputs[i * features + c]! > inputs[i * features + best]!) best = c;
    labels[i] = best;
  }
  return { count, features, inputs, labels };
}

type Snapshot = { rowPtr: Uint32Array; colIdx: Uint32Array; dense: Float32Array; mask: { rowPtr: Uint32Array; colIdx: Uint32Array } };

const CONFIG: MlpConfig = { inputs: 12, width: 12, depth: 4, classes: 4, density: 0.4, init: 'eoi', activation: 'relu', sigmaW: 1, sigmaB: 0, seed: 5 };

describe('recipe schedules', () => {
  it('ramps reach exactly 1 at their last step and stay there (the ghosts fade to exactly 0)', () => {
    for (const shape of ['linear', 'cosine'] as const) {
      expect(ramp(0, 10, shape)).toBe(0);
      expect(ramp(10, 10, shape)).toBe(1);
      expect(ramp(25, 10, shape)).toBe(1);
      expect(1 - ramp(10, 10, shape)).toBe(0);
      for (let s = 1; s < 10; s++) expect(ramp(s, 10, shape)).toBeGreaterThan(ramp(s - 1, 10, shape));
    }
  });
});

describe('recipe presets', () => {
  it('all = every part, soft neurons only for relu (they return to it); lrsi is the learned one, lrsi-sqrt the closed form', () => {
    expect(recipePreset('all', 'relu', 100)).toEqual({
      softNeurons: { activation: 'swish', steps: 30, ramp: 'cosine' },
      ghostSkips: { steps: 30 },
      lrsi: 'gradinit',
      labelSmoothing: { alpha: 0.1 },
    });
    expect(recipePreset('all', 'tanh', 100)).toEqual({ ghostSkips: { steps: 30 }, lrsi: 'gradinit', labelSmoothing: { alpha: 0.1 } });
    expect(recipePreset('lrsi-sqrt', 'tanh', 100)).toEqual({ lrsi: 'sqrt-density' });
    expect(recipePreset('none', 'relu', 100)).toBeUndefined();
    expect(() => recipePreset('soft', 'tanh', 100)).toThrow(/softNeurons returns to relu/);
    expect(() => recipePreset('bogus', 'relu', 100)).toThrow(/recipe must be none, all, released, or parts from soft, released-soft, skip, released-skip, lrsi, lrsi-sqrt, released-lrsi, ls joined by '\+', got 'bogus'/);
    // Parts combine with '+'.
    expect(recipePreset('soft+lrsi+ls', 'relu', 100)).toEqual({ softNeurons: { activation: 'swish', steps: 30, ramp: 'cosine' }, lrsi: 'gradinit', labelSmoothing: { alpha: 0.1 } });
    expect(recipePreset('skip+lrsi-sqrt', 'tanh', 10)).toEqual({ ghostSkips: { steps: 3 }, lrsi: 'sqrt-density' });
    expect(() => recipePreset('soft+ls', 'tanh', 100)).toThrow(/softNeurons returns to relu/);
    expect(() => recipePreset('lrsi+lrsi-sqrt', 'relu', 100)).toThrow(/lrsi and lrsi-sqrt are two forms of one part/);
    expect(() => recipePreset('ls+ls', 'relu', 100)).toThrow(/names a part twice/);
    expect(() => recipePreset('soft+all', 'relu', 100)).toThrow(/got 'soft\+all' \('all'\)/);
    expect(() => checkRecipe({ lrsi: 'learned' as never }, 'relu')).toThrow(/recipe\.lrsi must be 'sqrt-density', 'gradinit', 'released', \{ gradinit: options \} or \{ released: options \}/);
    expect(() => checkRecipe({ lrsi: { gradinit: { eta: -1 } } }, 'relu')).toThrow(/recipe\.lrsi\.gradinit\.eta/);
    expect(checkRecipe({ lrsi: { gradinit: { iterations: 5 } } }, 'relu').lrsi).toEqual({ gradinit: { iterations: 5 } });
  });
});

describeGpu('training', (run) => {
  it('axpy: out = y + alpha·x on awkward lengths, nothing past n written', async () => {
    for (const n of [1, 5, 4099]) {
      const rng = new Rng(n);
      const x = randomFloat32(rng, n);
      const y = randomFloat32(rng, n);
      const out: Float32Array = await run('axpy', { alpha: -0.375, x, y });
      // A multiply and an add (fused or not): at most one rounding of |alpha·x| and one of the
      // result, each within 2^-24 relative; 2^-23 on both covers either order with room to spare.
      const want = Float64Array.from(x, (v, i) => y[i]! - 0.375 * v);
      want.forEach((w, i) => expect(Math.abs(out[i]! - w)).toBeLessThanOrEqual((Math.abs(w) + Math.abs(0.375 * x[i]!)) * 2 ** -23));
    }
  });

  it('a ghost skip adds alpha·x forward and alpha·dY backward; weight gradients are the inner layer’s', async () => {
    const batch = 5;
    const w = randomCsr(9, 9, 0.3, 4);
    const rng = new Rng(8);
    const [x, g, bias] = [randomFloat32(rng, batch * 9), randomFloat32(rng, batch * 9), randomFloat32(rng, 9)];
    const alpha = 0.625;
    const out: { y: Float32Array; dx: Float32Array; dW: Float32Array } = await run('ghostSkip', { w, bias, alpha, x, g, batch });
    const y = spmmForwardRef(w, x, batch, bias).map((v, i) => v + alpha * x[i]!);
    const dx = spmmBackwardDataRef(w, g, batch).map((v, i) => v + alpha * g[i]!);
    // Rows hold at most 9 terms of magnitude < 1: 1e-5 is far above float32 rounding, far below any error.
    expect(maxAbsDiff(out.y, y)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.dx, dx)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.dW, sddmmRef(w, g, x, batch))).toBeLessThanOrEqual(1e-5);
  });

  it('a ghost skip around a non-square layer adds alpha·P x; P’s gradient is alpha·dYᵀx, a ghost parameter apart from the model’s', async () => {
    const [batch, rows, cols] = [3, 5, 11];
    const w = randomCsr(rows, cols, 0.3, 6);
    const rng = new Rng(9);
    const [x, g, bias, projection] = [randomFloat32(rng, batch * cols), randomFloat32(rng, batch * rows), randomFloat32(rng, rows), randomFloat32(rng, rows * cols)];
    const alpha = 0.375;
    const out: { y: Float32Array; dx: Float32Array; dW: Float32Array; dP: Float32Array; ghostCount: number } = await run('ghostSkip', { w, bias, alpha, x, g, batch, projection });
    const p = csrFromDense(projection, rows, cols);
    const y = spmmForwardRef(w, x, batch, bias).map((v, i) => v + alpha * spmmForwardRef(p, x, batch)[i]!);
    const dx = spmmBackwardDataRef(w, g, batch).map((v, i) => v + alpha * spmmBackwardDataRef(p, g, batch)[i]!);
    // At most 11 + 11 products of magnitude < 1 per entry: 1e-5 is far above float32 rounding.
    expect(maxAbsDiff(out.y, y)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.dx, dx)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.dW, sddmmRef(w, g, x, batch))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(out.dP, sddmmRef(p, g, x, batch).map((v) => alpha * v))).toBeLessThanOrEqual(1e-5);
    expect(out.ghostCount).toBe(1);
  });

  for (const format of ['csr', { bsr: 4 }] as const) {
    it(`the mask is bit-identical on the GPU after 100 optimizer steps, while the values trained (${JSON.stringify(format)})`, async () => {
      const config = { ...CONFIG, format };
      const out: { before: Snapshot[]; after: Snapshot[]; steps: number } = await run('maskAfterSteps', { config, data: toyData(100, 12, 4, 3), steps: 100 }); // 100 = 6 x 16 + 4: batches change size
      expect(out.steps).toBe(100);
      out.before.forEach((b, l) => {
        const a = out.after[l]!;
        expect(Array.from(a.rowPtr)).toEqual(Array.from(b.rowPtr));
        expect(Array.from(a.colIdx)).toEqual(Array.from(b.colIdx));
        // Outside the mask the weight is exactly 0, before and after (BSR stores whole blocks).
        const inMask = new Set<number>();
        for (let r = 0; r + 1 < b.mask.rowPtr.length; r++) for (let t = b.mask.rowPtr[r]!; t < b.mask.rowPtr[r + 1]!; t++) inMask.add(r * 12 + b.mask.colIdx[t]!);
        a.dense.forEach((v, i) => inMask.has(i) || expect(v).toBe(0));
        b.dense.forEach((v, i) => inMask.has(i) || expect(v).toBe(0));
        expect(maxAbsDiff(a.dense, b.dense)).toBeGreaterThan(1e-3);
      });
    });
  }

  it('save then load gives identical predictions', async () => {
    const x = randomFloat32(new Rng(1), 3 * 12);
    for (const variant of [{ init: 'eoi' }, { init: 'eoi', format: { bsr: 8 } }, { init: 'dense-orthogonal' }] as const) {
      const config = { ...CONFIG, ...variant };
      const out: { original: Float32Array; loaded: Float32Array; config: MlpConfig } = await run('saveLoad', { config, data: toyData(40, 12, 4, 9), x, batch: 3 });
      expect(Array.from(out.loaded)).toEqual(Array.from(out.original));
      expect(out.config).toEqual(config);
    }
  });

  it('saving refuses a model its config does not describe, and a layer the file cannot hold, naming it', async () => {
    const mlp = { ...CONFIG, kind: 'mlp' } as const;
    await expect(run('saveMismatched', { config: mlp, saveAs: { ...mlp, depth: 5 } })).rejects.toThrow(/saveMlp: the model has 4 linear layers, its config describes 5/);
    await expect(run('saveMismatched', { config: mlp, saveAs: { ...mlp, inputs: 10 } })).rejects.toThrow(/saveMlp: linear layer 0 is 12 x 12, its config describes 12 x 10/);
    // Layer 2 is the second 12 x 12 linear layer; a ghost skip left around it would drop out of the file.
    await expect(run('saveMismatched', { config: mlp, saveAs: mlp, wrap: 2 })).rejects.toThrow(/saveMlp: layer 2 is a 'ghost-skip' with parameters the model file has no place for/);
    const cnn = { kind: 'cnn', inputShape: [1, 8, 8], classes: 3, depth: 2, channels: 4, stem: 1, kernel: 3, paddingMode: 'zeros', density: 0.5, init: 'eoi', activation: 'relu', sigmaW: 1, sigmaB: 0, seed: 3 } as const;
    await expect(run('saveMismatched', { config: cnn, saveAs: { ...cnn, channels: 6 } })).rejects.toThrow(/saveCnn: layer 0 of the model is not the convolution its config describes \(6 filters/);
    await expect(run('saveMismatched', { config: cnn, saveAs: { ...cnn, depth: 3 } })).rejects.toThrow(/saveCnn: the model has 4 layers with weights \(convolutions and the classifier\), its config describes 5/);
    expect(await run('saveMismatched', { config: cnn, saveAs: cnn })).toBeGreaterThan(0);
  });

  for (const lrsi of ['sqrt-density', { gradinit: { iterations: 4 } }] as const) {
    it(`with the whole recipe on (LRsI ${JSON.stringify(lrsi)}): every sparse layer skipped until the fade ends, projections trained, then no ghost in the trained or saved model`, async () => {
      // inputs 10 -> width 12 -> 12 -> classes 4: the first and last layers need projections.
      const model = { ...CONFIG, inputs: 10 };
      const ghostSteps = 8;
      const spec: TrainSpec = {
        model,
        optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
        epochs: 1,
        batchSize: 16,
        maxSteps: 12,
        seed: 0,
        recipe: {
          softNeurons: { activation: 'swish', steps: 6, ramp: 'cosine' },
          ghostSkips: { steps: ghostSteps },
          lrsi,
          labelSmoothing: { alpha: 0.1, steps: 10 },
        },
      };
      type Out = {
        layerKinds: string[];
        activations: unknown[];
        reloadedKinds: string[];
        steps: number;
        ghostsPerStep: number[];
        projections: Array<{ rows: number; cols: number; first: Float32Array; last: Float32Array }>;
        startWeights: CsrMatrix[];
        builtWeights: CsrMatrix[];
        report: RecipeReport;
      };
      const out: Out = await run('recipeRun', { spec, data: toyData(256, 10, 4, 4), lastGhostStep: ghostSteps - 1 });
      expect(out.steps).toBe(12);
      // alpha = 1 - step/8 reaches exactly 0 at step 8, where the skips are removed.
      expect(out.ghostsPerStep).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0]);
      expect(out.projections.map((p) => [p.rows, p.cols])).toEqual([
        [12, 10],
        [4, 12],
      ]);
      for (const p of out.projections) {
        // Haar semi-orthogonal at the start: orthonormal along the short side, to float32 rounding.
        const [short, long] = [Math.min(p.rows, p.cols), Math.max(p.rows, p.cols)];
        const at = (s: number, l: number) => (p.rows <= p.cols ? p.first[s * p.cols + l]! : p.first[l * p.cols + s]!);
        for (let a = 0; a < short; a++) {
          for (let b = 0; b < short; b++) {
            let dot = 0;
            for (let l = 0; l < long; l++) dot += at(a, l) * at(b, l);
            expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-5);
          }
        }
        expect(maxAbsDiff(p.last, p.first)).toBeGreaterThan(1e-4); // trained while the skip lived
      }
      // LRsI: the same mask, every stored value times its layer's scale.
      const scales = out.report.lrsiScales!;
      expect(scales).toHaveLength(4);
      out.builtWeights.forEach((w, l) => {
        const start = out.startWeights[l]!;
        expect(Array.from(start.rowPtr)).toEqual(Array.from(w.rowPtr));
        expect(Array.from(start.colIdx)).toEqual(Array.from(w.colIdx));
        const want = Float64Array.from(w.values, (v) => v * scales[l]!);
        // One float32 rounding of the product: 2^-24 relative, bounded by 1e-6 of the largest weight.
        expect(maxAbsDiff(start.values, want)).toBeLessThanOrEqual(1e-6 * Math.max(...want.map(Math.abs)));
      });
      if (lrsi === 'sqrt-density') {
        out.builtWeights.forEach((w, l) => expect(scales[l]).toBeCloseTo(1 / Math.sqrt(w.values.length / (w.rows * w.cols)), 12));
      } else {
        expect(out.report.gradinit).toHaveLength(4);
        expect(scales.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
      }
      expect(out.layerKinds).not.toContain('ghost-skip');
      expect(out.layerKinds).toEqual(out.reloadedKinds);
      expect(out.activations.every((a) => a === 'relu')).toBe(true);
    });
  }
});
