import { expect, it } from 'vitest';
import { ACTIVATIONS, type ActivationName } from '../src/kernels/activation.js';
import type { SoftmaxXentOptions } from '../src/kernels/softmax-xent.js';
import { type MlpConfig, type MlpInit, mlpShapes } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { activationRef } from '../src/train/activation-reference.js';
import { softmaxXentRef } from '../src/train/softmax-xent-reference.js';
import { expectGradientsMatchFiniteDifferences } from './harness/finite-differences.js';
import { describeGpu } from './harness/gpu.js';

// Whole models, checked end to end: the GPU's gradients of the batch-mean loss against central
// finite differences of a float64 CPU forward pass (float64 references for every piece).
const BATCH = 4;
const BASE = { inputs: 6, width: 5, depth: 3, classes: 3, density: 0.6, sigmaW: 1, sigmaB: 0.1, seed: 3 };

type Mask = { rowPtr: Uint32Array; colIdx: Uint32Array };
type Param = { name: string; value: Float32Array; grad: Float32Array };

/** y = x·Wᵀ + b in float64 over W's pattern. */
function linear64(rows: number, cols: number, mask: Mask, values: Float64Array, bias: Float64Array, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(BATCH * rows);
  for (let b = 0; b < BATCH; b++) {
    for (let r = 0; r < rows; r++) {
      let sum = bias[r]!;
      for (let t = mask.rowPtr[r]!; t < mask.rowPtr[r + 1]!; t++) sum += values[t]! * x[b * cols + mask.colIdx[t]!]!;
      y[b * rows + r] = sum;
    }
  }
  return y;
}

/** Float64 batch-mean loss of the MLP with parameters `params` (weight, bias per linear layer). */
function referenceLoss(config: MlpConfig, masks: Mask[], params: Float64Array[], x: Float32Array, labels: Uint32Array, loss: SoftmaxXentOptions): number {
  let h: ArrayLike<number> = x;
  mlpShapes(config).forEach(([rows, cols], l) => {
    const y = linear64(rows, cols, masks[l]!, params[2 * l]!, params[2 * l + 1]!, h);
    h = l < config.depth - 1 ? activationRef(config.activation, y) : y;
  });
  return softmaxXentRef(h, labels, { batch: BATCH, classes: config.classes }, loss).loss.reduce((s, v) => s + v, 0) / BATCH;
}

const CASES: Array<{ init: MlpInit; activation: ActivationName; loss: SoftmaxXentOptions }> = [
  ...ACTIVATIONS.map((activation) => ({ init: 'uniform' as const, activation, loss: { labelSmoothing: 0.1, smoothing: 'others' as const } })),
  { init: 'eoi', activation: 'tanh', loss: { labelSmoothing: 0.1, smoothing: 'uniform' } },
  { init: 'erk', activation: 'relu', loss: { labelSmoothing: 0.2, smoothing: 'uniform' } },
  { init: 'dense-gaussian', activation: 'selu', loss: {} },
  { init: 'dense-orthogonal', activation: 'tanh', loss: { labelSmoothing: 0.1 } },
];

describeGpu('nn', (run) => {
  for (const c of CASES) {
    it(`${c.init} MLP, ${c.activation}, smoothing ${c.loss.smoothing ?? (c.loss.labelSmoothing ? 'others' : 'none')}: gradients match finite differences`, async () => {
      const config: MlpConfig = { ...BASE, init: c.init, activation: c.activation };
      const rng = new Rng(11);
      const x = Float32Array.from({ length: BATCH * BASE.inputs }, () => rng.nextNormal());
      const labels = Uint32Array.from({ length: BATCH }, () => rng.nextInt(BASE.classes));
      const out: { loss: number; masks: Mask[]; params: Param[] } = await run('mlpGradients', { config, x, labels, batch: BATCH, loss: c.loss });
      const params = out.params.map((p) => Float64Array.from(p.value));
      const f = () => referenceLoss(config, out.masks, params, x, labels, c.loss);
      // The loss itself within float32's accumulated rounding of the float64 value.
      expect(Math.abs(out.loss - f())).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(f())));
      expectGradientsMatchFiniteDifferences(out.params, params, f);
    });
  }
});
