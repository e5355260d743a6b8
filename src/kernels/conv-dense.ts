/**
 * Dense 2-D convolution, the baseline every sparse conv kernel is measured against: forward,
 * backward-data and weight-gradient passes as implicit GEMMs on shaders/conv_dense.wgsl (im2col is
 * gathered into workgroup memory, never stored). The filter is a dense OIHW tensor (cOut x
 * cIn·kh·kw); activations are in the one activation layout (feature-major.ts). Host side:
 * validation, tile and split choice, dispatch shape.
 */
import source from '../../shaders/conv_dense.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvGeometry, convGeometry, convTaps, convUniforms, MAX_CONV_DIM } from '../sparse/conv-geometry.js';
import { checkLength, checkPositiveInt } from '../validate.js';
import { checkNoAliasing } from './aliasing.js';
import { channelSumsInto } from './channel-sums.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';
import { chooseMatmulConfig, type MatmulConfig } from './matmul.js';

export const convDenseKernel: KernelSource = { name: 'conv_dense', source };

/** The kernel's PASS constant. */
const PASSES = { forward: 0, backwardData: 1, weightGrad: 2 } as const;
export type DenseConvPass = keyof typeof PASSES;

/**
 * matmul.ts's tile shape (wgX x wgY invocations of 4x4 outputs, tileK deep per step) plus, for the
 * weight gradient, `splits`: how many ranges its long reduction is cut into, each its own
 * workgroups, their partial products summed by a second pass. Ignored by the other passes.
 */
export interface DenseConvConfig extends MatmulConfig, FoldOptions {
  /** default 1 */
  splits?: number;
}

/** The product a pass computes: C (rows x cols) summed over depth; cols in vec4 groups except for the weight gradient. */
interface Gemm {
  rows: number;
  cols: number;
  depth: number;
  /** scalar columns of C, for the tile choice */
  width: number;
}

function gemmFor(pass: DenseConvPass, g: ConvGeometry, cOut: number): Gemm {
  const groups = featureMajorStride(g.batch) / 4;
  if (pass === 'forward') {
    const cols = g.ho * g.wo * groups;
    return { rows: cOut, cols, depth: convTaps(g), width: 4 * cols };
  }
  if (pass === 'backwardData') {
    const cols = g.h * g.w * groups;
    return { rows: g.cIn, cols, depth: cOut * g.kh * g.kw, width: 4 * cols };
  }
  return { rows: cOut, cols: convTaps(g), depth: 4 * g.ho * g.wo * groups, width: convTaps(g) };
}

/** The weight gradient keeps splitting while it has fewer workgroups than this... */
const TARGET_WORKGROUPS = 128;
/** ...and every range has at least this many tileK steps. */
const MIN_STEPS_PER_SPLIT = 8;

/**
 * matmul's tile choice for the pass's product; the weight gradient, whose output (cOut x taps) is
 * small and whose reduction (pixels x batch) is long, is split until it fills about
 * TARGET_WORKGROUPS workgroups.
 */
export function chooseDenseConvConfig(pass: DenseConvPass, geometry: ConvGeometry, cOut: number): DenseConvConfig {
  const gemm = gemmFor(pass, geometry, cOut);
  const tiles = chooseMatmulConfig({ m: gemm.rows, k: gemm.depth, n: gemm.width });
  if (pass !== 'weightGrad') return tiles;
  const tilesMN = Math.ceil(gemm.rows / (4 * tiles.wgY)) * Math.ceil(gemm.width / (4 * tiles.wgX));
  const steps = Math.ceil(gemm.depth / tiles.tileK);
  const splits = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / tilesMN), Math.floor(steps / MIN_STEPS_PER_SPLIT)));
  return { ...tiles, splits };
}

function checkConfig(ctx: Context, config: DenseConvConfig): void {
  const { maxComputeWorkgroupSizeX, maxComputeWorkgroupSizeY, maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupStorageSize } = ctx.limits;
  checkPositiveInt('config.wgX', config.wgX, maxComputeWorkgroupSizeX);
  checkPositiveInt('config.wgY', config.wgY, maxComputeWorkgroupSizeY);
  if (config.wgX * config.wgY > maxComputeInvocationsPerWorkgroup) {
    throw new RangeError(`config.wgX * config.wgY must be at most ${maxComputeInvocationsPerWorkgroup}, got ${config.wgX * config.wgY}`);
  }
  checkPositiveInt('config.tileK', config.tileK);
  if (config.tileK % 4 !== 0) throw new RangeError(`config.tileK must be a multiple of 4, got ${config.tileK}`);
  // Two vec4 tiles: tileK x wgY and tileK x wgX.
  const bytes = 16 * config.tileK * (config.wgX + config.wgY);
  if (bytes > maxComputeWorkgroupStorageSize) {
    throw new RangeError(`config.tileK * (config.wgX + config.wgY) * 16 must be at most ${maxComputeWorkgroupStorageSize} bytes of workgroup memory, got ${bytes}`);
  }
  if (config.splits !== undefined) checkPositiveInt('config.splits', config.splits);
}

function checkCOut(cOut: number): void {
  checkPositiveInt('cOut', cOut, MAX_CONV_DIM);
}

function checkFilter(w: GpuTensor<'f32'>, g: ConvGeometry, cOut: number): void {
  checkLength('w', w, cOut * convTaps(g), 'cOut*cIn*kh*kw');
}

interface PassTensors {
  weights: GpuTensor<'f32'>;
  x: GpuTensor<'f32'>;
  dy: GpuTensor<'f32'>;
  c: GpuTensor<'f32'>;
  bias?: GpuTensor<'f32'>;
}

/**
 * Encodes one pass over `splits` depth ranges (1 except for the weight gradient, whose entry e of
 * range s goes to c[e·splitStride + s]).
 */
async function dispatchPass(
  ctx: Context,
  pass: DenseConvPass,
  g: ConvGeometry,
  cOut: number,
  t: PassTensors,
  config: DenseConvConfig,
  splits: number,
  splitLen: number,
  splitStride = 1,
): Promise<void> {
  const gemm = gemmFor(pass, g, cOut);
  const tilesN = Math.ceil(gemm.width / (4 * config.wgX));
  const tilesMN = tilesN * Math.ceil(gemm.rows / (4 * config.wgY));
  const tiles = tilesMN * splits;
  await ctx.dispatch(convDenseKernel, {
    constants: { WG_X: config.wgX, WG_Y: config.wgY, TK: config.tileK, PASS: PASSES[pass], HAS_BIAS: t.bias !== undefined },
    // Unused bindings still need a buffer: they get one the pass already reads.
    buffers: { weights: t.weights, x: t.x, dy: t.dy, c: t.c, bias: t.bias ?? t.weights },
    uniforms: {
      ...convUniforms(g),
      cOut,
      batch: g.batch,
      groups: featureMajorStride(g.batch) / 4,
      rows: gemm.rows,
      cols: gemm.cols,
      depth: gemm.depth,
      splitLen,
      splitStride,
      tilesN,
      tilesMN,
      tiles,
    },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/** One tileK-aligned range covering the whole depth. */
function wholeDepth(pass: DenseConvPass, g: ConvGeometry, cOut: number, config: DenseConvConfig): number {
  return Math.ceil(gemmFor(pass, g, cOut).depth / config.tileK) * config.tileK;
}

/**
 * Forward pass: y (cOut·ho·wo features, activation layout) = conv(x, w) (+ bias[co]), from x
 * (cIn·h·w features) and the dense OIHW filter w (cOut x cIn·kh·kw). Padding examples of y are 0.
 */
export async function denseConvForwardInto(
  ctx: Context,
  w: GpuTensor<'f32'>,
  x: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  geometry: ConvGeometry,
  cOut: number,
  bias?: GpuTensor<'f32'>,
  config?: DenseConvConfig,
): Promise<void> {
  const g = convGeometry(geometry, 'geometry');
  checkCOut(cOut);
  checkFilter(w, g, cOut);
  checkFeatureMajor('x', x, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkFeatureMajor('y', y, cOut * g.ho * g.wo, 'cOut*ho*wo', g.batch);
  if (bias) checkLength('bias', bias, cOut, 'cOut');
  checkNoAliasing({ y }, { w, x, ...(bias && { bias }) });
  const cfg = config ?? chooseDenseConvConfig('forward', g, cOut);
  checkConfig(ctx, cfg);
  await dispatchPass(ctx, 'forward', g, cOut, { weights: w, x, dy: x, c: y, bias }, cfg, 1, wholeDepth('forward', g, cOut, cfg));
}

/**
 * Backward-data pass: dx (cIn·h·w features) = the transposed convolution of dy (cOut·ho·wo
 * features) with w: every input pixel gathers, per output channel and tap, the dy entries of the
 * output pixels that read it (stride and circular wrap included). Padding examples of dx are 0.
 */
export async function denseConvBackwardDataInto(
  ctx: Context,
  w: GpuTensor<'f32'>,
  dy: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  geometry: ConvGeometry,
  cOut: number,
  config?: DenseConvConfig,
): Promise<void> {
  const g = convGeometry(geometry, 'geometry');
  checkCOut(cOut);
  checkFilter(w, g, cOut);
  checkFeatureMajor('dy', dy, cOut * g.ho * g.wo, 'cOut*ho*wo', g.batch);
  checkFeatureMajor('dx', dx, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkNoAliasing({ dx }, { w, dy });
  const cfg = config ?? chooseDenseConvConfig('backwardData', g, cOut);
  checkConfig(ctx, cfg);
  await dispatchPass(ctx, 'backwardData', g, cOut, { weights: w, x: dy, dy, c: dx }, cfg, 1, wholeDepth('backwardData', g, cOut, cfg));
}

/**
 * Weight gradient: dw (cOut x cIn·kh·kw, OIHW) = dy · im2col(x)ᵀ, summed over output pixels and
 * examples. With config.splits > 1 the sum is cut into ranges whose partial products go to a
 * scratch tensor of about splits·cOut·cIn·kh·kw floats, then summed (no float atomics).
 */
export async function denseConvWeightGradInto(
  ctx: Context,
  dy: GpuTensor<'f32'>,
  x: GpuTensor<'f32'>,
  dw: GpuTensor<'f32'>,
  geometry: ConvGeometry,
  cOut: number,
  config?: DenseConvConfig,
): Promise<void> {
  const g = convGeometry(geometry, 'geometry');
  checkCOut(cOut);
  checkFeatureMajor('dy', dy, cOut * g.ho * g.wo, 'cOut*ho*wo', g.batch);
  checkFeatureMajor('x', x, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  checkLength('dw', dw, cOut * convTaps(g), 'cOut*cIn*kh*kw');
  checkNoAliasing({ dw }, { dy, x });
  const cfg = config ?? chooseDenseConvConfig('weightGrad', g, cOut);
  checkConfig(ctx, cfg);
  // Ranges of whole tileK steps; a requested split count that leaves empty ranges is reduced.
  const steps = Math.ceil(gemmFor('weightGrad', g, cOut).depth / cfg.tileK);
  const splitLen = Math.ceil(steps / Math.min(cfg.splits ?? 1, steps)) * cfg.tileK;
  const splits = Math.ceil((steps * cfg.tileK) / splitLen);
  const tensors = { weights: x, x, dy };
  if (splits === 1) {
    await dispatchPass(ctx, 'weightGrad', g, cOut, { ...tensors, c: dw }, cfg, 1, splitLen);
    return;
  }
  // The partials are an activation of one feature per dw entry with one "example" per range, so
  // dw is its channel sums over planes of 1; the padding examples stay the zeros it starts with.
  const size = cOut * convTaps(g);
  const partials = ctx.zeros('f32', size * featureMajorStride(splits), 'denseConvWeightGrad.partials');
  try {
    await dispatchPass(ctx, 'weightGrad', g, cOut, { ...tensors, c: partials }, cfg, splits, splitLen, featureMajorStride(splits));
    await channelSumsInto(ctx, partials, dw, { batch: splits, channels: size, plane: 1 }, cfg);
  } finally {
    partials.destroy();
  }
}
