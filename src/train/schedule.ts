/**
 * Learning-rate schedules: pure functions of the optimizer's step index (0 for the first step), so
 * a schedule can be evaluated anywhere (a resumed run, a plot) and tested without a GPU. Optimizers
 * take a schedule or a plain number as their `lr`.
 */
import { checkNonNegativeInt, checkNonNegativeNumber, checkNumberInRange, checkPositiveInt } from '../validate.js';

/** A learning rate as a function of the step index (an integer >= 0). */
export type LrSchedule = (step: number) => number;

/** Wraps a formula so every schedule refuses a step that is not an integer >= 0. */
function schedule(formula: (step: number) => number): LrSchedule {
  return (step) => formula(checkNonNegativeInt('step', step));
}

/**
 * The same learning rate at every step.
 * @throws RangeError or TypeError when lr is not a finite number >= 0
 */
export function constantLr(lr: number): LrSchedule {
  checkNonNegativeNumber('lr', lr);
  return schedule(() => lr);
}

/** lr·gamma^floor(step / stepSize): PyTorch's StepLR. gamma in (0, 1]. */
export function stepLr(opts: { lr: number; stepSize: number; gamma: number }): LrSchedule {
  const lr = checkNonNegativeNumber('opts.lr', opts.lr);
  const stepSize = checkPositiveInt('opts.stepSize', opts.stepSize);
  const gamma = checkNumberInRange('opts.gamma', opts.gamma, 0, 1, true);
  return schedule((step) => lr * gamma ** Math.floor(step / stepSize));
}

/**
 * Cosine annealing from lr down to minLr over totalSteps, then minLr:
 * minLr + (lr - minLr)·(1 + cos(π·min(step, totalSteps)/totalSteps))/2 (PyTorch's
 * CosineAnnealingLR, without restarts). minLr in [0, lr], default 0.
 */
export function cosineLr(opts: { lr: number; totalSteps: number; minLr?: number }): LrSchedule {
  const lr = checkNonNegativeNumber('opts.lr', opts.lr);
  const totalSteps = checkPositiveInt('opts.totalSteps', opts.totalSteps);
  const minLr = checkNumberInRange('opts.minLr', opts.minLr ?? 0, 0, lr);
  return schedule((step) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps))) / 2);
}

/**
 * Linear warm-up in front of a schedule: for step < warmupSteps, after(0)·(step + 1)/warmupSteps,
 * so the first step already moves and the last warm-up step reaches after(0); from then on,
 * after(step - warmupSteps). A cosine schedule after warm-up counts its totalSteps from its end.
 */
export function linearWarmup(after: LrSchedule, warmupSteps: number): LrSchedule {
  if (typeof after !== 'function') throw new TypeError(`after must be a learning-rate schedule (a function of the step), got ${typeof after}`);
  checkNonNegativeInt('warmupSteps', warmupSteps);
  return schedule((step) => (step < warmupSteps ? (after(0) * (step + 1)) / warmupSteps : after(step - warmupSteps)));
}
