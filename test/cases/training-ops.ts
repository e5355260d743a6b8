/** GPU cases for the training building blocks: activations, softmax cross-entropy, optimizers. */
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { type Activation, activationBackwardInto, activationForwardInto } from '../../src/kernels/activation.js';
import { type SoftmaxXentOptions, type XentDims, softmaxXent, softmaxXentInto } from '../../src/kernels/softmax-xent.js';
import { type AdamOptions, type SgdOptions, Adam, Sgd } from '../../src/train/optimizers.js';
import { type LrSchedule, constantLr, cosineLr, linearWarmup, stepLr } from '../../src/train/schedule.js';
import { featureMajorStride, fromActivationLayout, toActivationLayout } from '../../src/sparse/activation-layout.js';
import { defineCases } from '../harness/case.js';
import { countDispatches } from '../harness/dispatch-count.js';

type HostArray = Float32Array | Uint32Array | number;
/** A tensor per entry: u32 for a Uint32Array, f32 for a Float32Array or a length (zeros). */
type TensorsOf<A extends Record<string, HostArray>> = { [K in keyof A]: A[K] extends Uint32Array ? GpuTensor<'u32'> : GpuTensor<'f32'> };

/** Runs `body` on freshly made tensors and frees them afterwards, whatever happens. */
async function withTensors<A extends Record<string, HostArray>, T>(ctx: Context, arrays: A, body: (t: TensorsOf<A>) => Promise<T>): Promise<T> {
  const tensors: Record<string, GpuTensor> = {};
  try {
    for (const [name, a] of Object.entries(arrays)) {
      tensors[name] = typeof a === 'number' ? ctx.zeros('f32', a, name) : a instanceof Uint32Array ? ctx.upload('u32', a, name) : ctx.upload('f32', a, name);
    }
    return await body(tensors as TensorsOf<A>);
  } finally {
    for (const t of Object.values(tensors)) t.destroy();
  }
}

/** A learning-rate schedule as plain data, since functions cannot cross to the browser. */
export type ScheduleSpec =
  | { kind: 'constant'; lr: number }
  | { kind: 'step'; lr: number; stepSize: number; gamma: number }
  | { kind: 'cosine'; lr: number; totalSteps: number; minLr?: number; warmupSteps: number };

export function buildSchedule(spec: ScheduleSpec): LrSchedule {
  if (spec.kind === 'constant') return constantLr(spec.lr);
  if (spec.kind === 'step') return stepLr(spec);
  return linearWarmup(cosineLr(spec), spec.warmupSteps);
}

export type OptimizerSpec =
  | { kind: 'sgd'; options: Omit<SgdOptions, 'lr'>; schedule: ScheduleSpec }
  | { kind: 'adam'; options: Omit<AdamOptions, 'lr'>; schedule: ScheduleSpec };

export const trainingOpsCases = defineCases({
  /** Forward and backward of every listed activation on the same x and dy. */
  activations: (ctx, p: { x: Float32Array; dy: Float32Array; activations: Activation[]; maxGroupsX?: number; batch?: number }) =>
    withTensors(ctx, { x: p.x, dy: p.dy, y: p.x.length, dx: p.x.length }, async (t) => {
      const results: Array<{ y: Float32Array; dx: Float32Array }> = [];
      const opts = { maxGroupsX: p.maxGroupsX ?? undefined, batch: p.batch ?? undefined };
      for (const activation of p.activations) {
        await activationForwardInto(ctx, activation, t.x, t.y, opts);
        await activationBackwardInto(ctx, activation, t.x, t.dy, t.dx, opts);
        results.push({ y: await ctx.read(t.y), dx: await ctx.read(t.dx) });
      }
      return results;
    }),

  /** Calls that must be refused: aliasing outputs and mismatched lengths. */
  activationMisuse: (ctx, p: { misuse: 'inPlace' | 'shortY' | 'badSpec'; activation: Activation }) =>
    withTensors(ctx, { x: new Float32Array(8), dy: new Float32Array(8), short: 7 }, async (t) => {
      if (p.misuse === 'inPlace') return activationForwardInto(ctx, p.activation, t.x, t.x);
      if (p.misuse === 'shortY') return activationBackwardInto(ctx, p.activation, t.x, t.dy, t.short);
      return activationForwardInto(ctx, p.activation, t.x, t.dy);
    }),

  /** The one-shot softmax cross-entropy (host-validated labels). */
  softmaxXent: (ctx, p: { logits: Float32Array; labels: Uint32Array; dims: XentDims; opts?: SoftmaxXentOptions; maxGroupsX?: number }) =>
    softmaxXent(ctx, p.logits, p.labels, p.dims, p.opts, { maxGroupsX: p.maxGroupsX }),

  /**
   * The GPU-tensor form with labels uploaded as given, unchecked; reports which values are NaN
   * (the JSON between Chromium and vitest cannot carry NaN itself).
   */
  softmaxXentNaNs: (ctx, p: { logits: Float32Array; labels: Uint32Array; dims: XentDims }) =>
    withTensors(
      ctx,
      {
        logits: toActivationLayout(p.logits, p.dims.batch, p.dims.classes),
        labels: p.labels,
        loss: p.dims.batch,
        dLogits: p.dims.classes * featureMajorStride(p.dims.batch),
        predictions: new Uint32Array(p.dims.batch),
      },
      async ({ logits, labels, ...out }) => {
        await softmaxXentInto(ctx, logits, labels, out, p.dims);
        const isNaN = (a: Float32Array) => Array.from(a, Number.isNaN);
        return { loss: isNaN(await ctx.read(out.loss)), dLogits: isNaN(fromActivationLayout(await ctx.read(out.dLogits), p.dims.batch, p.dims.classes)) };
      },
    ),

  /**
   * Steps an optimizer over several parameters: grads[t][i] is parameter i's gradient at step t.
   * Returns the final values, the learning rate each step used and the dispatches per step.
   */
  optimizerSteps: async (ctx, p: { optimizer: OptimizerSpec; values: Float32Array[]; grads: Float32Array[][]; maxGroupsX?: number }) => {
    const parameters = p.values.map((v, i) => ({ values: ctx.upload('f32', v, `values[${i}]`), grad: ctx.zeros('f32', v.length, `grad[${i}]`) }));
    try {
      const spec = p.optimizer;
      const lr = buildSchedule(spec.schedule);
      const optimizer = spec.kind === 'sgd' ? new Sgd(ctx, parameters, { ...spec.options, lr }) : new Adam(ctx, parameters, { ...spec.options, lr });
      try {
        const lrs: number[] = [];
        const { dispatches } = await countDispatches(ctx, async () => {
          for (const grads of p.grads) {
            grads.forEach((g, i) => ctx.write(parameters[i]!.grad, g));
            lrs.push(optimizer.lr);
            await optimizer.step();
            // The next ctx.write must not overtake this step's dispatches, which wait for a submit.
            ctx.flush();
          }
        });
        return { values: await Promise.all(parameters.map((q) => ctx.read(q.values))), lrs, stepCount: optimizer.stepCount, dispatchesPerStep: dispatches / p.grads.length };
      } finally {
        optimizer.destroy();
      }
    } finally {
      for (const q of parameters) for (const t of [q.values, q.grad]) t.destroy();
    }
  },

  /** Optimizer construction or a first step that must be refused; 'accepted' if neither throws. */
  optimizerMisuse: async (ctx, p: { misuse: 'sharedValues' | 'gradIsValues' | 'shortGrad' | 'negativeLr' | 'options'; optimizer?: OptimizerSpec }) => {
    const a = { values: ctx.zeros('f32', 8, 'a'), grad: ctx.zeros('f32', 8, 'a.grad') };
    const b = { values: ctx.zeros('f32', 8, 'b'), grad: ctx.zeros('f32', 7, 'b.grad') };
    const make = (): Sgd | Adam => {
      if (p.misuse === 'sharedValues') return new Sgd(ctx, [a, { values: a.values, grad: b.values }], { lr: 0.1 });
      if (p.misuse === 'gradIsValues') return new Sgd(ctx, [a, { values: b.values, grad: a.values }], { lr: 0.1 });
      if (p.misuse === 'shortGrad') return new Adam(ctx, [a, b], { lr: 0.1 });
      // A schedule is only evaluated at a step.
      if (p.misuse === 'negativeLr') return new Sgd(ctx, [a], { lr: () => -1 });
      const spec = p.optimizer!;
      const lr = buildSchedule(spec.schedule);
      return spec.kind === 'sgd' ? new Sgd(ctx, [a], { ...spec.options, lr }) : new Adam(ctx, [a], { ...spec.options, lr });
    };
    try {
      const optimizer = make();
      try {
        await optimizer.step();
      } finally {
        optimizer.destroy();
      }
      return 'accepted';
    } finally {
      for (const t of [a.values, a.grad, b.values, b.grad]) t.destroy();
    }
  },
});
