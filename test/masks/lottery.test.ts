import { describe, expect, it } from 'vitest';
import { denseInit } from '../../src/masks/dense-init.js';
import { lotteryMasks, lotteryRounds } from '../../src/masks/lottery.js';
import type { TrainFn } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { cpuTrainer, maskOf, NET, SHAPES, syntheticBatches } from './fixtures.js';

const SIZES = SHAPES.map(([r, c]) => r * c);
const TOTAL = SIZES.reduce((a, b) => a + b);
const batches = syntheticBatches(NET.inputs, NET.classes, 2, 8);

/** A TrainFn that records what it was given and what it returned. */
function recording(inner: TrainFn) {
  const calls: Array<{ given: CsrMatrix[]; trained: CsrMatrix[] }> = [];
  const train: TrainFn = async (weights, round) => {
    expect(round).toBe(calls.length);
    const trained = await inner(weights, round);
    calls.push({ given: weights.map((w) => ({ ...w, values: w.values.slice() })), trained });
    return trained;
  };
  return { train, calls };
}

describe('lottery ticket / IMP with rewinding', () => {
  it('rounds: 0.8^k until the target, the last landing on it', () => {
    expect(lotteryRounds(1, 0.8)).toBe(0);
    expect(lotteryRounds(0.8, 0.8)).toBe(1);
    expect(lotteryRounds(0.64, 0.8)).toBe(2); // 0.8² = 0.6400000000000001 counts as reached
    expect(lotteryRounds(0.2, 0.8)).toBe(8); // 0.8^7 = 0.21, 0.8^8 = 0.17
    expect(lotteryRounds(0.5, 0.5)).toBe(1);
  });

  it('every round trains the initial values on the current mask, prunes 20% of the remaining by |trained w|, and the survivors end at their initial values exactly', async () => {
    const density = 0.2;
    const { train, calls } = recording(cpuTrainer(batches, 3, 0.2));
    const { weights, report } = await lotteryMasks(SHAPES, { density, seed: 3, gain: 1.2, train });
    const init = denseInit(SHAPES, 1.2, 3);
    expect(calls.length).toBe(8);
    const expected = [1, 2, 3, 4, 5, 6, 7].map((k) => Math.round(0.8 ** k * TOTAL) / TOTAL).concat(Math.round(density * TOTAL) / TOTAL);
    expect(report.schedule).toEqual(expected);
    expect(report.density).toBe(expected.at(-1));

    const masks = [...calls.map((c) => c.given.map(maskOf)), weights.map(maskOf)];
    calls.forEach(({ given, trained }, k) => {
      // Rewound: what each round trains starts from the initial values, on the current mask.
      given.forEach((w, l) => {
        const m = masks[k]![l]!;
        let t = 0;
        for (let p = 0; p < m.length; p++) if (m[p]) expect(w.values[t++]).toBe(init[l]!.values[p]);
      });
      // Pruned by |trained w| over the whole network: every survivor's |w| >= every pruned one's.
      let minKept = Infinity;
      let maxPruned = -Infinity;
      trained.forEach((w, l) => {
        const next = masks[k + 1]![l]!;
        let t = 0;
        for (let p = 0; p < next.length; p++) {
          if (!masks[k]![l]![p]) continue;
          const v = Math.abs(w.values[t++]!);
          if (next[p]) minKept = Math.min(minKept, v);
          else maxPruned = Math.max(maxPruned, v);
          // Masks only shrink.
          expect(next[p]).toBeLessThanOrEqual(masks[k]![l]![p]!);
        }
      });
      expect(minKept).toBeGreaterThanOrEqual(maxPruned);
    });
    // Training moved the weights, so rewinding is observable ...
    expect(calls[0]!.trained[0]!.values).not.toEqual(calls[0]!.given[0]!.values);
    // ... and the result holds exactly the initial values of its survivors.
    weights.forEach((w, l) => {
      const m = masks.at(-1)![l]!;
      let t = 0;
      for (let p = 0; p < m.length; p++) if (m[p]) expect(w.values[t++]).toBe(init[l]!.values[p]);
    });
  });

  it('per layer: each layer loses 20% of its remaining weights per round until its own target', async () => {
    const densities = [0.5, 0.25, 0.25, 0.8];
    const { train, calls } = recording(cpuTrainer(batches, 1, 0.2));
    const { weights } = await lotteryMasks(SHAPES, { distribution: densities, seed: 1, train });
    expect(calls.length).toBe(lotteryRounds(0.25, 0.8));
    calls.forEach(({ given }, k) => given.forEach((w, l) => expect(w.colIdx.length).toBe(Math.round(Math.max(densities[l]!, 0.8 ** k) * SIZES[l]!))));
    weights.forEach((w, l) => expect(w.colIdx.length).toBe(Math.round(densities[l]! * SIZES[l]!)));
  });

  it('refuses a TrainFn that changes a pattern or returns the wrong count', async () => {
    const moved: TrainFn = async (w) => w.map((x, l) => (l === 1 ? { ...x, colIdx: x.colIdx.map((c) => (c + 1) % x.cols) } : x));
    await expect(lotteryMasks(SHAPES, { density: 0.5, train: moved })).rejects.toThrow(/layer 1 came back with a different shape or mask/);
    await expect(lotteryMasks(SHAPES, { density: 0.5, train: async (w) => w.slice(1) })).rejects.toThrow(/train must return 4 weight matrices, got 3/);
  });
});
