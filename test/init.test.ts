import { describe, expect, it } from 'vitest';
import { haarOrthogonal, initWeights } from '../src/nn/init.js';
import { maxAbsDiff } from './harness/tolerance.js';

describe('weight initialisers', () => {
  it("xavier scales each weight by sqrt(2 / (fan-in + fan-out)) over the sparse fan-in and fan-out; fan-in by 1/sqrt(fan-in)", () => {
    const spec = { rows: 13, cols: 21, density: 0.3, init: 'random' as const, gain: 1.5, seed: 4 };
    const kaiming = initWeights(spec);
    const xavier = initWeights({ ...spec, scale: 'xavier' });
    expect(Array.from(xavier.colIdx)).toEqual(Array.from(kaiming.colIdx)); // same mask, same draws
    const fanOut = new Array(spec.cols).fill(0);
    for (const c of kaiming.colIdx) fanOut[c]++;
    for (let r = 0; r < spec.rows; r++) {
      const fanIn = kaiming.rowPtr[r + 1]! - kaiming.rowPtr[r]!;
      for (let t = kaiming.rowPtr[r]!; t < kaiming.rowPtr[r + 1]!; t++) {
        const draw = (kaiming.values[t]! * Math.sqrt(fanIn)) / spec.gain;
        // Both are one float32 rounding of draw·std: 1e-6 relative is a few ulps.
        expect(Math.abs(xavier.values[t]! - spec.gain * draw * Math.sqrt(2 / (fanIn + fanOut[kaiming.colIdx[t]!])))).toBeLessThanOrEqual(1e-6 * Math.abs(draw) * spec.gain);
      }
    }
  });

  it('dense orthogonal has orthonormal short-side vectors, times the gain', () => {
    for (const [rows, cols] of [[5, 9], [9, 5], [1, 7], [6, 6]] as const) {
      const w = haarOrthogonal(rows, cols, 3, 2);
      const short = Math.min(rows, cols);
      const long = Math.max(rows, cols);
      const at = (s: number, l: number) => (rows <= cols ? w[s * cols + l]! : w[l * cols + s]!);
      const gram = new Float64Array(short * short);
      for (let p = 0; p < short; p++) for (let q = 0; q < short; q++) for (let l = 0; l < long; l++) gram[p * short + q] += at(p, l) * at(q, l);
      const want = Float64Array.from({ length: short * short }, (_, i) => (i % (short + 1) === 0 ? 4 : 0));
      // float32 storage of unit vectors times 2: 1e-5 is a few hundred ulps of the products' sum.
      expect(maxAbsDiff(gram, want)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('refuses an unknown scale and a sparse density for dense inits', () => {
    expect(() => initWeights({ rows: 2, cols: 2, density: 1, init: 'gaussian', gain: 1, seed: 0, scale: 'he' as never })).toThrow(/scale must be one of fan-in, xavier/);
    expect(() => initWeights({ rows: 2, cols: 2, density: 0.5, init: 'orthogonal', gain: 1, seed: 0 })).toThrow(/density must be 1/);
  });
});
