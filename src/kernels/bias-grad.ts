/** The bias gradient db = column sums of dY (shaders/bias_grad.wgsl); dY is batch-major. */
import source from '../../shaders/bias_grad.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkLength, checkPositiveInt } from '../validate.js';
import { checkNoAliasing } from './aliasing.js';
import { type FoldOptions, gridFor } from './grid.js';

export const biasGradKernel: KernelSource = { name: 'bias_grad', source };

const WORKGROUP = 64;

/** db (features) = sum over the batch of dy (batch x features, row-major). */
export async function biasGradInto(
  ctx: Context,
  dy: GpuTensor<'f32'>,
  db: GpuTensor<'f32'>,
  batch: number,
  features: number,
  opts: FoldOptions = {},
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkPositiveInt('features', features);
  checkLength('dy', dy, batch * features, 'batch*features');
  checkLength('db', db, features, 'features');
  checkNoAliasing({ db }, { dy });
  await ctx.dispatch(biasGradKernel, {
    constants: { WG: WORKGROUP },
    buffers: { dy, db },
    uniforms: { batch, features },
    workgroups: gridFor(ctx, Math.ceil(features / WORKGROUP), opts),
  });
}
