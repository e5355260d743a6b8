/**
 * Whole-model gradient checks: GPU gradients of the batch-mean loss against central finite
 * differences of a float64 CPU loss, one parameter entry at a time.
 */
import { expect } from 'vitest';

export interface CheckedParameter {
  name: string;
  grad: ArrayLike<number>;
}

/**
 * `params[i]` holds the float64 values of `gpu[i]`, which `loss()` reads; each entry is nudged by
 * ±h in place and restored. Float32 forward/backward passes differ from float64 by ~1e-6 relative
 * per operation over a few layers, so 3e-5 + 1e-3·|g| leaves room for that and still fails any
 * missing term or wrong sign.
 */
export function expectGradientsMatchFiniteDifferences(gpu: readonly CheckedParameter[], params: Float64Array[], loss: () => number, h = 1e-6): void {
  gpu.forEach((p, i) => {
    const values = params[i]!;
    for (let k = 0; k < values.length; k++) {
      const keep = values[k]!;
      values[k] = keep + h;
      const up = loss();
      values[k] = keep - h;
      const down = loss();
      values[k] = keep;
      const fd = (up - down) / (2 * h);
      expect(Math.abs(p.grad[k]! - fd), `${p.name}[${k}]: GPU ${p.grad[k]} vs finite difference ${fd}`).toBeLessThanOrEqual(3e-5 + 1e-3 * Math.abs(fd));
    }
  });
}
