/**
 * Optimizers over parameters on the GPU. step() encodes one elementwise dispatch per two
 * parameters, taken in order (a layer's weights and biases; src/kernels/optimizer.ts), that updates
 * their values in place from their gradients; nothing is read back. For a sparse layer the values
 * are its CSR/BSR values array, so only stored entries change and the mask is kept exactly. State
 * (momentum buffers, Adam moments) lives on the GPU, one tensor per parameter, zero at the start.
 *
 * Dispatches run when the context next submits (flush, sync or read): overwrite a gradient with
 * ctx.write only after the step that reads the previous one has been submitted.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { TrainableTensor } from '../nn/layer.js';
import type { Optimizer } from './trainer.js';
import {
  type AdamHyperparameters,
  type OptimizerSlots,
  type SgdHyperparameters,
  adamStateLength,
  adamStepTensorsInto,
  checkAdamHyperparameters,
  checkSgdHyperparameters,
  sgdStateLength,
  sgdStepTensorsInto,
} from '../kernels/optimizer.js';
import { checkLength, checkNonNegativeNumber, checkObject } from '../validate.js';
import { type LrSchedule, constantLr } from './schedule.js';

/** A fixed learning rate or a schedule of the step index (src/train/schedule.ts). */
export type LearningRate = number | LrSchedule;

/** Options of Sgd, as torch.optim.SGD's (dampening 0). */
export interface SgdOptions {
  lr: LearningRate;
  /** In [0, 1); default 0. */
  momentum?: number;
  /** Default false; needs momentum > 0. */
  nesterov?: boolean;
  /** L2 penalty, >= 0; default 0. */
  weightDecay?: number;
}

/** Options of Adam, as torch.optim.Adam's and AdamW's (decoupled weight decay when `decoupledWeightDecay`). */
export interface AdamOptions {
  lr: LearningRate;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** >= 0; default 0. */
  weightDecay?: number;
  /** AdamW: decay the values directly instead of adding weightDecay·p to the gradient. Default false. */
  decoupledWeightDecay?: boolean;
}

/** What Sgd and Adam share: the parameters, the schedule, the step count and the state tensors. */
export abstract class GpuOptimizer implements Optimizer {
  private steps = 0;
  protected readonly states: Array<GpuTensor<'f32'> | undefined>;
  private readonly schedule: LrSchedule;

  constructor(
    protected readonly ctx: Context,
    readonly parameters: readonly TrainableTensor[],
    lr: LearningRate,
    stateLength: ((n: number) => number) | undefined,
    label: string,
  ) {
    checkParameters(parameters);
    this.schedule = typeof lr === 'function' ? lr : constantLr(checkNonNegativeNumber('opts.lr', lr));
    this.states = parameters.map((p, i) => (stateLength ? ctx.zeros('f32', stateLength(p.values.length), `${label}.state[${i}]`) : undefined));
  }

  /** Steps taken so far: the schedule's index for the next step. */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next step uses. */
  get lr(): number {
    return this.schedule(this.steps);
  }

  /**
   * The state tensor of the parameter whose values are `values` (momentum, or Adam's moments:
   * sections of whole vec4 words per value), undefined when it keeps none; for dynamic sparsity,
   * which moves a sparse layer's values and must move their state with them.
   */
  stateOf(values: GpuTensor<'f32'>): GpuTensor<'f32'> | undefined {
    const i = this.parameters.findIndex((p) => p.values === values);
    if (i < 0) throw new RangeError('stateOf: values is not one of this optimizer’s parameters');
    return this.states[i];
  }

  /** Encodes one update of every parameter. */
  async step(): Promise<void> {
    // Checked before any dispatch, so a bad scheduled rate leaves every parameter as it was.
    const lr = checkNonNegativeNumber(`lr at step ${this.steps}`, this.lr);
    const slot = (i: number) => ({ values: this.parameters[i]!.values, grad: this.parameters[i]!.grad, state: this.states[i] });
    for (let i = 0; i < this.parameters.length; i += 2) {
      await this.update(i + 1 < this.parameters.length ? [slot(i), slot(i + 1)] : [slot(i)], lr);
    }
    this.steps++;
  }

  /** Frees the state tensors (the parameters stay the caller's). */
  destroy(): void {
    for (const state of this.states) state?.destroy();
  }

  /** One dispatch updating one or two parameters with this step's learning rate. */
  protected abstract update(slots: OptimizerSlots, lr: number): Promise<void>;
}

function checkParameters(parameters: readonly TrainableTensor[]): void {
  if (!Array.isArray(parameters)) throw new TypeError('parameters must be an array of { values, grad }');
  const seen = new Map<GPUBuffer, number>();
  parameters.forEach((p, i) => {
    checkObject(`parameters[${i}]`, p, 'a { values, grad }');
    checkLength(`parameters[${i}].grad`, p.grad, p.values.length, 'values.length');
    const first = seen.get(p.values.buffer);
    if (first !== undefined) throw new RangeError(`parameters[${i}].values is parameters[${first}].values: each parameter is updated once per step`);
    seen.set(p.values.buffer, i);
  });
  // A step writes every parameter's values while it reads the gradients (two parameters per pass).
  parameters.forEach((p, i) => {
    const owner = seen.get(p.grad.buffer);
    if (owner !== undefined) throw new RangeError(`parameters[${i}].grad is parameters[${owner}].values: a gradient must be a tensor of its own`);
  });
}

/** SGD with momentum, Nesterov momentum and weight decay, as torch.optim.SGD (dampening 0). */
export class Sgd extends GpuOptimizer {
  private readonly hyper: Omit<SgdHyperparameters, 'lr'>;

  constructor(ctx: Context, parameters: readonly TrainableTensor[], opts: SgdOptions) {
    checkObject('opts', opts, 'an SGD options');
    const hyper = { momentum: opts.momentum ?? 0, nesterov: opts.nesterov ?? false, weightDecay: opts.weightDecay ?? 0 };
    checkSgdHyperparameters({ ...hyper, lr: 0 }, 'opts');
    super(ctx, parameters, opts.lr, hyper.momentum > 0 ? sgdStateLength : undefined, 'sgd');
    this.hyper = hyper;
  }

  protected async update(slots: OptimizerSlots, lr: number): Promise<void> {
    await sgdStepTensorsInto(this.ctx, slots, { ...this.hyper, lr });
  }
}

/** Adam with bias correction, as torch.optim.Adam; AdamW (torch.optim.AdamW) with decoupledWeightDecay. */
export class Adam extends GpuOptimizer {
  private readonly hyper: Omit<AdamHyperparameters, 'lr' | 'step'>;

  constructor(ctx: Context, parameters: readonly TrainableTensor[], opts: AdamOptions) {
    checkObject('opts', opts, 'an Adam options');
    const hyper = {
      beta1: opts.beta1 ?? 0.9,
      beta2: opts.beta2 ?? 0.999,
      epsilon: opts.epsilon ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      decoupledWeightDecay: opts.decoupledWeightDecay ?? false,
    };
    checkAdamHyperparameters({ ...hyper, lr: 0, step: 1 }, 'opts');
    super(ctx, parameters, opts.lr, adamStateLength, 'adam');
    this.hyper = hyper;
  }

  protected async update(slots: OptimizerSlots, lr: number): Promise<void> {
    await adamStepTensorsInto(this.ctx, slots, { ...this.hyper, lr, step: this.stepCount + 1 });
  }
}
