import { afterAll, expect, it } from 'vitest';
import { eoiConv, type EoiConvKernel } from '../src/eoi/conv.js';
import { eoi } from '../src/eoi/eoi.js';
import type { EoiConvLayerSpec, EoiLayerSpec } from '../src/eoi/batch.js';
import { sampleEoiRotations } from '../src/eoi/sampler.js';
import { describeGpu } from './harness/gpu.js';
import { maxAbsDiff } from './harness/tolerance.js';

// Mixed shapes in one batch: square (the paper's deep-MLP layer), wide, tall, 1xN, Nx1, the
// lowest density (no rotations at all), fully dense, and one layer too long for workgroup memory
// (2 x 9000: rotated in place in the storage buffer).
const LAYERS: EoiLayerSpec[] = [
  { rows: 128, cols: 128, density: 0.125, seed: 1 },
  { rows: 17, cols: 40, density: 0.3, seed: 2 },
  { rows: 40, cols: 17, density: 0.3, seed: 3 },
  { rows: 1, cols: 9, density: 1, seed: 4 },
  { rows: 9, cols: 1, density: 0.5, seed: 5 },
  { rows: 64, cols: 64, density: 1 / 64, seed: 6 },
  { rows: 33, cols: 33, density: 1, seed: 7 },
  { rows: 2, cols: 9000, density: 0.002, seed: 8 },
];
const GAIN = 1.25;

// Conv kernels in both modes: 3x3, 5x5 and 1x1, a first layer with cIn 3, cIn 1, fully dense, and
// layers where EOI at rho_H passes the mask budget so the centre is cut short (checked below).
const CONV_LAYERS: EoiConvLayerSpec[] = [
  { cOut: 16, cIn: 8, k: 3, density: 0.3, seed: 1 },
  { cOut: 16, cIn: 3, k: 3, density: 0.2, seed: 2, moreNonzeros: true },
  { cOut: 8, cIn: 24, k: 5, density: 0.1, seed: 3 },
  { cOut: 12, cIn: 12, k: 1, density: 0.3, seed: 2 },
  { cOut: 32, cIn: 32, k: 3, density: 0.01, seed: 1, moreNonzeros: true },
  { cOut: 24, cIn: 1, k: 3, density: 0.5, seed: 4 },
  { cOut: 8, cIn: 8, k: 3, density: 1, seed: 5, moreNonzeros: true },
  { cOut: 64, cIn: 64, k: 3, density: 0.05, seed: 6, moreNonzeros: true },
];

const convByBackend = new Map<string, EoiConvKernel[]>();

type Result = { rowPtr: Uint32Array; colIdx: Uint32Array; values: Float32Array; rotations: number; rounds: number };
const byBackend = new Map<string, Result[]>();

/** max |W Wᵀ - g² I| over the short side. */
function orthogonalityError(w: { rows: number; cols: number; rowPtr: Uint32Array; colIdx: Uint32Array; values: Float32Array }, g: number): number {
  const dense = new Float64Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) dense[r * w.cols + w.colIdx[t]!] = w.values[t]!;
  const short = Math.min(w.rows, w.cols);
  const long = Math.max(w.rows, w.cols);
  const at = (s: number, l: number) => (w.rows <= w.cols ? dense[s * w.cols + l]! : dense[l * w.cols + s]!);
  let worst = 0;
  for (let p = 0; p < short; p++) {
    for (let q = 0; q < short; q++) {
      let dot = 0;
      for (let l = 0; l < long; l++) dot += at(p, l) * at(q, l);
      worst = Math.max(worst, Math.abs(dot - (p === q ? g * g : 0)));
    }
  }
  return worst;
}

describeGpu('eoi', (run) => {
  it('eoiBatch gives eoi()’s mask exactly and its values to float32 rounding, for a batch of mixed shapes', async () => {
    const results: Result[] = await run('batch', { layers: LAYERS, gain: GAIN });
    expect(results).toHaveLength(LAYERS.length);
    results.forEach((got, l) => {
      const spec = LAYERS[l]!;
      const want = eoi(spec.rows, spec.cols, { density: spec.density, seed: spec.seed, gain: GAIN });
      expect(got.rotations).toBe(want.rotations);
      expect(got.rounds).toBe(want.rounds);
      expect(Array.from(got.rowPtr)).toEqual(Array.from(want.rowPtr));
      expect(Array.from(got.colIdx)).toEqual(Array.from(want.colIdx));
      // float32 rounds each of up to ~2000 rotations applied to a row: 1e-5 (times the gain) is
      // a few hundred ulps of headroom over the accumulated rounding, far below any real mismatch.
      expect(maxAbsDiff(got.values, want.values)).toBeLessThanOrEqual(1e-5 * GAIN);
      expect(orthogonalityError({ ...spec, ...got }, GAIN)).toBeLessThanOrEqual(2e-5 * GAIN * GAIN);
    });
    byBackend.set(expect.getState().currentTestName!.includes('chromium') ? 'chromium' : 'node', results);
  });

  it('refuses a bad layer with a message naming it', async () => {
    await expect(run('batch', { layers: [{ rows: 8, cols: 8, density: 0.5 }, { rows: 8, cols: 8, density: 0 }] })).rejects.toThrow(
      /layers\[1\]: density must be/,
    );
  });

  it('eoiConvBatch gives eoiConv()’s kernel per layer: the same mask and top-up exactly, values to float32 rounding', async () => {
    const results: EoiConvKernel[] = await run('convBatch', { layers: CONV_LAYERS, gain: GAIN });
    expect(results).toHaveLength(CONV_LAYERS.length);
    let cut = 0;
    results.forEach((got, l) => {
      const { cOut, cIn, k, density, seed, moreNonzeros } = CONV_LAYERS[l]!;
      const want = eoiConv(cOut, cIn, k, { density, seed, moreNonzeros, gain: GAIN });
      expect(got.shape).toEqual(want.shape);
      expect(got.nnz).toBe(Math.round(density * cOut * cIn * k * k));
      expect(got.nnz).toBe(want.nnz);
      expect(got.centreDensity).toBe(want.centreDensity);
      expect(got.rotations).toBe(want.rotations);
      expect(got.rounds).toBe(want.rounds);
      expect(got.mask).toEqual(want.mask);
      // As for eoiBatch: a few hundred ulps of headroom over the rotations' rounding.
      expect(maxAbsDiff(got.weights, want.weights)).toBeLessThanOrEqual(1e-5 * GAIN);
      const rhoH = moreNonzeros ? Math.min(density * k * k, 1, Math.sqrt(density)) : density;
      if (sampleEoiRotations(cOut, cIn, rhoH, seed).nnz > got.nnz) cut++;
    });
    expect(cut).toBeGreaterThanOrEqual(2);
    convByBackend.set(expect.getState().currentTestName!.includes('chromium') ? 'chromium' : 'node', results);
  });

  it('eoiConvBatch refuses a bad layer with a message naming it', async () => {
    await expect(run('convBatch', { layers: [{ cOut: 8, cIn: 8, k: 3, density: 0.5 }, { cOut: 8, cIn: 8, k: 4, density: 0.5 }] })).rejects.toThrow(
      /layers\[1\]: k must be an odd positive integer/,
    );
    await expect(run('convBatch', { layers: [{ cOut: 8, cIn: 16, k: 3, density: 0.01 }] })).rejects.toThrow(
      /layers\[0\]: density must be a number in \[0\.0625 \(= 1\/max\(cOut, cIn\)\), 1\], got 0\.01/,
    );
    await expect(run('convBatch', { layers: [{ cOut: 8, cIn: 8, k: 3, density: 0.5 }], gain: Number.NaN })).rejects.toThrow(/opts\.gain must be a number/);
  });
});

afterAll(() => {
  // Same seed, same result on both backends: identical masks and float32 values that agree to
  // rounding (the two WebGPU implementations may contract multiply-adds differently).
  const [node, chromium] = [byBackend.get('node'), byBackend.get('chromium')];
  if (!node || !chromium) return;
  node.forEach((n, l) => {
    expect(Array.from(chromium[l]!.colIdx)).toEqual(Array.from(n.colIdx));
    expect(maxAbsDiff(chromium[l]!.values, n.values)).toBeLessThanOrEqual(1e-5 * GAIN);
  });
  const [convNode, convChromium] = [convByBackend.get('node'), convByBackend.get('chromium')];
  if (!convNode || !convChromium) return;
  convNode.forEach((n, l) => {
    expect(convChromium[l]!.mask).toEqual(n.mask);
    expect(maxAbsDiff(convChromium[l]!.weights, n.weights)).toBeLessThanOrEqual(1e-5 * GAIN);
  });
});
