import { describe, expect, it } from 'vitest';
import { type AdamHyperparameters, type SgdHyperparameters, adamStateLength, checkSgdHyperparameters, sgdStateLength } from '../src/kernels/optimizer.js';
import { Rng } from '../src/random.js';
import { adamStepRef, sgdStepRef } from '../src/train/optimizer-reference.js';
import { type OptimizerSpec, buildSchedule } from './cases/training-ops.js';
import { describeGpu } from './harness/gpu.js';
import { randomFloat32 } from './harness/tolerance.js';

const f = Math.fround;
/** Parameters of awkward sizes (a scalar, one vec4 word and a tail, many words and a tail), stepped together. */
const SIZES = [1, 5, 4099];
const STEPS = 6;

/**
 * Hyperparameters are float32 values (Math.fround) so the float64 reference sees what the kernel
 * sees; the defaults (0.9, 0.999, 1e-8) are rounded the same way below.
 */
const CONFIGS: Array<{ label: string; optimizer: OptimizerSpec }> = [
  { label: 'SGD', optimizer: { kind: 'sgd', options: {}, schedule: { kind: 'constant', lr: 0.1 } } },
  {
    label: 'SGD, momentum and weight decay, step schedule',
    optimizer: { kind: 'sgd', options: { momentum: f(0.9), weightDecay: f(0.01) }, schedule: { kind: 'step', lr: 0.1, stepSize: 2, gamma: 0.5 } },
  },
  {
    label: 'SGD, Nesterov momentum and weight decay, cosine after warm-up',
    optimizer: {
      kind: 'sgd',
      options: { momentum: f(0.8), nesterov: true, weightDecay: f(0.05) },
      schedule: { kind: 'cosine', lr: 0.05, totalSteps: 4, warmupSteps: 2 },
    },
  },
  { label: 'Adam, defaults', optimizer: { kind: 'adam', options: {}, schedule: { kind: 'constant', lr: 0.01 } } },
  {
    label: 'Adam, L2 weight decay in the gradient',
    optimizer: { kind: 'adam', options: { beta1: f(0.8), beta2: f(0.99), epsilon: f(1e-6), weightDecay: f(0.1) }, schedule: { kind: 'constant', lr: 0.02 } },
  },
  {
    label: 'AdamW, decoupled weight decay, cosine',
    optimizer: {
      kind: 'adam',
      options: { weightDecay: f(0.1), decoupledWeightDecay: true },
      schedule: { kind: 'cosine', lr: 0.01, totalSteps: 6, minLr: 0.001, warmupSteps: 0 },
    },
  },
];

function hyperparameters(optimizer: OptimizerSpec, lr: number, step: number): SgdHyperparameters | AdamHyperparameters {
  if (optimizer.kind === 'sgd') {
    const o = optimizer.options;
    return { lr, momentum: o.momentum ?? 0, nesterov: o.nesterov ?? false, weightDecay: o.weightDecay ?? 0 };
  }
  const o = optimizer.options;
  return {
    lr,
    beta1: o.beta1 ?? f(0.9),
    beta2: o.beta2 ?? f(0.999),
    epsilon: o.epsilon ?? f(1e-8),
    weightDecay: o.weightDecay ?? 0,
    decoupledWeightDecay: o.decoupledWeightDecay ?? false,
    step,
  };
}

/**
 * Runs the float64 reference over the same steps. Besides the final values it returns, per element,
 * the scale the float32 error is bounded by, in the dot-product style: max_t |p_t| plus Σ_t lr_t·D_t,
 * where D_t is the step direction computed from absolute values (|grad| + wd·|p| for the gradient,
 * momentum and first moment accumulated from those), so terms that cancel still count.
 */
function reference(optimizer: OptimizerSpec, values: Float32Array[], grads: Float32Array[][]) {
  const schedule = buildSchedule(optimizer.schedule);
  return values.map((initial, i) => {
    const n = initial.length;
    const p = Float64Array.from(initial);
    const [s1, s2, accumulatedAbs] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    const largest = p.map(Math.abs);
    const path = new Float64Array(n);
    grads.forEach((stepGrads, t) => {
      const h = hyperparameters(optimizer, schedule(t), t + 1);
      const decoupled = 'beta1' in h && h.decoupledWeightDecay;
      const absGrad = Float64Array.from(stepGrads[i]!, (g, e) => Math.abs(g) + (decoupled ? 0 : h.weightDecay * Math.abs(p[e]!)));
      const decay = p.map((v) => (decoupled ? h.weightDecay * Math.abs(v) : 0));
      if ('beta1' in h) adamStepRef(p, stepGrads[i]!, s1, s2, h);
      else sgdStepRef(p, stepGrads[i]!, s1, h);
      for (let e = 0; e < n; e++) {
        let direction: number;
        if ('beta1' in h) {
          accumulatedAbs[e] = h.beta1 * accumulatedAbs[e]! + (1 - h.beta1) * absGrad[e]!;
          direction = accumulatedAbs[e]! / (1 - h.beta1 ** h.step) / (Math.sqrt(s2[e]! / (1 - h.beta2 ** h.step)) + h.epsilon) + decay[e]!;
        } else if (h.momentum > 0) {
          accumulatedAbs[e] = h.momentum * accumulatedAbs[e]! + absGrad[e]!;
          direction = h.nesterov ? absGrad[e]! + h.momentum * accumulatedAbs[e]! : accumulatedAbs[e]!;
        } else {
          direction = absGrad[e]!;
        }
        path[e] += h.lr * direction;
        largest[e] = Math.max(largest[e]!, Math.abs(p[e]!));
      }
    });
    return { values: p, scale: largest.map((v, e) => v + path[e]!) };
  });
}

/**
 * Tolerance after T steps: |got - want| <= ULPS·T·u·scale. One step of either update is a few
 * float32 roundings of terms bounded by that scale (the learning rate and the float64 bias
 * corrections are rounded once more), and the moments carry their rounding into later steps, so
 * each step adds about an ulp of it: SwiftShader measures at most 0.9·T ulps. 4 per step leaves room
 * for other GPUs' division and sqrt, yet fails a systematic error of ~100 ulps of a step (bias
 * corrections computed from betas other than the float32 ones the moments decay by measured 12).
 */
const ULPS = 4;
const U = 2 ** -24;

describe('optimizer hyperparameters and state sizes', () => {
  it('state is whole vec4 words: momentum ceil(n/4)·4, Adam twice that', () => {
    expect([1, 4, 5, 4099].map(sgdStateLength)).toEqual([4, 4, 8, 4100]);
    expect(adamStateLength(5)).toBe(16);
  });

  it('refuses out-of-range hyperparameters, naming them and the range', () => {
    const ok: SgdHyperparameters = { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 };
    expect(() => checkSgdHyperparameters({ ...ok, momentum: 1 })).toThrow(/sgd.momentum must be a number in \[0, 1\), got 1/);
    expect(() => checkSgdHyperparameters({ ...ok, lr: -0.1 })).toThrow(/sgd.lr must be a finite number >= 0, got -0.1/);
    expect(() => checkSgdHyperparameters({ ...ok, lr: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => checkSgdHyperparameters({ ...ok, momentum: 0, nesterov: true })).toThrow(/nesterov needs momentum in \(0, 1\)/);
  });
});

describeGpu('trainingOps', (run) => {
  for (const { label, optimizer } of CONFIGS) {
    it(`${label}: ${STEPS} steps on sizes ${SIZES.join(', ')} match float64 within ${ULPS}·steps ulps`, async () => {
      const rng = new Rng(label.length);
      const values = SIZES.map((n) => randomFloat32(rng, n).map((v) => v / 64));
      const grads = Array.from({ length: STEPS }, () => SIZES.map((n) => randomFloat32(rng, n)));
      const got: { values: Float32Array[]; lrs: number[]; stepCount: number; dispatchesPerStep: number } = await run('optimizerSteps', { optimizer, values, grads, maxGroupsX: 7 });
      // Two parameters per pass: sizes 1 and 5 share one (both end in a partial vec4 word), 4099 has its own.
      expect(got.dispatchesPerStep).toBe(Math.ceil(SIZES.length / 2));
      const schedule = buildSchedule(optimizer.schedule);
      expect(got.stepCount).toBe(STEPS);
      got.lrs.forEach((lr, t) => expect(lr).toBeCloseTo(schedule(t), 15));
      reference(optimizer, values, grads).forEach((want, i) => {
        let worst = 0;
        want.values.forEach((w, e) => (worst = Math.max(worst, Math.abs(got.values[i]![e]! - w) / (U * STEPS * want.scale[e]!))));
        expect(worst, `size ${SIZES[i]}`).toBeLessThanOrEqual(ULPS);
      });
    });
  }

  it('refuses a parameter listed twice, mismatched gradients, bad options and a negative scheduled lr', async () => {
    await expect(run('optimizerMisuse', { misuse: 'sharedValues' })).rejects.toThrow(/parameters\[1\].values is parameters\[0\].values/);
    await expect(run('optimizerMisuse', { misuse: 'gradIsValues' })).rejects.toThrow(/parameters\[1\].grad is parameters\[0\].values: a gradient must be a tensor of its own/);
    await expect(run('optimizerMisuse', { misuse: 'shortGrad' })).rejects.toThrow(/parameters\[1\].grad must have length 8 \(values.length\), got 7/);
    await expect(run('optimizerMisuse', { misuse: 'negativeLr' })).rejects.toThrow(/lr at step 0 must be a finite number >= 0, got -1/);
    const bad = (optimizer: OptimizerSpec) => run('optimizerMisuse', { misuse: 'options', optimizer });
    const lr = { kind: 'constant', lr: 0.1 } as const;
    await expect(bad({ kind: 'sgd', options: { nesterov: true }, schedule: lr })).rejects.toThrow(/opts.nesterov needs momentum/);
    await expect(bad({ kind: 'adam', options: { beta2: 1 }, schedule: lr })).rejects.toThrow(/opts.beta2 must be a number in \[0, 1\), got 1/);
    await expect(bad({ kind: 'adam', options: { epsilon: 0 }, schedule: lr })).rejects.toThrow(/opts.epsilon must be a number in \(0, 1\]/);
    await expect(bad({ kind: 'sgd', options: {}, schedule: { kind: 'constant', lr: Number.NaN } })).rejects.toThrow(/lr must be a finite number >= 0/);
    await expect(bad({ kind: 'adam', options: { weightDecay: 0.01, decoupledWeightDecay: true }, schedule: lr })).resolves.toBe('accepted');
  });
});
