/**
 * Optimizers from a plain, serialisable description (what the CLI, the compare runner and the mask
 * generators' trainer pass around): SGD or Adam/AdamW with a learning-rate schedule.
 */
import type { Context } from '../gpu/context.js';
import type { TrainableTensor } from '../nn/layer.js';
import { Adam, Sgd } from './optimizers.js';
import { constantLr, cosineLr, linearWarmup, type LrSchedule, stepLr } from './schedule.js';

/** An optimizer as plain data: kind, learning rate, its schedule and hyperparameters. */
export interface OptimizerSpec {
  kind: 'sgd' | 'adam' | 'adamw';
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  schedule?: 'constant' | 'cosine' | 'step';
  warmupSteps?: number;
}

/**
 * The learning-rate schedule a spec describes over `totalSteps` steps.
 * @throws RangeError naming the field when the schedule or its parameters are out of range
 */
export function learningRateSchedule(spec: OptimizerSpec, totalSteps: number): LrSchedule {
  const warmup = spec.warmupSteps ?? 0;
  const after = totalSteps - warmup;
  const base =
    spec.schedule === 'cosine'
      ? cosineLr({ lr: spec.lr, totalSteps: Math.max(1, after) })
      : spec.schedule === 'step'
        ? stepLr({ lr: spec.lr, stepSize: Math.max(1, Math.floor(after / 3)), gamma: 0.1 })
        : constantLr(spec.lr);
  return warmup > 0 ? linearWarmup(base, warmup) : base;
}

/** The optimizer an OptimizerSpec names, with its learning-rate schedule over totalSteps. */
export function createOptimizer(ctx: Context, params: readonly TrainableTensor[], spec: OptimizerSpec, totalSteps: number): Sgd | Adam {
  const lr = learningRateSchedule(spec, totalSteps);
  const { kind, momentum, nesterov, weightDecay } = spec;
  return kind === 'sgd' ? new Sgd(ctx, params, { lr, momentum, nesterov, weightDecay }) : new Adam(ctx, params, { lr, weightDecay, decoupledWeightDecay: kind === 'adamw' });
}
