// Block masks for BSR dynamic sparsity: initWeights' blockSize and MlpConfig.blockMask draw masks of
// whole blocks (what block DST moves), at each layer's uniform or ERK density rounded to whole blocks.
import { describe, expect, it } from 'vitest';
import { initWeights } from '../../src/nn/init.js';
import { checkMlpConfig, type MlpConfig, mlpDensities, mlpShapes } from '../../src/nn/mlp.js';
import { bsrFromCsr, bsrToCsr, randomBsr } from '../../src/sparse/bsr.js';

const MLP: MlpConfig = { inputs: 37, width: 21, depth: 4, classes: 10, density: 0.3, init: 'erk', activation: 'relu', sigmaW: Math.SQRT2, sigmaB: 0, seed: 3, format: { bsr: 8 }, blockMask: true };

describe('block masks', () => {
  it('initWeights with blockSize: round(density·blocks) whole blocks (padded edges included), weights scaled by the sparse fan-in', () => {
    for (const b of [4, 8, 16] as const) {
      const w = initWeights({ rows: 21, cols: 37, density: 0.4, init: 'random', gain: 2, seed: 5, blockSize: b });
      const blocks = bsrFromCsr(w, b);
      expect(blocks.elementMask).toBeUndefined();
      expect(blocks.colIdx.length).toBe(Math.round(0.4 * Math.ceil(21 / b) * Math.ceil(37 / b)));
      // The block draw's unit normals, each times gain / sqrt(its row's stored count), to float32 rounding.
      const raw = bsrToCsr(randomBsr(21, 37, 0.4, b, 5, { valueScale: 1 }));
      expect(w.colIdx).toEqual(raw.colIdx);
      for (let r = 0; r < w.rows; r++) {
        const fanIn = w.rowPtr[r + 1]! - w.rowPtr[r]!;
        for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) expect(w.values[t]).toBeCloseTo((2 * raw.values[t]!) / Math.sqrt(fanIn), 5);
      }
    }
    // Same seed, same mask and weights; another seed, another mask.
    const a = initWeights({ rows: 21, cols: 37, density: 0.4, init: 'random', gain: 1, seed: 5, blockSize: 8 });
    expect(initWeights({ rows: 21, cols: 37, density: 0.4, init: 'random', gain: 1, seed: 5, blockSize: 8 })).toEqual(a);
    expect(initWeights({ rows: 21, cols: 37, density: 0.4, init: 'random', gain: 1, seed: 6, blockSize: 8 }).colIdx).not.toEqual(a.colIdx);
  });

  it("an MLP's ERK densities become whole blocks per layer (what buildMlp draws)", () => {
    const densities = mlpDensities(MLP);
    mlpShapes(MLP).forEach(([rows, cols], l) => {
      const w = initWeights({ rows, cols, density: densities[l]!, init: 'random', gain: 1, seed: l, blockSize: 8 });
      expect(bsrFromCsr(w, 8).colIdx.length).toBe(Math.round(densities[l]! * Math.ceil(rows / 8) * Math.ceil(cols / 8)));
    });
  });

  it('are refused where they cannot be whole blocks, naming the field', () => {
    expect(checkMlpConfig(MLP)).toBe(MLP);
    expect(checkMlpConfig({ ...MLP, init: 'dense-orthogonal' })).toBeTruthy();
    expect(() => checkMlpConfig({ ...MLP, format: 'csr' })).toThrow(/blockMask draws masks of whole blocks: it needs format \{ bsr/);
    expect(() => checkMlpConfig({ ...MLP, init: 'eoi' })).toThrow(/blockMask needs init 'uniform' or 'erk'/);
    expect(() => checkMlpConfig({ ...MLP, blockMask: 1 as never })).toThrow(TypeError);
    expect(() => initWeights({ rows: 4, cols: 4, density: 0.5, init: 'eoi', gain: 1, seed: 0, blockSize: 4 })).toThrow(/blockSize draws a block mask for init 'random' only/);
    expect(() => initWeights({ rows: 4, cols: 4, density: 0.5, init: 'random', gain: 1, seed: 0, blockSize: 5 as never })).toThrow(/blockSize/);
  });
});
