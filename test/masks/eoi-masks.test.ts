import { describe, expect, it } from 'vitest';
import { eoiMasks, eoiOnTop } from '../../src/masks/eoi-masks.js';
import { generateMasks } from '../../src/masks/generate.js';
import { isometryResidual } from '../../src/masks/isometry.js';
import { mlpShapes } from '../../src/nn/mlp.js';
import { SHAPES } from './fixtures.js';

describe('EOI masks and EOI on top of another method', () => {
  it('EOI at a distribution: every layer exactly orthogonal (residual ~0) at its density', () => {
    const { weights, report } = eoiMasks(SHAPES, { density: 0.3, distribution: 'erk', seed: 2, gain: 1.1 });
    weights.forEach((w) => expect(isometryResidual(w, 1.1)).toBeLessThan(1e-5));
    expect(report.method).toBe('eoi');
    expect(report.distribution).toBe('erk');
  });

  it("on top of SynFlow: SynFlow's per-layer densities, EOI's mask and weights", async () => {
    const shapes = mlpShapes({ inputs: 64, width: 32, depth: 4, classes: 8 });
    const source = await generateMasks('synflow', shapes, { density: 0.15, seed: 1, iterations: 20 });
    const { weights, report } = await generateMasks('synflow+eoi', shapes, { density: 0.15, seed: 1, iterations: 20 });
    expect(report.method).toBe('synflow+eoi');
    expect(report.targetDensity).toBe(0.15);
    expect(report.distribution).toBe('global');
    weights.forEach((w, l) => {
      expect(isometryResidual(w)).toBeLessThan(1e-5);
      // Within a few rotations' increments of SynFlow's density for the layer.
      expect(Math.abs(report.layerDensities[l]! - source.report.layerDensities[l]!)).toBeLessThan(0.05);
    });
    expect(weights.map((w) => w.colIdx)).not.toEqual(source.weights.map((w) => w.colIdx));
  });

  it("raises a layer below EOI's lowest density 1/max(rows, cols) to it, and says so", () => {
    const source = { weights: [], report: { method: 'x', distribution: 'global' as const, targetDensity: 0.1, density: 0.1, layerDensities: [], layerNnz: [], weights: 'masked-gaussian' as const } };
    const empty = (rows: number, cols: number) => ({ rows, cols, rowPtr: new Uint32Array(rows + 1), colIdx: new Uint32Array(0), values: new Float32Array(0) });
    const dense = (rows: number, cols: number) => ({ rows, cols, rowPtr: Uint32Array.from({ length: rows + 1 }, (_, r) => r * cols), colIdx: Uint32Array.from({ length: rows * cols }, (_, t) => t % cols), values: new Float32Array(rows * cols).fill(1) });
    const { weights, report } = eoiOnTop({ ...source, weights: [empty(8, 10), dense(4, 8)] });
    expect(weights[0]!.colIdx.length).toBe(8); // the partial identity: 1/10 of 80
    expect(weights[1]!.colIdx.length).toBe(32);
    expect(report.notes).toEqual(["layer 0 (8 x 10): density 0 raised to EOI's lowest, 1/10"]);
  });
});
