/**
 * GPU cases for the conv gradient kernels: the weight gradient at the stored taps, the per-channel
 * sums (bias gradient), global average pooling and 2x2 average pooling. Inputs arrive already in the activation layout;
 * every output starts filled with NaN, so an element a kernel leaves unwritten (padding included)
 * shows up in the result. `alias` makes the output a view of the named input's buffer, to check
 * the refusal.
 */
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { channelSumsInto, type PlaneDims } from '../../src/kernels/channel-sums.js';
import type { FoldOptions } from '../../src/kernels/grid.js';
import { avgPool2dBackwardInto, avgPool2dForwardInto, globalAvgPoolBackwardInto, globalAvgPoolForwardInto, type ImageDims } from '../../src/kernels/pool.js';
import { type ConvSddmmOptions, convSddmmInto } from '../../src/kernels/sddmm-conv.js';
import type { ConvDims } from '../../src/sparse/conv-geometry.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { GpuCsr } from '../../src/sparse/gpu-csr.js';
import { defineCases } from '../harness/case.js';
import { nanFilled, type Own, withTensors } from './conv-tensors.js';

/**
 * Uploads `inputs` and makes a NaN-filled output of `outLength`, or, when `alias` names an input,
 * an output viewing that input's buffer (sized for both).
 */
function operands<K extends string>(
  ctx: Context,
  own: Own,
  inputs: Record<K, Float32Array>,
  outLength: number,
  alias: K | null | undefined,
): { tensors: Record<K, GpuTensor<'f32'>>; out: GpuTensor<'f32'> } {
  const tensors = {} as Record<K, GpuTensor<'f32'>>;
  let out: GpuTensor<'f32'> | undefined;
  for (const name of Object.keys(inputs) as K[]) {
    const data = inputs[name];
    if (name === alias) {
      const shared = nanFilled(Math.max(data.length, outLength));
      shared.set(data);
      const base = own(ctx.upload('f32', shared));
      tensors[name] = ctx.wrap(base.buffer, 'f32', data.length);
      out = ctx.wrap(base.buffer, 'f32', outLength);
    } else {
      tensors[name] = own(ctx.upload('f32', data));
    }
  }
  return { tensors, out: out ?? own(ctx.upload('f32', nanFilled(outLength))) };
}

/** Params cross the wire as JSON-like data, where an absent field arrives as null. */
interface Common {
  fold?: FoldOptions | null;
}

type PoolParams<D> = Common & { backward: boolean; dims: D; input: Float32Array; outLength: number; alias?: 'input' | null };

/** Runs one pooling pass from `input` into an output of `outLength` elements, read back. */
function poolPass<D>(ctx: Context, p: PoolParams<D>, run: (ctx: Context, src: GpuTensor<'f32'>, dst: GpuTensor<'f32'>, dims: D, opts?: FoldOptions) => Promise<void>): Promise<Float32Array> {
  return withTensors(async (own) => {
    const { tensors, out } = operands(ctx, own, { input: p.input }, p.outLength, p.alias);
    await run(ctx, tensors.input, out, p.dims, p.fold ?? undefined);
    return ctx.read(out);
  });
}

export const convGradCases = defineCases({
  /** dw at the filter's stored taps; `dwLength` overrides its length (default w.nnz), `lanes` the kernel's choice. */
  convSddmm: (
    ctx,
    p: Common & { w: CsrMatrix; dims: ConvDims; x: Float32Array; dy: Float32Array; dwLength?: number | null; alias?: 'x' | 'dy' | null; lanes?: ConvSddmmOptions['lanes'] | null },
  ) =>
    withTensors(async (own) => {
      const w = own(GpuCsr.upload(ctx, p.w));
      const { tensors, out } = operands(ctx, own, { x: p.x, dy: p.dy }, p.dwLength ?? w.nnz, p.alias);
      await convSddmmInto(ctx, w, tensors.dy, tensors.x, out, p.dims, { ...p.fold, ...(p.lanes != null && { lanes: p.lanes }) });
      return ctx.read(out);
    }),

  /** db = channel sums of dy; `dbLength` overrides its length (default dims.channels). */
  channelSums: (ctx, p: Common & { dims: PlaneDims; dy: Float32Array; dbLength?: number | null; alias?: 'dy' | null }) =>
    withTensors(async (own) => {
      const { tensors, out } = operands(ctx, own, { dy: p.dy }, p.dbLength ?? p.dims.channels, p.alias);
      await channelSumsInto(ctx, tensors.dy, out, p.dims, p.fold ?? undefined);
      return ctx.read(out);
    }),

  /** Global average pooling forward (x to y) or backward (dy to dx), output of `outLength` elements. */
  pool: (ctx, p: PoolParams<PlaneDims>) => poolPass(ctx, p, p.backward ? globalAvgPoolBackwardInto : globalAvgPoolForwardInto),

  /** 2x2 average pooling forward (x to y) or backward (dy to dx), output of `outLength` elements. */
  avgPool2d: (ctx, p: PoolParams<ImageDims>) => poolPass(ctx, p, p.backward ? avgPool2dBackwardInto : avgPool2dForwardInto),
});
