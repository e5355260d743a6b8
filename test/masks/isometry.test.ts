import { describe, expect, it } from 'vitest';
import { approximateIsometry, isometryOnTop, isometryResidual } from '../../src/masks/isometry.js';
import { randomMasks } from '../../src/masks/random.js';
import type { WeightsLike } from '../../src/masks/types.js';
import { csrFromDense, csrToDense } from '../../src/sparse/csr.js';
import { SHAPES } from './fixtures.js';

/** ||S Sᵀ − g² I||_F from the dense matrix, by definition. */
function residualByDefinition(w: WeightsLike, gain: number): number {
  const dense = csrToDense({ ...w, values: Float32Array.from(w.values) });
  const wide = w.rows <= w.cols;
  const [m, M] = [Math.min(w.rows, w.cols), Math.max(w.rows, w.cols)];
  const at = (s: number, t: number) => dense[wide ? s * w.cols + t : t * w.cols + s]!;
  let sum = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let g = 0;
      for (let t = 0; t < M; t++) g += at(a, t) * at(b, t);
      sum += (g - (a === b ? gain * gain : 0)) ** 2;
    }
  }
  return Math.sqrt(sum);
}

describe('approximate isometry', () => {
  const { weights } = randomMasks(SHAPES, { density: 0.4, seed: 6 });

  it('the residual is ||S Sᵀ − g² I||_F on the short side (wide and tall layers)', () => {
    const tall = randomMasks([[20, 12], [3, 20]], { density: 0.5, seed: 1 }).weights;
    for (const w of [...weights, ...tall]) expect(isometryResidual(w, 1.5)).toBeCloseTo(residualByDefinition(w, 1.5), 9);
  });

  it('one step is w − lr · ∇||S Sᵀ − g² I||_F on the stored weights (central differences of the residual)', () => {
    const lr = 0.1;
    const gain = 1.2;
    const w = randomMasks([[20, 12], [3, 20]], { density: 0.5, seed: 2 }).weights[0]!; // tall
    const [stepped] = approximateIsometry([w], { steps: 1, lr, gain }).weights;
    const values = Float64Array.from(w.values);
    const h = 1e-6;
    values.forEach((v, i) => {
      values[i] = v + h;
      const up = isometryResidual({ ...w, values }, gain);
      values[i] = v - h;
      const down = isometryResidual({ ...w, values }, gain);
      values[i] = v;
      const expected = v - (lr * (up - down)) / (2 * h);
      expect(Math.abs(stepped!.values[i]! - expected)).toBeLessThan(1e-6);
    });
  });

  it('reduces the residual of every layer and keeps every mask exactly', () => {
    const { weights: out, before, after, steps } = approximateIsometry(weights, { steps: 300 });
    expect(steps).toBe(300);
    weights.forEach((w, l) => {
      expect(before[l]).toBeCloseTo(isometryResidual(w), 12);
      expect(after[l]).toBeCloseTo(isometryResidual(out[l]!), 12);
      expect(after[l]!).toBeLessThan(0.5 * before[l]!);
      expect(out[l]!.rowPtr).toEqual(w.rowPtr);
      expect(out[l]!.colIdx).toEqual(w.colIdx);
    });
  });

  it('leaves an exact isometry alone, and reports through isometryOnTop', () => {
    const eye = csrFromDense(Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 2 : 0)), 4, 4);
    const { weights: out, after } = approximateIsometry([eye], { gain: 2, steps: 10 });
    expect(after).toEqual([0]);
    expect(out[0]!.values).toEqual(eye.values);
    const source = randomMasks(SHAPES, { density: 0.4, seed: 6 });
    const refined = isometryOnTop(source, { steps: 3 });
    expect(refined.report.method).toBe('random+ai');
    expect(refined.report.isometry!.before).toEqual(approximateIsometry(weights, { steps: 0 }).before);
    expect(refined.report.layerDensities).toEqual(source.report.layerDensities);
  });

  it('refuses bad settings', () => {
    expect(() => approximateIsometry(weights, { steps: -1 })).toThrow(/steps must be an integer in \[0/);
    expect(() => approximateIsometry(weights, { lr: 0 })).toThrow(/lr must be a number in \(0/);
    expect(() => approximateIsometry(weights, { gain: -1 })).toThrow(/gain must be a number in \(0/);
  });
});
