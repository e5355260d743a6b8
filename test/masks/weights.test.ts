import { describe, expect, it } from 'vitest';
import { streamSeed } from '../../src/eoi/conv.js';
import { generateMasks } from '../../src/masks/generate.js';
import { denseInit, MASK_WEIGHTS } from '../../src/masks/dense-init.js';
import { magnitudeMasks } from '../../src/masks/magnitude.js';
import { randomMasks } from '../../src/masks/random.js';
import { snipMasks } from '../../src/masks/snip.js';
import { initConvFilter } from '../../src/nn/conv-init.js';
import { haarOrthogonal, initWeights } from '../../src/nn/init.js';
import { layerSeed } from '../../src/nn/mlp.js';
import { resolveNetwork } from '../../src/masks/network.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { cpuSource, SHAPES, NET, syntheticBatches, TINY_CNN } from './fixtures.js';

/** Every stored value of w equals dense[r][c] times `scale(r)`. */
function expectValuesFrom(w: CsrMatrix, dense: ArrayLike<number>, scale: (row: number) => number = () => 1): void {
  for (let r = 0; r < w.rows; r++) {
    for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) expect(w.values[t]).toBeCloseTo(dense[r * w.cols + w.colIdx[t]!]! * scale(r), 6);
  }
}

describe('mask weight kinds', () => {
  it("random 'masked-orthogonal' is mask ⊙ Q: Q's values at the positions, no rescaling (float32 copies of Q)", () => {
    const { weights, report } = randomMasks(SHAPES, { density: 0.25, seed: 3, gain: 1.5, weights: 'masked-orthogonal' });
    expect(report.weights).toBe('masked-orthogonal');
    weights.forEach((w, l) => {
      const [rows, cols] = SHAPES[l]!;
      expectValuesFrom(w, haarOrthogonal(rows, cols, layerSeed(3, l), 1.5));
      expect(w.colIdx.length).toBe(Math.round(0.25 * rows * cols));
    });
  });

  it("at density 1 'masked-orthogonal' is the dense orthogonal init: W Wᵀ = g² I", () => {
    const [w] = randomMasks([[8, 12]], { density: 1, seed: 1, gain: 2, weights: 'masked-orthogonal' }).weights;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let dot = 0;
        for (let c = 0; c < 12; c++) dot += w!.values[i * 12 + c]! * w!.values[j * 12 + c]!;
        expect(dot).toBeCloseTo(i === j ? 4 : 0, 5);
      }
    }
  });

  it("random 'rescaled-gaussian' (the default) is initWeights' sparse Gaussian; 'masked-gaussian' is the dense Gaussian's values", () => {
    const rescaled = randomMasks(SHAPES, { density: 0.3, seed: 2 });
    expect(rescaled.report.weights).toBe('rescaled-gaussian');
    rescaled.weights.forEach((w, l) => expect(w).toEqual(initWeights({ rows: SHAPES[l]![0], cols: SHAPES[l]![1], density: 0.3, init: 'random', gain: 1, seed: layerSeed(2, l) })));
    const masked = randomMasks(SHAPES, { density: 0.3, seed: 2, weights: 'masked-gaussian' });
    const dense = denseInit(SHAPES, 1, 2);
    masked.weights.forEach((w, l) => expectValuesFrom(w, dense[l]!.values));
  });

  it("random 'masked-orthogonal' on a CNN at uniform densities is the CNN init 'masked-delta-orthogonal'", () => {
    const { weights } = randomMasks(TINY_CNN, { density: 0.3, seed: 5, weights: 'masked-orthogonal' });
    const convs = resolveNetwork(TINY_CNN).dims;
    weights.forEach((w, l) => {
      const [cOut, cIn, kh, kw] = convs[l] as [number, number, number, number];
      expect(w).toEqual(initConvFilter({ cOut, cIn, kh, kw, density: 0.3, init: 'masked-delta-orthogonal', gain: 1, seed: layerSeed(5, l) }));
    });
    // The positions come from the layer seed's second stream, as that init's do.
    expect(streamSeed(layerSeed(5, 0))).not.toBe(layerSeed(5, 0));
  });

  it("pruning methods score and keep the orthogonal dense init with 'masked-orthogonal'", async () => {
    const batches = syntheticBatches(NET.inputs, NET.classes, 2, 8, 4);
    const { weights, report } = await snipMasks(SHAPES, { density: 0.2, seed: 1, gradients: cpuSource(batches), weights: 'masked-orthogonal' });
    expect(report.weights).toBe('masked-orthogonal');
    weights.forEach((w, l) => expectValuesFrom(w, haarOrthogonal(SHAPES[l]![0], SHAPES[l]![1], layerSeed(1, l))));
    // The same mask as scoring the orthogonal init directly: not the Gaussian's.
    const gaussian = await snipMasks(SHAPES, { density: 0.2, seed: 1, gradients: cpuSource(batches) });
    expect(gaussian.report.weights).toBe('masked-gaussian');
    expect(weights.map((w) => Array.from(w.colIdx))).not.toEqual(gaussian.weights.map((w) => Array.from(w.colIdx)));
  });

  it("'rescaled-gaussian' scales each kept row of a pruned layer by sqrt(fan-in / kept)", () => {
    const plain = magnitudeMasks(SHAPES, { density: 0.2, seed: 4 });
    const rescaled = magnitudeMasks(SHAPES, { density: 0.2, seed: 4, weights: 'rescaled-gaussian' });
    const dense = denseInit(SHAPES, 1, 4);
    rescaled.weights.forEach((w, l) => {
      expect(w.colIdx).toEqual(plain.weights[l]!.colIdx);
      expectValuesFrom(w, dense[l]!.values, (r) => Math.sqrt(w.cols / (w.rowPtr[r + 1]! - w.rowPtr[r]!)));
    });
  });

  it("CNN pruning with 'masked-orthogonal' starts from the delta-orthogonal kernel: every kept tap off the centre is 0", async () => {
    const { weights } = await generateMasks('magnitude', TINY_CNN, { density: 0.2, seed: 2, weights: 'masked-orthogonal' });
    const dense = denseInit(resolveNetwork(TINY_CNN), 1, 2, 'masked-orthogonal');
    weights.forEach((w, l) => {
      expectValuesFrom(w, dense[l]!.values);
      // magnitude keeps the largest |w|: the nonzero centre taps come first
      for (let t = 0; t < w.colIdx.length; t++) if (w.colIdx[t]! % 9 !== 4) expect(w.values[t]).toBe(0);
    });
  });

  it('EOI and SAO report their own weights; an unknown kind is a RangeError naming the kinds', async () => {
    expect((await generateMasks('eoi', SHAPES, { density: 0.25 })).report.weights).toBe('eoi');
    expect((await generateMasks('random+eoi', SHAPES, { density: 0.25, weights: 'masked-orthogonal' })).report.weights).toBe('eoi');
    expect(() => randomMasks(SHAPES, { density: 0.2, weights: 'orthogonal' as never })).toThrow(new RangeError(`weights must be one of ${MASK_WEIGHTS.join(', ')}, got orthogonal`));
  });
});
