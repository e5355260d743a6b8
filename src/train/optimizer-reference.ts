/**
 * Float64 references of one optimizer step (src/kernels/optimizer.ts), updating float64 arrays in
 * place with the formulas of torch.optim.SGD (dampening 0), Adam and AdamW.
 */
import { type AdamHyperparameters, type SgdHyperparameters, checkAdamHyperparameters, checkSgdHyperparameters } from '../kernels/optimizer.js';
import { checkLength, checkNumberArray } from '../validate.js';

/** `momentumBuffer` (length n, zeros at the start) is needed when momentum > 0. */
export function sgdStepRef(values: Float64Array, grad: ArrayLike<number>, momentumBuffer: Float64Array | undefined, h: SgdHyperparameters): void {
  checkSgdHyperparameters(h);
  checkLength('grad', checkNumberArray('grad', grad), values.length, 'values.length');
  if (h.momentum > 0) {
    if (!momentumBuffer) throw new RangeError('momentumBuffer is needed when momentum > 0');
    checkLength('momentumBuffer', momentumBuffer, values.length, 'values.length');
  }
  for (let i = 0; i < values.length; i++) {
    let g = grad[i]! + h.weightDecay * values[i]!;
    if (h.momentum > 0) {
      const b = h.momentum * momentumBuffer![i]! + g;
      momentumBuffer![i] = b;
      g = h.nesterov ? g + h.momentum * b : b;
    }
    values[i] = values[i]! - h.lr * g;
  }
}

/** m and v (length n each, zeros at the start) are the first and second moments. */
export function adamStepRef(values: Float64Array, grad: ArrayLike<number>, m: Float64Array, v: Float64Array, h: AdamHyperparameters): void {
  checkAdamHyperparameters(h);
  checkLength('grad', checkNumberArray('grad', grad), values.length, 'values.length');
  checkLength('m', m, values.length, 'values.length');
  checkLength('v', v, values.length, 'values.length');
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const biasCorrection2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < values.length; i++) {
    let g = grad[i]!;
    if (h.decoupledWeightDecay) values[i] = values[i]! * (1 - h.lr * h.weightDecay);
    else g += h.weightDecay * values[i]!;
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g * g;
    values[i] = values[i]! - (h.lr / biasCorrection1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(biasCorrection2) + h.epsilon));
  }
}
