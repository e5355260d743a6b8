/** out = y + alpha · x, elementwise (shaders/axpy.wgsl). */
import source from '../../shaders/axpy.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkNumberInRange } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { gridFor } from './grid.js';

/** The axpy kernel family (shaders/axpy.wgsl), for Context.pipeline and dispatch. */
export const axpyKernel: KernelSource = { name: 'axpy', source };

const WORKGROUP_SIZE = 64;

/**
 * out = alpha·x + y elementwise on the GPU over x.length elements (out may be x or y).
 * @throws RangeError naming alpha when it is not a finite number, or y / out when their lengths differ from x's
 */
export async function axpyInto(ctx: Context, alpha: number, x: GpuTensor<'f32'>, y: GpuTensor<'f32'>, out: GpuTensor<'f32'>): Promise<void> {
  checkNumberInRange('alpha', alpha, -Number.MAX_VALUE, Number.MAX_VALUE);
  checkTensor('y', y, 'f32', x.length, 'x.length');
  checkTensor('out', out, 'f32', x.length, 'x.length');
  checkNoAliasing({ out }, { x, y });
  await ctx.dispatch(axpyKernel, {
    constants: { WORKGROUP_SIZE },
    buffers: { x, y, out },
    uniforms: { n: x.length, alpha },
    workgroups: gridFor(ctx, Math.ceil(x.length / (4 * WORKGROUP_SIZE))),
  });
}
