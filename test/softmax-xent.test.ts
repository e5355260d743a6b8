import { describe, expect, it } from 'vitest';
import { type SoftmaxXentOptions, type SoftmaxXentResult, type XentDims, countCorrect, smoothedTarget } from '../src/kernels/softmax-xent.js';
import { Rng } from '../src/random.js';
import { softmaxXentRef } from '../src/train/softmax-xent-reference.js';
import { describeGpu } from './harness/gpu.js';
import { worstBoundRatio } from './harness/tolerance.js';

/** Logits uniform in [-scale, scale) (already float32) and labels uniform over the classes. */
function problem(dims: XentDims, seed: number, scale: number): { logits: Float32Array; labels: Uint32Array } {
  const rng = new Rng(seed);
  const logits = Float32Array.from({ length: dims.batch * dims.classes }, () => (rng.nextFloat() * 2 - 1) * scale);
  const labels = Uint32Array.from({ length: dims.batch }, () => rng.nextInt(dims.classes));
  return { logits, labels };
}

/**
 * Error bounds in the dot-product style of tolerance.ts, gamma_k·magnitude with k = 4C + 16, per
 * row with d_c = m - z_c >= 0, S = Σ e^-d_c and Q = Σ t_c·d_c. WGSL allows exp (3 + 2|x|) ulps, so
 * one term e^-d is off by at most 3u·(1 + d)·e^-d <= 3u absolute; with the rounding of z - m and of
 * the sum, S is off by at most 4C·u relative (S >= 1). Then:
 * - loss = log S + Q: log adds 8u absolute near 1 (2^-21 on [0.5, 2]) or 3 ulps, and Q is a sum of
 *   C rounded products with targets rounded to float32: |error| <= u·((C + 4)·Q + 4C + 8 + 4·log S),
 *   inside gamma_k·(Q + 1 + log S);
 * - dLogits_c = (p_c - t_c)/batch: p_c = e^-d_c/S is off by u·p_c·(6 + 3d_c + 4C), the subtraction
 *   and the scaling add u·(t_c + 2|p_c - t_c|): inside gamma_k·(p_c·(1 + d_c) + t_c + |p_c - t_c|)/batch.
 */
function magnitudes(logits: Float32Array, labels: Uint32Array, dims: XentDims, opts: SoftmaxXentOptions) {
  const { batch, classes } = dims;
  const { onTarget, offTarget } = smoothedTarget(classes, opts);
  const loss = new Float64Array(batch);
  const grad = new Float64Array(batch * classes);
  for (let b = 0; b < batch; b++) {
    const row = Array.from(logits.subarray(b * classes, (b + 1) * classes));
    const m = Math.max(...row);
    const sum = row.reduce((s, z) => s + Math.exp(z - m), 0);
    let q = 0;
    row.forEach((z, c) => {
      const t = c === labels[b] ? onTarget : offTarget;
      const p = Math.exp(z - m) / sum;
      q += t * (m - z);
      grad[b * classes + c] = (p * (1 + m - z) + t + Math.abs(p - t)) / batch;
    });
    loss[b] = q + 1 + Math.log(sum);
  }
  return { loss, grad, k: 4 * classes + 16 };
}

describe('softmax cross-entropy reference (float64)', () => {
  const dims = { batch: 4, classes: 5 };
  const { logits, labels } = problem(dims, 7, 3);
  const meanLoss = (z: ArrayLike<number>, opts: SoftmaxXentOptions) => softmaxXentRef(z, labels, dims, opts).loss.reduce((s, v) => s + v, 0) / dims.batch;

  for (const opts of [{}, { labelSmoothing: 0.1 }, { labelSmoothing: 0.3, smoothing: 'uniform' }] as SoftmaxXentOptions[]) {
    it(`dLogits is the gradient of the mean loss (central differences), ${JSON.stringify(opts)}`, () => {
      const { dLogits } = softmaxXentRef(logits, labels, dims, opts);
      const h = 1e-6;
      const z = Float64Array.from(logits);
      z.forEach((v, i) => {
        z[i] = v + h;
        const plus = meanLoss(z, opts);
        z[i] = v - h;
        const minus = meanLoss(z, opts);
        z[i] = v;
        expect(Math.abs((plus - minus) / (2 * h) - dLogits[i]!)).toBeLessThanOrEqual(1e-8);
      });
    });
  }

  it('spreads α as the two conventions say, and the uniform one is PyTorch’s (1 - α)·CE + α·mean(-log p)', () => {
    expect(smoothedTarget(10, { labelSmoothing: 0.1 })).toEqual({ onTarget: 0.9, offTarget: 0.1 / 9 });
    expect(smoothedTarget(10, { labelSmoothing: 0.1, smoothing: 'uniform' })).toEqual({ onTarget: 0.9 + 0.01, offTarget: 0.01 });
    const alpha = 0.2;
    const got = softmaxXentRef(logits, labels, dims, { labelSmoothing: alpha, smoothing: 'uniform' }).loss;
    const plain = softmaxXentRef(logits, labels, dims).loss;
    for (let b = 0; b < dims.batch; b++) {
      const row = Array.from(logits.subarray(b * 5, b * 5 + 5));
      const logSum = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
      const meanNll = row.reduce((s, z) => s + (logSum - z), 0) / 5;
      expect(got[b]).toBeCloseTo((1 - alpha) * plain[b]! + alpha * meanNll, 12);
      expect(plain[b]).toBeCloseTo(logSum - row[labels[b]!]!, 12);
    }
  });

  it('refuses labels out of range, α outside [0, 1), fewer than 2 classes and a wrong length', () => {
    expect(() => softmaxXentRef(logits, [0, 1, 5, 2], dims)).toThrow(/labels\[2\] = 5 must be an integer in \[0, 4\] \(classes = 5\)/);
    expect(() => smoothedTarget(5, { labelSmoothing: 1 })).toThrow(/opts.labelSmoothing must be a number in \[0, 1\), got 1/);
    expect(() => smoothedTarget(5, { labelSmoothing: -0.1 })).toThrow(/opts.labelSmoothing must be a number in \[0, 1\), got -0.1/);
    expect(() => smoothedTarget(5, { smoothing: 'pytorch' as never })).toThrow(/opts.smoothing must be one of others, uniform, got pytorch/);
    expect(() => softmaxXentRef([1, 2], [0, 0], { batch: 2, classes: 1 })).toThrow(/dims.classes must be an integer in \[2, /);
    expect(() => softmaxXentRef(logits.subarray(1), labels, dims)).toThrow(/logits must have length 20 \(batch\*classes\), got 19/);
  });

  it('countCorrect counts matching predictions', () => {
    expect(countCorrect([1, 2, 3], [1, 0, 3])).toBe(2);
    expect(() => countCorrect([1, 2], [1, 2, 3])).toThrow(/predictions must have length 3/);
  });
});

describeGpu('trainingOps', (run) => {
  // Batch 1; C = 3 and 10 (one workgroup size); C = 300, more classes than invocations; large
  // logits (±1000: e^z would overflow without the max shift); a grid folded to 8 columns.
  const CASES: Array<{ dims: XentDims; scale: number; opts: SoftmaxXentOptions; maxGroupsX?: number }> = [
    { dims: { batch: 1, classes: 10 }, scale: 4, opts: {} },
    { dims: { batch: 7, classes: 3 }, scale: 4, opts: { labelSmoothing: 0.1 } },
    { dims: { batch: 33, classes: 10 }, scale: 8, opts: { labelSmoothing: 0.1, smoothing: 'uniform' } },
    { dims: { batch: 5, classes: 300 }, scale: 4, opts: { labelSmoothing: 0.2 } },
    { dims: { batch: 6, classes: 10 }, scale: 1000, opts: { labelSmoothing: 0.05 } },
    { dims: { batch: 70, classes: 3 }, scale: 2, opts: {}, maxGroupsX: 8 },
  ];

  for (const { dims, scale, opts, maxGroupsX } of CASES) {
    it(`batch ${dims.batch} x ${dims.classes} classes, |z| <= ${scale}, ${JSON.stringify(opts)}${maxGroupsX ? ', grid folded' : ''}: within the float32 bounds`, async () => {
      const { logits, labels } = problem(dims, dims.batch * 1000 + dims.classes, scale);
      const got: SoftmaxXentResult = await run('softmaxXent', { logits, labels, dims, opts, maxGroupsX });
      const want = softmaxXentRef(logits, labels, dims, opts);
      const bound = magnitudes(logits, labels, dims, opts);
      expect(worstBoundRatio(got.loss, want.loss, bound.loss, bound.k)).toBeLessThanOrEqual(1);
      expect(worstBoundRatio(got.dLogits, want.dLogits, bound.grad, bound.k)).toBeLessThanOrEqual(1);
      expect(Array.from(got.predictions)).toEqual(Array.from(want.predictions));
      expect(got.correct).toBe(countCorrect(want.predictions, labels));
      expect(got.meanLoss).toBeCloseTo(want.loss.reduce((s, v) => s + v, 0) / dims.batch, 4);
    });
  }

  it('predicts the lowest class among equal maxima', async () => {
    const logits = Float32Array.from([1, 1, 1, 0, 3, 2, 3, 3, 0, 5, 0, 5]);
    const got: SoftmaxXentResult = await run('softmaxXent', { logits, labels: new Uint32Array(4), dims: { batch: 4, classes: 3 } });
    expect(Array.from(got.predictions)).toEqual([0, 1, 0, 0]);
    expect(got.correct).toBe(3);
  });

  it('refuses a label >= classes on the host; on the GPU such a row gets NaN loss and gradient', async () => {
    const dims = { batch: 2, classes: 3 };
    const logits = Float32Array.from([0.5, -1, 2, 1, 0, 0]);
    const labels = Uint32Array.from([2, 3]);
    await expect(run('softmaxXent', { logits, labels, dims })).rejects.toThrow(/labels\[1\] = 3 must be an integer in \[0, 2\]/);
    await expect(run('softmaxXent', { logits, labels: new Uint32Array(2), dims, opts: { labelSmoothing: 1 } })).rejects.toThrow(/\[0, 1\)/);
    await expect(run('softmaxXent', { logits: logits.subarray(1), labels, dims })).rejects.toThrow(/logits must have length 6/);
    const nans: { loss: boolean[]; dLogits: boolean[] } = await run('softmaxXentNaNs', { logits, labels, dims });
    expect(nans).toEqual({ loss: [false, true], dLogits: [false, false, false, true, true, true] });
  });
});
