import { afterAll, expect, it } from 'vitest';
import { eoi } from '../src/eoi/eoi.js';
import type { EoiLayerSpec } from '../src/eoi/batch.js';
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
});
