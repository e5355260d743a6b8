/**
 * Checks the GPU mask tests (MLP and CNN) share: the float64 finite-difference gradient of the
 * reference network's loss, float32-vs-float64 closeness, and what a lottery-ticket run must show.
 */
import { expect } from 'vitest';
import { lotteryRounds } from '../../src/masks/lottery.js';
import { type ReferenceNetwork, referenceLoss } from '../../src/masks/reference-mlp.js';
import type { Batch, MaskReport, WeightsLike } from '../../src/masks/types.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { maskOf } from './fixtures.js';

/** Central differences of Σ_b L_b (logits / temperature) in every weight of `net`, float64. */
export function fdGradients(net: ReferenceNetwork, batches: readonly Batch[], temperature: number, h = 1e-6): Float64Array[] {
  const values = net.weights.map((w) => Float64Array.from(w.values));
  const weights: WeightsLike[] = net.weights.map((w, l) => ({ ...w, values: values[l]! }));
  const loss = () => batches.reduce((s, b) => s + referenceLoss({ ...net, weights }, b, temperature), 0);
  return values.map((v) =>
    v.map((keep, i) => {
      v[i] = keep + h;
      const up = loss();
      v[i] = keep - h;
      const down = loss();
      v[i] = keep;
      return (up - down) / (2 * h);
    }),
  );
}

/** float32 GPU vs float64: 1e-3 relative per entry plus 1e-4 of the largest entry (which must not be 0). */
export function expectNear(actual: number[][], expected: Float64Array[]): void {
  const scale = Math.max(...expected.flatMap((e) => Array.from(e, Math.abs)));
  expect(scale).toBeGreaterThan(0);
  actual.forEach((a, l) => a.forEach((v, i) => expect(Math.abs(v - expected[l]![i]!), `layer ${l} [${i}]: GPU ${v} vs ${expected[l]![i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-3 * Math.abs(expected[l]![i]!))));
}

/** What the 'lottery' case returns: the final weights, the report and every round's given and trained values. */
export interface LotteryRun {
  weights: CsrMatrix[];
  report: MaskReport;
  rounds: Array<{ given: Float32Array[]; trained: Float32Array[] }>;
}

/**
 * A lottery run to density 0.5 at pruning rate 0.8 over `total` weights: every round trained, the
 * schedule 0.8^k rounded to whole weights, and the survivors rewound exactly to `init`'s values.
 */
export function expectLotteryRewound(out: LotteryRun, init: readonly WeightsLike[], total: number): void {
  expect(out.rounds.length).toBe(lotteryRounds(0.5, 0.8));
  expect(out.report.schedule).toEqual([0.8, 0.64, 0.512, 0.5].map((d) => Math.round(d * total) / total));
  out.rounds.forEach(({ given, trained }) => given.forEach((g, l) => expect(trained[l]).not.toEqual(g)));
  out.weights.forEach((w, l) => {
    let t = 0;
    maskOf(w).forEach((m, p) => m && expect(w.values[t++]).toBe(init[l]!.values[p]));
  });
}
