/**
 * GPU cases for the sparse kernels: each uploads a weight once and runs a group of passes on it,
 * the dense operands going through the feature-major conversion as in training. Every output and
 * feature-major scratch tensor starts filled with NaN, so a kernel that leaves any element (padding
 * included) unwritten shows up in the result.
 */
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { featureMajorStride, toFeatureMajorInto } from '../../src/kernels/feature-major.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import { bsrSddmmInto } from '../../src/kernels/sddmm-bsr.js';
import { csrSddmmInto } from '../../src/kernels/sddmm-csr.js';
import { bsrBackwardDataInto, bsrForwardInto, chooseSpmmBsrConfig, type SpmmBsrConfig } from '../../src/kernels/spmm-bsr.js';
import type { Activation } from '../../src/kernels/activation.js';
import {
  chooseSpmmCsrConfig,
  csrBackwardDataInto,
  csrBackwardDataSlopeInto,
  csrForwardActivatedInto,
  csrForwardInto,
  csrMatmul,
  type SpmmCsrConfig,
} from '../../src/kernels/spmm-csr.js';
import type { BsrMatrix } from '../../src/sparse/bsr.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { GpuBsr } from '../../src/sparse/gpu-bsr.js';
import { GpuCsr } from '../../src/sparse/gpu-csr.js';
import { fromActivationLayout } from '../../src/sparse/activation-layout.js';
import { defineCases } from '../harness/case.js';

/** Makes tensors for one case and frees them (and the weight) however the case ends. */
class Scratch {
  private readonly tensors: Array<{ destroy(): void }> = [];

  constructor(private readonly ctx: Context) {}

  own<T extends { destroy(): void }>(thing: T): T {
    this.tensors.push(thing);
    return thing;
  }

  input(data: Float32Array): GpuTensor<'f32'> {
    return this.own(this.ctx.upload('f32', data));
  }

  /** An output tensor full of NaN. */
  output(length: number): GpuTensor<'f32'> {
    return this.input(new Float32Array(length).fill(Number.NaN));
  }

  /** An activation-layout output (features x featureMajorStride(batch)) full of NaN. */
  activation(features: number, batch: number): GpuTensor<'f32'> {
    return this.output(features * featureMajorStride(batch));
  }

  /** a (batch x features) converted into a NaN-prefilled feature-major tensor. */
  async featureMajor(a: GpuTensor<'f32'>, batch: number, features: number, fold?: FoldOptions): Promise<GpuTensor<'f32'>> {
    const aT = this.output(features * featureMajorStride(batch));
    await toFeatureMajorInto(this.ctx, a, aT, batch, features, fold);
    return aT;
  }

  /** p.x (batch x cols) and p.dy (batch x rows) of a rows x cols weight, converted as featureMajor does. */
  async passInputs(p: { x: Float32Array; dy: Float32Array; batch: number }, w: { rows: number; cols: number }, fold?: FoldOptions): Promise<{ xT: GpuTensor<'f32'>; dyT: GpuTensor<'f32'> }> {
    return { xT: await this.featureMajor(this.input(p.x), p.batch, w.cols, fold), dyT: await this.featureMajor(this.input(p.dy), p.batch, w.rows, fold) };
  }

  /** The NaN-filled activation-layout outputs y (rows features) and dx (cols) of a rows x cols weight. */
  passOutputs(w: { rows: number; cols: number }, batch: number): { y: GpuTensor<'f32'>; dx: GpuTensor<'f32'> } {
    return { y: this.activation(w.rows, batch), dx: this.activation(w.cols, batch) };
  }

  destroy(): void {
    for (const t of this.tensors) t.destroy();
  }
}

/**
 * An activation-layout tensor read back as batch x features; throws unless every padding element
 * is exactly 0 (the layout's invariant, which every kernel writing an activation keeps).
 */
export async function readActivation(ctx: Context, t: GpuTensor<'f32'>, batch: number, features: number): Promise<Float32Array> {
  const data = await ctx.read(t);
  const stride = featureMajorStride(batch);
  for (let f = 0; f < features; f++) {
    for (let b = batch; b < stride; b++) {
      if (!Object.is(data[f * stride + b], 0)) throw new Error(`padding element (feature ${f}, example ${b}) is ${data[f * stride + b]}, not 0`);
    }
  }
  return fromActivationLayout(data, batch, features);
}

async function withScratch<T>(ctx: Context, body: (s: Scratch) => Promise<T>): Promise<T> {
  const scratch = new Scratch(ctx);
  try {
    return await body(scratch);
  } finally {
    scratch.destroy();
  }
}

/** Params cross the wire as JSON-like data, where an absent field arrives as null. */
interface PassParams<W> {
  w: W;
  batch: number;
  /** batch x w.cols */
  x: Float32Array;
  /** batch x w.rows */
  dy: Float32Array;
  bias?: Float32Array | null;
  fold?: FoldOptions | null;
}

export const sparseCases = defineCases({
  /** The one-shot API. */
  csrMatmul: (ctx, p: { w: CsrMatrix; x: Float32Array; batch: number }) => csrMatmul(ctx, p.w, p.x, p.batch),

  /** CSR forward (with bias if given) and backward-data on one uploaded weight. */
  csrSpmm: (ctx, p: PassParams<CsrMatrix> & { config?: SpmmCsrConfig | null }) =>
    withScratch(ctx, async (s) => {
      const w = s.own(GpuCsr.upload(ctx, p.w));
      const { batch } = p;
      const fold = p.fold ?? undefined;
      const { xT, dyT } = await s.passInputs(p, w, fold);
      const { y, dx } = s.passOutputs(w, batch);
      const config = { ...(p.config ?? chooseSpmmCsrConfig(batch)), ...fold };
      await csrForwardInto(ctx, w, xT, y, batch, p.bias ? s.input(p.bias) : undefined, config);
      await csrBackwardDataInto(ctx, w, dyT, dx, batch, config);
      return { y: await readActivation(ctx, y, batch, w.rows), dx: await readActivation(ctx, dx, batch, w.cols) };
    }),

  /**
   * The passes with an activation fused: forward z = X·Wᵀ (+ bias), y = act(z); backward-data into
   * the layer below, dz = (dY·W) ⊙ act'(zBelow), zBelow (batch x w.cols) that layer's pre-activation.
   */
  csrFused: (ctx, p: PassParams<CsrMatrix> & { zBelow: Float32Array; activation: Activation }) =>
    withScratch(ctx, async (s) => {
      const w = s.own(GpuCsr.upload(ctx, p.w));
      const { batch } = p;
      const { xT, dyT } = await s.passInputs(p, w);
      const zBelow = await s.featureMajor(s.input(p.zBelow), batch, w.cols);
      const z = s.activation(w.rows, batch);
      const y = s.activation(w.rows, batch);
      const dz = s.activation(w.cols, batch);
      await csrForwardActivatedInto(ctx, w, xT, { z, y }, batch, p.activation, p.bias ? s.input(p.bias) : undefined);
      await csrBackwardDataSlopeInto(ctx, w, dyT, { z: zBelow, dz }, batch, p.activation);
      return {
        z: await readActivation(ctx, z, batch, w.rows),
        y: await readActivation(ctx, y, batch, w.rows),
        dz: await readActivation(ctx, dz, batch, w.cols),
      };
    }),

  /** CSR weight gradient (SDDMM) and bias gradient. */
  csrSddmm: (ctx, p: PassParams<CsrMatrix>) =>
    withScratch(ctx, async (s) => {
      const w = s.own(GpuCsr.upload(ctx, p.w));
      const { batch } = p;
      const fold = p.fold ?? undefined;
      const { xT, dyT } = await s.passInputs(p, w, fold);
      const dw = s.output(w.nnz);
      const db = s.output(w.rows);
      await csrSddmmInto(ctx, w, dyT, xT, { dw, db }, batch, fold);
      return { dw: await ctx.read(dw), db: await ctx.read(db) };
    }),

  /** BSR forward (with bias if given), backward-data and weight gradient on one uploaded weight. */
  bsrPasses: (ctx, p: PassParams<BsrMatrix> & { config?: SpmmBsrConfig | null }) =>
    withScratch(ctx, async (s) => {
      const w = s.own(GpuBsr.upload(ctx, p.w));
      const { batch } = p;
      const fold = p.fold ?? undefined;
      const { xT, dyT } = await s.passInputs(p, w, fold);
      const { y, dx } = s.passOutputs(w, batch);
      const dw = s.output(p.w.values.length);
      const config = { ...(p.config ?? chooseSpmmBsrConfig(batch)), ...fold };
      await bsrForwardInto(ctx, w, xT, y, batch, p.bias ? s.input(p.bias) : undefined, config);
      await bsrBackwardDataInto(ctx, w, dyT, dx, batch, config);
      await bsrSddmmInto(ctx, w, dyT, xT, dw, batch, fold);
      return { y: await readActivation(ctx, y, batch, w.rows), dx: await readActivation(ctx, dx, batch, w.cols), dw: await ctx.read(dw) };
    }),
});
