/**
 * CSR sparse x dense products: the forward pass Y = X·Wᵀ (+ b) and the backward-data pass
 * dX = dY·W, both on shaders/spmm_csr.wgsl (the second walks Wᵀ's pattern and reads W's values
 * through a permutation), each optionally with the neighbouring activation fused into its
 * epilogue. Operands and results are in the activation layout (feature-major.ts).
 * Host side: tile choice, validation, dispatch shape, and the one-shot csrMatmul.
 */
import source from '../../shaders/spmm_csr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { GpuCsr, type GpuCsrPattern } from '../sparse/gpu-csr.js';
import { validateCsr } from '../sparse/csr.js';
import { fromActivationLayout, toActivationLayout } from '../sparse/activation-layout.js';
import { checkFiniteFloat32, checkLength, checkPositiveInt } from '../validate.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import type { Activation } from './activation.js';
import { type Epilogue, epilogueArgs, withActivationEpilogue } from './epilogue.js';
import { gridFor } from './grid.js';
import { batchTiles, batchTilesWgsl, checkSpmmTiles, type SpmmTiles } from './spmm-tiles.js';

export const spmmCsrKernel: KernelSource = { name: 'spmm_csr', source: /* @__PURE__ */ withActivationEpilogue(composedSource([batchTilesWgsl, source])) };

/** The vec4 groups per invocation (bv) the kernel is written for. */
export const SPMM_CSR_GROUPS_PER_INVOCATION = [1, 2, 4, 8] as const;

/** wgB invocations along the batch share a row, wgR rows per workgroup; see spmm-tiles.ts. */
export type SpmmCsrConfig = SpmmTiles<(typeof SPMM_CSR_GROUPS_PER_INVOCATION)[number]>;

/**
 * 64 invocations per workgroup. Each invocation takes as many vec4 groups as the batch has, up to
 * 8 (one (column, value) load then feeds bv vec4 FMAs; 8 still fits the accumulators in
 * registers); 4 invocations share a row once the batch has 4 groups.
 */
export function chooseSpmmCsrConfig(batch: number): SpmmCsrConfig {
  const groups = featureMajorStride(batch) / 4;
  const wgB = groups >= 4 ? 4 : 1;
  const perInvocation = Math.ceil(groups / wgB);
  const bv = SPMM_CSR_GROUPS_PER_INVOCATION.find((n) => n >= perInvocation) ?? 8;
  return { wgB, wgR: 64 / wgB, bv };
}

interface SpmmOperands {
  pattern: GpuCsrPattern;
  values: GpuTensor<'f32'>;
  perm?: GpuTensor<'u32'>;
  aT: GpuTensor<'f32'>;
  c: GpuTensor<'f32'>;
  bias?: GpuTensor<'f32'>;
  epilogue?: Epilogue;
}

/** cT (pattern.rows x stride) = (A·Sᵀ)ᵀ (+ bias), from aT (pattern.cols x stride); stride = featureMajorStride(batch). */
async function spmm(ctx: Context, op: SpmmOperands, batch: number, config: SpmmCsrConfig): Promise<void> {
  const { pattern, values, perm, aT, c, bias, epilogue } = op;
  if (perm && bias) throw new Error('spmm_csr: a pass reads a permutation or a bias, not both (they share a binding)');
  checkSpmmTiles(ctx, config, SPMM_CSR_GROUPS_PER_INVOCATION);
  const fused = epilogueArgs(ctx, epilogue, { c }, { aT, ...(bias && { bias }) });
  const groups = featureMajorStride(batch) / 4;
  const tilesB = batchTiles(groups, config);
  const tiles = tilesB * Math.ceil(pattern.rows / config.wgR);
  await ctx.dispatch(spmmCsrKernel, {
    constants: {
      WG_B: config.wgB,
      WG_R: config.wgR,
      BV: config.bv,
      PERMUTED: perm !== undefined,
      HAS_BIAS: bias !== undefined,
      ...fused.constants,
    },
    buffers: {
      rowPtr: pattern.rowPtr,
      colIdx: pattern.colIdx,
      values,
      // perm and the bias share a binding (no pass has both); without either it gets a buffer the kernel already reads.
      extra: perm ?? bias ?? pattern.colIdx,
      rowOrder: pattern.rowOrder,
      aT,
      cT: c,
      aux: fused.aux,
    },
    uniforms: { batch, rows: pattern.rows, groups, tilesB, tiles, ...fused.uniforms },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/**
 * Forward pass: y = X·Wᵀ (+ bias) from xT = X, both in the activation layout (w.rows and w.cols
 * rows of featureMajorStride(batch)); y's padding is written 0.
 */
export function csrForwardInto(
  ctx: Context,
  w: GpuCsr,
  xT: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  batch: number,
  bias?: GpuTensor<'f32'>,
  config: SpmmCsrConfig = chooseSpmmCsrConfig(batch),
): Promise<void> {
  return forwardPass(ctx, w, xT, { y }, y, batch, bias, undefined, config);
}

/**
 * Forward pass with the following activation fused: z = X·Wᵀ (+ bias) and y = act(z) in one pass,
 * all in the activation layout (w.rows rows); z is what the activation's backward pass needs.
 */
export function csrForwardActivatedInto(
  ctx: Context,
  w: GpuCsr,
  xT: GpuTensor<'f32'>,
  out: { z: GpuTensor<'f32'>; y: GpuTensor<'f32'> },
  batch: number,
  activation: Activation,
  bias?: GpuTensor<'f32'>,
  config: SpmmCsrConfig = chooseSpmmCsrConfig(batch),
): Promise<void> {
  return forwardPass(ctx, w, xT, { z: out.z, y: out.y }, out.z, batch, bias, { kind: 'activate', activation, aux: out.y }, config);
}

/** The checked forward pass into c; `outputs` names every tensor of w.rows rows it writes (c and an epilogue's aux). */
async function forwardPass(
  ctx: Context,
  w: GpuCsr,
  xT: GpuTensor<'f32'>,
  outputs: Record<string, GpuTensor<'f32'>>,
  c: GpuTensor<'f32'>,
  batch: number,
  bias: GpuTensor<'f32'> | undefined,
  epilogue: Epilogue | undefined,
  config: SpmmCsrConfig,
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkFeatureMajor('xT', xT, w.cols, 'w.cols', batch);
  for (const [name, t] of Object.entries(outputs)) checkFeatureMajor(name, t, w.rows, 'w.rows', batch);
  if (bias) checkLength('bias', bias, w.rows, 'w.rows');
  await spmm(ctx, { pattern: w.pattern, values: w.values, aT: xT, c, bias, epilogue }, batch, config);
}

/**
 * Backward-data pass: dx = dY·W from dyT = dY, both in the activation layout (w.cols and w.rows
 * rows). Walks Wᵀ's pattern over W's own values.
 */
export function csrBackwardDataInto(
  ctx: Context,
  w: GpuCsr,
  dyT: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  batch: number,
  config: SpmmCsrConfig = chooseSpmmCsrConfig(batch),
): Promise<void> {
  return backwardDataPass(ctx, w, dyT, { dx }, dx, batch, undefined, config);
}

/**
 * Backward-data pass into the layer below's pre-activation: dz = (dY·W) ⊙ act'(z), where z
 * (w.cols rows) is the pre-activation of the activation between that layer and this one. One pass
 * instead of csrBackwardDataInto followed by the activation's backward pass.
 */
export function csrBackwardDataSlopeInto(
  ctx: Context,
  w: GpuCsr,
  dyT: GpuTensor<'f32'>,
  below: { z: GpuTensor<'f32'>; dz: GpuTensor<'f32'> },
  batch: number,
  activation: Activation,
  config: SpmmCsrConfig = chooseSpmmCsrConfig(batch),
): Promise<void> {
  return backwardDataPass(ctx, w, dyT, { z: below.z, dz: below.dz }, below.dz, batch, { kind: 'slope', activation, aux: below.z }, config);
}

/** The checked backward-data pass into c; `inFeatureTensors` names every tensor of w.cols rows it touches. */
async function backwardDataPass(
  ctx: Context,
  w: GpuCsr,
  dyT: GpuTensor<'f32'>,
  inFeatureTensors: Record<string, GpuTensor<'f32'>>,
  c: GpuTensor<'f32'>,
  batch: number,
  epilogue: Epilogue | undefined,
  config: SpmmCsrConfig,
): Promise<void> {
  checkPositiveInt('batch', batch);
  checkFeatureMajor('dyT', dyT, w.rows, 'w.rows', batch);
  for (const [name, t] of Object.entries(inFeatureTensors)) checkFeatureMajor(name, t, w.cols, 'w.cols', batch);
  const t = w.transposed;
  await spmm(ctx, { pattern: t, values: w.values, perm: t.perm, aT: dyT, c, epilogue }, batch, config);
}

/** One-shot (public API): upload w and x (batch x w.cols, row-major), Y = X·Wᵀ on the GPU, read back. */
export async function csrMatmul(ctx: Context, w: CsrMatrix, x: Float32Array, batch: number): Promise<Float32Array> {
  validateCsr(w, 'w');
  checkPositiveInt('batch', batch);
  checkFiniteFloat32('x', x, { length: batch * w.cols, why: 'batch*w.cols' });
  const gw = GpuCsr.upload(ctx, w);
  const xT = ctx.upload('f32', toActivationLayout(x, batch, w.cols), 'csrMatmul.x');
  const y = ctx.zeros('f32', w.rows * featureMajorStride(batch), 'csrMatmul.y');
  try {
    await csrForwardInto(ctx, gw, xT, y, batch);
    return fromActivationLayout(await ctx.read(y), batch, w.rows);
  } finally {
    for (const t of [xT, y]) t.destroy();
    gw.destroy();
  }
}
