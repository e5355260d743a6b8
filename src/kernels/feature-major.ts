/**
 * The layout the sparse kernels read dense operands in: feature-major, aT[f][b] = a[b][f], each
 * row padded with zeros to a multiple of 4 batch elements so it is whole vec4s. Host side of
 * shaders/feature_major.wgsl, which converts a batch-major (row-major batch x features) tensor.
 */
import source from '../../shaders/feature_major.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { featureMajorStride } from '../sparse/activation-layout.js';
import { checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { type FoldOptions, gridFor } from './grid.js';

export const featureMajorKernel: KernelSource = { name: 'feature_major', source };

const WORKGROUP = 64;

export { featureMajorStride };

/** `t` must be a feature-major tensor of `features` rows (named `featuresName` in the message) for `batch`. */
export function checkFeatureMajor(name: string, t: GpuTensor<'f32'>, features: number, featuresName: string, batch: number): void {
  checkTensor(name, t, 'f32', features * featureMajorStride(batch), `${featuresName}*featureMajorStride(batch)`);
}

/**
 * A convolution's activations, whichever are given: x and dx are its input images (cIn·h·w
 * features), y and dy its output images (cOut·ho·wo features), all for geometry g's batch.
 */
export function checkConvActivations(
  g: { batch: number; cIn: number; h: number; w: number; ho: number; wo: number },
  cOut: number,
  t: { x?: GpuTensor<'f32'>; y?: GpuTensor<'f32'>; dy?: GpuTensor<'f32'>; dx?: GpuTensor<'f32'> },
): void {
  for (const [name, tensor] of Object.entries(t)) {
    if (!tensor) continue;
    const input = name === 'x' || name === 'dx';
    checkFeatureMajor(name, tensor, input ? g.cIn * g.h * g.w : cOut * g.ho * g.wo, input ? 'cIn*h*w' : 'cOut*ho*wo', g.batch);
  }
}

/** The operands every SDDMM takes: dyT (w.rows rows) and xT (w.cols rows) feature-major, dw one value per stored entry. */
export function checkSddmmOperands(
  w: { rows: number; cols: number },
  operands: { dyT: GpuTensor<'f32'>; xT: GpuTensor<'f32'>; dw: GpuTensor<'f32'> },
  stored: { length: number; name: string },
  batch: number,
): void {
  checkPositiveInt('batch', batch);
  checkFeatureMajor('dyT', operands.dyT, w.rows, 'w.rows', batch);
  checkFeatureMajor('xT', operands.xT, w.cols, 'w.cols', batch);
  checkTensor('dw', operands.dw, 'f32', stored.length, stored.name);
}

/** aT (features x featureMajorStride(batch)) = transpose of a (batch x features), padding 0. */
export async function toFeatureMajorInto(
  ctx: Context,
  a: GpuTensor<'f32'>,
  aT: GpuTensor<'f32'>,
  batch: number,
  features: number,
  opts: FoldOptions = {},
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkPositiveInt('features', features);
  checkTensor('a', a, 'f32', batch * features, 'batch*features');
  const stride = featureMajorStride(batch);
  checkTensor('aT', aT, 'f32', features * stride, 'features*featureMajorStride(batch)');
  checkNoAliasing({ aT }, { a });
  const groups = stride / 4;
  await ctx.dispatch(featureMajorKernel, {
    constants: { WG: WORKGROUP },
    buffers: { a, aT },
    uniforms: { batch, features, groups },
    workgroups: gridFor(ctx, Math.ceil((features * groups) / WORKGROUP), opts),
  });
}

/** A new feature-major tensor holding a's transpose. */
export async function toFeatureMajor(
  ctx: Context,
  a: GpuTensor<'f32'>,
  batch: number,
  features: number,
  label = 'featureMajor',
): Promise<GpuTensor<'f32'>> {
  checkPositiveInt('batch', batch);
  checkPositiveInt('features', features);
  const aT = ctx.zeros('f32', features * featureMajorStride(batch), label);
  try {
    await toFeatureMajorInto(ctx, a, aT, batch, features);
  } catch (error) {
    aT.destroy();
    throw error;
  }
  return aT;
}
