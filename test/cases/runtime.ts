import { createContext } from '../../src/gpu/context.js';
import { axpyInto } from '../../src/kernels/axpy.js';
import { defineCases } from '../harness/case.js';
import { refusal } from '../harness/refusal.js';

const tiny = (body: string) => `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { ${body} }`;

export const runtimeCases = defineCases({
  /** WGSL that parses but does not type-check: the compiler's message must come through. */
  compileError: async (ctx) => {
    const out = ctx.zeros('f32', 1);
    await ctx.dispatch({ name: 'broken', source: tiny('let x: u32 = 1.5; out[0] = f32(x);') }, { buffers: { out }, workgroups: [1] });
  },
  /** WGSL that does not parse at all. */
  parseError: async (ctx) => {
    const out = ctx.zeros('f32', 1);
    await ctx.dispatch({ name: 'unparsable', source: tiny('out[0] = ;') }, { buffers: { out }, workgroups: [1] });
  },
  /** A valid tiny kernel, and a binding name the WGSL does not have. */
  roundTrip: async (ctx) => {
    const out = ctx.zeros('f32', 3);
    await ctx.dispatch({ name: 'write42', source: tiny('out[1] = 42.0;') }, { buffers: { out }, workgroups: [1] });
    return ctx.read(out);
  },
  /** Several tensors of both dtypes and odd lengths read back in one round trip, after a dispatch wrote one. */
  readAll: async (ctx) => {
    const out = ctx.zeros('f32', 3);
    await ctx.dispatch({ name: 'write42', source: tiny('out[1] = 42.0;') }, { buffers: { out }, workgroups: [1] });
    const ints = ctx.upload('u32', new Uint32Array([7, 4294967295]));
    const floats = ctx.upload('f32', new Float32Array([0.5, -1.25, 3, 1e-30, 5]));
    const [a, b, c] = await ctx.readAll<'f32' | 'u32'>([floats, out, ints]);
    floats.destroy();
    const destroyed = await ctx.readAll([out, floats]).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    return { a, b, c, ints: c instanceof Uint32Array, destroyed };
  },
  /**
   * ctx.copy after a dispatch wrote its source (in order), a whole-tensor copy, and its refusals
   * as { name, message, leaked }.
   */
  copy: async (ctx) => {
    const src = ctx.zeros('f32', 3);
    await ctx.dispatch({ name: 'write42', source: tiny('out[1] = 42.0;') }, { buffers: { out: src }, workgroups: [1] });
    const dst = ctx.upload('f32', Float32Array.of(9, 9, 9, 9, 9));
    ctx.copy(src, dst, { srcOffset: 1, dstOffset: 3, length: 2 });
    const whole = ctx.zeros('f32', 3);
    ctx.copy(src, whole);
    const ints = ctx.zeros('u32', 3);
    const gone = ctx.zeros('f32', 3);
    gone.destroy();
    const refusals = {
      dtype: await refusal(ctx, () => ctx.copy(src, ints as never)),
      same: await refusal(ctx, () => ctx.copy(src, src, { dstOffset: 1, length: 1 })),
      srcRange: await refusal(ctx, () => ctx.copy(src, dst, { srcOffset: 2, length: 2 })),
      dstRange: await refusal(ctx, () => ctx.copy(src, dst, { dstOffset: 4, length: 2 })),
      offset: await refusal(ctx, () => ctx.copy(src, dst, { srcOffset: 0.5 })),
      destroyed: await refusal(ctx, () => ctx.copy(gone, dst)),
    };
    const [copied, all] = await ctx.readAll([dst, whole]);
    return { copied, whole: all, refusals };
  },
  unknownBinding: async (ctx) => {
    const out = ctx.zeros('f32', 1);
    await ctx.dispatch({ name: 'write42', source: tiny('out[1] = 42.0;') }, { buffers: { out, extra: out }, workgroups: [1] });
  },
  /** A tensor freed while a dispatch that reads it is encoded but not yet submitted. */
  destroyWhilePending: async (ctx) => {
    const x = ctx.upload('f32', new Float32Array([1, 2, 3]));
    const y = ctx.upload('f32', new Float32Array([10, 20, 30]));
    const out = ctx.zeros('f32', 3);
    await axpyInto(ctx, 2, x, y, out);
    x.destroy();
    y.destroy();
    await ctx.sync();
    return ctx.read(out);
  },
  tooLarge: async (ctx) => {
    ctx.zeros('f32', ctx.limits.maxStorageBufferBindingSize / 4 + 1, 'huge');
  },
  /** A WebGPU validation error raised behind our back surfaces, typed, at the next sync. */
  validationError: async (ctx) => {
    ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    await ctx.sync();
  },
  /** After the device is lost, every call says so. */
  deviceLost: async () => {
    const own = await createContext();
    const t = own.upload('f32', new Float32Array([1, 2, 3]));
    own.device.destroy();
    await own.device.lost;
    await own.read(t);
  },
});
