/**
 * Block-sparse (BSR) 2-D convolution: the forward pass y = conv(x, W) (+ bias) and the
 * backward-data pass dx = convᵀ(dy) on shaders/conv_bsr.wgsl, implicit GEMMs over the filter's
 * channel blocks (GpuConvBsrFilter) that multiply 4x4 sub-blocks (no im2col). Activations are in
 * the activation layout (feature-major.ts); shapes come from convGeometry. Host side: tile choice,
 * validation, dispatch shape. The weight gradient is sddmm-conv-bsr.ts.
 */
import source from '../../shaders/conv_bsr.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvDims, type ConvGeometry, convGeometry, convUniforms } from '../sparse/conv-geometry.js';
import type { GpuConvBsrFilter } from '../sparse/gpu-conv-bsr.js';
import { checkBoolean, checkOneOf } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { type ConvWalk, flippedWalk, forwardWalk, withConvParts } from './conv-parts.js';
import { checkConvActivations, featureMajorStride } from './feature-major.js';
import { gridFor } from './grid.js';
import { batchTiles, checkSpmmTiles, type SpmmTiles } from './spmm-tiles.js';

export const convBsrKernel: KernelSource = { name: 'conv_bsr', source: /* @__PURE__ */ withConvParts(source) };

/** The vec4 groups (bv), pixels (px) and channel quads (qo) per invocation the kernel is written for; bv·px is at most 4. */
export const CONV_BSR_GROUPS_PER_INVOCATION = [1, 2, 4] as const;
/** Output pixels one block-sparse conv invocation may compute (ConvBsrConfig.px). */
export const CONV_BSR_PIXELS_PER_INVOCATION = [1, 2, 4] as const;
/** Output channel quads one block-sparse conv invocation may compute (ConvBsrConfig.qo). */
export const CONV_BSR_QUADS_PER_INVOCATION = [1, 2, 4] as const;
/** The most operand columns (pixel, vec4 group) an invocation holds: bv·px. */
const MAX_COLUMNS = 4;

/**
 * wgB invocations along the batch share a slot (qo quads of 4 channels of one block row or
 * column, px output pixels or px input pixels stride apart), wgR slots per workgroup (see
 * spmm-tiles.ts); each takes bv vec4 groups. qo must divide blockSize / 4.
 */
export interface ConvBsrConfig extends SpmmTiles<(typeof CONV_BSR_GROUPS_PER_INVOCATION)[number]> {
  px?: (typeof CONV_BSR_PIXELS_PER_INVOCATION)[number];
  qo?: (typeof CONV_BSR_QUADS_PER_INVOCATION)[number];
  /**
   * Backward-data only: false keeps the general transposed walk even where the flipped forward
   * walk applies (stride 1 with zero padding below the kernel or size-keeping circular padding).
   * Default true.
   */
  flipped?: boolean;
}

/**
 * 64 invocations per workgroup along the slots (wgB = 1), every channel quad of the block (qo =
 * blockSize / 4: each loaded input vec4 then feeds 4·qo matrix columns) and 4 operand columns: as
 * many vec4 groups as the batch has, up to 4, then pixels. Measured on SwiftShader (64 channels,
 * 14x14, 3x3 circular, batch 32): qo = blockSize / 4 was the fastest or within noise of it at
 * every block size (about 3x faster forward than qo = 1 at BS = 16, block density 0.2), and 4
 * groups x 1 pixel the fastest column shape (per tap each pixel's column costs its own index
 * arithmetic: 1.3x faster than 2 x 2 for BS = 4 at block density 0.05).
 */
export function chooseConvBsrConfig(batch: number, blockSize: number): ConvBsrConfig {
  const groups = featureMajorStride(batch) / 4;
  const bv = CONV_BSR_GROUPS_PER_INVOCATION.find((n) => n >= Math.min(groups, MAX_COLUMNS)) ?? MAX_COLUMNS;
  return { wgB: 1, wgR: 64, bv, px: (MAX_COLUMNS / bv) as ConvBsrConfig['px'], qo: (blockSize / 4) as ConvBsrConfig['qo'] };
}

/** Checks `geometry` and that it describes the filter's input channels and kernel. */
export function checkConvBsrShapes(filter: GpuConvBsrFilter, geometry: ConvDims): ConvGeometry {
  const g = convGeometry(geometry, 'geometry');
  for (const field of ['cIn', 'kh', 'kw'] as const) {
    if (g[field] !== filter[field]) throw new RangeError(`geometry.${field} must equal filter.${field} = ${filter[field]}, got ${g[field]}`);
  }
  return g;
}

/** Checks a caller-given tile shape against the kernel's choices, the block size and the device's limits. */
function checkConvBsrTiles(ctx: Context, config: ConvBsrConfig, blockSize: number): { px: number; qo: number; flipped: boolean } {
  checkSpmmTiles(ctx, config, CONV_BSR_GROUPS_PER_INVOCATION);
  const px = config.px === undefined ? 1 : checkOneOf('config.px', config.px, CONV_BSR_PIXELS_PER_INVOCATION);
  const qo = config.qo === undefined ? 1 : checkOneOf('config.qo', config.qo, CONV_BSR_QUADS_PER_INVOCATION);
  if (qo > blockSize / 4) throw new RangeError(`config.qo must be at most blockSize / 4 = ${blockSize / 4}, got ${qo}`);
  if (config.bv * px > MAX_COLUMNS) throw new RangeError(`config.bv * config.px must be at most ${MAX_COLUMNS}, got ${config.bv * px}`);
  return { px, qo, flipped: checkBoolean('config.flipped', config.flipped, true) };
}

/** The forward entry's walk (conv-parts.ts) with the channels it reads (their count) and writes. */
interface Walk extends ConvWalk {
  inChannels: number;
  outChannels: number;
}

function forwardBsrWalk(g: ConvGeometry, filter: GpuConvBsrFilter): Walk {
  return { ...forwardWalk(g), inChannels: g.cIn, outChannels: filter.cOut };
}

interface ConvBsrPass {
  entryPoint: 'forward' | 'backwardData' | 'backwardDataFlipped';
  buffers: Record<string, GpuTensor>;
  /** Invocation slots along the walked pattern's rows, per quad group. */
  pixelSlots: number;
  patternRows: number;
  walk: Walk;
  hasBias: boolean;
}

async function dispatchConvBsr(ctx: Context, filter: GpuConvBsrFilter, pass: ConvBsrPass, g: ConvGeometry, config: ConvBsrConfig, qo: number, px: number): Promise<void> {
  const groups = featureMajorStride(g.batch) / 4;
  const tilesB = batchTiles(groups, config);
  const rows = pass.patternRows * (filter.blockSize / (4 * qo)) * pass.pixelSlots;
  const tiles = tilesB * Math.ceil(rows / config.wgR);
  await ctx.dispatch(convBsrKernel, {
    entryPoint: pass.entryPoint,
    constants: { WG_B: config.wgB, WG_R: config.wgR, BS: filter.blockSize, QO: qo, PX: px, BV: config.bv, HAS_BIAS: pass.hasBias, FLIPPED: pass.entryPoint === 'backwardDataFlipped' },
    buffers: pass.buffers,
    uniforms: { batch: g.batch, groups, tilesB, tiles, rows, ...pass.walk, cOut: filter.cOut, ...convUniforms(g) },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/**
 * Forward pass: y (cOut·ho·wo features) = conv(x, W) (+ bias[co]) from x (cIn·h·w features), both
 * in the activation layout for geometry.batch; y's padding is written 0.
 */
export async function convBsrForwardInto(
  ctx: Context,
  filter: GpuConvBsrFilter,
  x: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  geometry: ConvDims,
  bias?: GpuTensor<'f32'>,
  config?: ConvBsrConfig,
): Promise<void> {
  const g = checkConvBsrShapes(filter, geometry);
  checkConvActivations(g, filter.cOut, { x, y });
  if (bias) checkTensor('bias', bias, 'f32', filter.cOut, 'cOut');
  checkNoAliasing({ y }, { x, ...(bias && { bias }) });
  const tiles = config ?? chooseConvBsrConfig(g.batch, filter.blockSize);
  const { px, qo } = checkConvBsrTiles(ctx, tiles, filter.blockSize);
  const p = filter.pattern;
  const buffers = {
    rowPtr: p.rowPtr,
    colIdx: p.colIdx,
    // Unused bindings still need a buffer: they get one the kernel already reads.
    blockPerm: p.rowPtr,
    rowOrder: p.rowOrder,
    values: filter.values,
    aT: x,
    bias: bias ?? filter.values,
    cT: y,
  };
  const pass = { entryPoint: 'forward' as const, buffers, patternRows: p.rows, pixelSlots: g.ho * Math.ceil(g.wo / px), walk: forwardBsrWalk(g, filter), hasBias: bias !== undefined };
  await dispatchConvBsr(ctx, filter, pass, g, tiles, qo, px);
}

/**
 * Backward-data pass: dx (cIn·h·w features) = the transposed convolution of dy (cOut·ho·wo
 * features), both in the activation layout for geometry.batch; dx's padding is written 0. Walks
 * Wᵀ's block pattern over W's own blocks.
 */
export async function convBsrBackwardDataInto(
  ctx: Context,
  filter: GpuConvBsrFilter,
  dy: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  geometry: ConvDims,
  config?: ConvBsrConfig,
): Promise<void> {
  const g = checkConvBsrShapes(filter, geometry);
  checkConvActivations(g, filter.cOut, { dy, dx });
  checkNoAliasing({ dx }, { dy });
  const tiles = config ?? chooseConvBsrConfig(g.batch, filter.blockSize);
  const { px, qo, flipped: mayFlip } = checkConvBsrTiles(ctx, tiles, filter.blockSize);
  const t = filter.transposed;
  const buffers = { rowPtr: t.rowPtr, colIdx: t.colIdx, blockPerm: t.perm, rowOrder: t.rowOrder, values: filter.values, aT: dy, bias: filter.values, cT: dx };
  const flipped = mayFlip ? flippedWalk(g) : undefined;
  const pass = flipped
    ? { entryPoint: 'backwardDataFlipped' as const, pixelSlots: g.h * Math.ceil(g.w / px), walk: { ...flipped, inChannels: filter.cOut, outChannels: g.cIn } }
    : // Blocks of px pixels stride apart: per row, stride column classes of ceil(ceil(w / stride) / px) blocks.
      { entryPoint: 'backwardData' as const, pixelSlots: g.h * g.stride * Math.ceil(Math.ceil(g.w / g.stride) / px), walk: forwardBsrWalk(g, filter) };
  await dispatchConvBsr(ctx, filter, { ...pass, buffers, patternRows: t.rows, hasBias: false }, g, tiles, qo, px);
}
