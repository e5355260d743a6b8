import { expect, it } from 'vitest';
import { describeGpu } from './harness/gpu.js';

describeGpu('runtime', (run) => {
  it('runs a kernel and reads its output back, one tensor or several in one round trip', async () => {
    expect(Array.from(await run('roundTrip'))).toEqual([0, 42, 0]);
    const many = await run('readAll');
    expect([Array.from(many.a), Array.from(many.b), Array.from(many.c)]).toEqual([[0.5, -1.25, 3, Math.fround(1e-30), 5], [0, 42, 0], [7, 4294967295]]);
    expect(many.ints).toBe(true);
    expect(many.destroyed).toMatch(/read of a destroyed tensor \(tensors\[1\]\)/);
  });

  it('copy moves a range after the dispatch that wrote it, and refuses another dtype, one tensor, ranges past either end, a fractional offset and a destroyed tensor', async () => {
    const got = await run('copy');
    expect(Array.from(got.copied)).toEqual([9, 9, 9, 42, 0]);
    expect(Array.from(got.whole)).toEqual([0, 42, 0]);
    const r = got.refusals;
    expect(r.dtype).toEqual({ name: 'TypeError', message: 'copy: dst must hold f32 like src, got u32', leaked: 0 });
    expect(r.same).toEqual({ name: 'RangeError', message: 'copy: src and dst must be different tensors', leaked: 0 });
    expect(r.srcRange).toEqual({ name: 'RangeError', message: 'copy: srcOffset + length must be at most src.length 3, got 2 + 2', leaked: 0 });
    expect(r.dstRange).toEqual({ name: 'RangeError', message: 'copy: dstOffset + length must be at most dst.length 5, got 4 + 2', leaked: 0 });
    expect(r.offset).toEqual({ name: 'TypeError', message: 'srcOffset must be an integer in [0, 3], got 0.5', leaked: 0 });
    expect(r.destroyed).toEqual({ name: 'DestroyedError', message: 'copy from a destroyed tensor', leaked: 0 });
  });

  it('a WGSL type error is a ShaderCompileError carrying the compiler message with its line', async () => {
    const error = await run('compileError').catch((e: Error) => e);
    expect(error.name).toBe('ShaderCompileError');
    expect(error.message).toMatch(/WGSL kernel 'broken' failed to compile/);
    expect(error.message).toMatch(/broken\.wgsl:\d+:\d+: .*(u32|abstract-float|f32)/);
  });

  it('WGSL that does not parse is a ShaderCompileError too', async () => {
    const error = await run('parseError').catch((e: Error) => e);
    expect(error.name).toBe('ShaderCompileError');
    expect(error.message).toMatch(/WGSL kernel 'unparsable' failed to compile/);
  });

  it('a binding name the kernel does not declare is refused', async () => {
    await expect(run('unknownBinding')).rejects.toThrow(/kernel 'write42' has no binding 'extra'/);
  });

  it('freeing a tensor that encoded work still reads is safe: the work is submitted first', async () => {
    expect(Array.from(await run('destroyWhilePending'))).toEqual([12, 24, 36]);
  });

  it('a buffer above maxStorageBufferBindingSize is refused before allocation', async () => {
    const error = await run('tooLarge').catch((e: Error) => e);
    expect(error.name).toBe('BufferTooLargeError');
    expect(error.message).toMatch(/huge needs \d+ bytes, above this device's maxStorageBufferBindingSize/);
  });

  it('a WebGPU validation error surfaces as GpuValidationError at the next sync', async () => {
    const error = await run('validationError').catch((e: Error) => e);
    expect(error.name).toBe('GpuValidationError');
  });

  it('device loss surfaces as DeviceLostError', async () => {
    const error = await run('deviceLost').catch((e: Error) => e);
    expect(error.name).toBe('DeviceLostError');
    expect(error.message).toMatch(/GPU device lost \(destroyed\)/);
  });
});
