/**
 * CSR sparse 2-D convolution: the forward pass y = conv(x, W) (+ bias) and the backward-data pass
 * dx = convᵀ(dy), both implicit GEMMs over the CSR filter on shaders/conv_csr.wgsl (no im2col).
 * Activations are in the activation layout (feature-major.ts); shapes come from convGeometry.
 * Host side: the GPU filter (CSR plus the tables the kernel reads, rebuilt on the GPU when dynamic
 * sparsity moves the pattern), tile choice, validation, dispatch shape, and the one-shot conv2dCsr.
 */
import source from '../../shaders/conv_csr.wgsl';
import tablesSource from '../../shaders/conv_tables.wgsl';
import indexSource from '../../shaders/dst_index.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { fromActivationLayout } from '../sparse/activation-layout.js';
import { type ConvDims, type ConvGeometry, convGeometry, convTaps, convUniforms, MAX_CONV_DIM } from '../sparse/conv-geometry.js';
import { transposeStructure } from '../sparse/csc.js';
import { type CsrMatrix, type CsrStructure, validateCsr } from '../sparse/csr.js';
import { GpuCsr } from '../sparse/gpu-csr.js';
import { rowSwizzle } from '../sparse/swizzle.js';
import { checkBoolean, checkFiniteElements, checkLength, checkObject, checkOneOf, checkPositiveInt, checkTypedArray } from '../validate.js';
import type { Activation } from './activation.js';
import { type Epilogue, epilogueArgs, withActivationEpilogue } from './epilogue.js';
import { type ConvWalk, flippedWalk, forwardWalk, withConvParts } from './conv-parts.js';
import { checkConvActivations, checkFeatureMajor, featureMajorStride, toFeatureMajor } from './feature-major.js';
import { gridFor } from './grid.js';
import { batchTiles, checkSpmmTiles, type SpmmTiles } from './spmm-tiles.js';

export const convCsrKernel: KernelSource = { name: 'conv_csr', source: /* @__PURE__ */ withActivationEpilogue(withConvParts(source)) };

/** The vec4 groups per invocation (bv) the kernel is written for. */
export const CONV_CSR_GROUPS_PER_INVOCATION = [1, 2, 4, 8] as const;

/** The pixels per invocation (px) the kernel is written for; bv·px is at most 8. */
export const CONV_CSR_PIXELS_PER_INVOCATION = [1, 2, 4, 8] as const;

/**
 * wgB invocations along the batch share a block of px output pixels of one channel's row
 * (default 1; consecutive pixels of y, or dx pixels stride apart), wgR consecutive blocks per
 * workgroup (see spmm-tiles.ts).
 */
export interface ConvCsrConfig extends SpmmTiles<(typeof CONV_CSR_GROUPS_PER_INVOCATION)[number]> {
  px?: (typeof CONV_CSR_PIXELS_PER_INVOCATION)[number];
  /**
   * Backward-data only: false keeps the general transposed walk even where the flipped forward
   * walk applies (stride 1 with zero padding below the kernel or size-keeping circular padding).
   * Default true.
   */
  flipped?: boolean;
}

/** The filter's shape besides cOut: what its columns mean. */
export type ConvFilterShape = Pick<ConvDims, 'cIn' | 'kh' | 'kw'>;

/** A filter's column count must be cIn·kh·kw; the RangeError names `name`. */
function checkFilterColumns(name: string, cols: number, shape: ConvFilterShape): void {
  if (cols !== convTaps(shape)) throw new RangeError(`${name} must equal cIn*kh*kw = ${convTaps(shape)}, got ${cols}`);
}

/** shaders/conv_tables.wgsl: the tables below, rebuilt on the GPU after dynamic sparsity moved the pattern. */
export const convTablesKernel: KernelSource = { name: 'conv_tables', source: /* @__PURE__ */ composedSource([indexSource, tablesSource]) };
/** Invocations per workgroup of conv_tables (dst_index.wgsl's WG default). */
const TABLES_WORKGROUP = 64;

/**
 * What the conv kernels read beside a filter's CSR, computed on the host (conv_tables computes the
 * same on the GPU): each entry's tap as (ci, ky << 16 | kx); each entry of Wᵀ flipped, as
 * (co, (kh-1-ky) << 16 | (kw-1-kx)), in Wᵀ's order; and the input channels by decreasing stored taps.
 */
function filterTables(w: CsrStructure, { cIn, kh, kw }: ConvFilterShape): { taps: Uint32Array; flippedTaps: Uint32Array; channelOrder: Uint32Array } {
  const plane = kh * kw;
  const tapOf = (col: number, flip: boolean): number => {
    const ky = Math.floor(col / kw) % kh;
    const kx = col % kw;
    return flip ? (kh - 1 - ky) * 65536 + (kw - 1 - kx) : ky * 65536 + kx;
  };
  const taps = new Uint32Array(2 * w.colIdx.length);
  w.colIdx.forEach((col, e) => {
    taps[2 * e] = Math.floor(col / plane);
    taps[2 * e + 1] = tapOf(col, false);
  });
  const t = transposeStructure(w);
  const flippedTaps = new Uint32Array(2 * w.colIdx.length);
  for (let col = 0; col < w.cols; col++) {
    for (let e = t.rowPtr[col]!; e < t.rowPtr[col + 1]!; e++) {
      flippedTaps[2 * e] = t.colIdx[e]!;
      flippedTaps[2 * e + 1] = tapOf(col, true);
    }
  }
  const channelPtr = Uint32Array.from({ length: cIn + 1 }, (_, c) => t.rowPtr[c * plane]!);
  return { taps, flippedTaps, channelOrder: rowSwizzle(channelPtr) };
}

/**
 * A conv filter resident on the GPU, built once per mask (and rebuilt in place when dynamic
 * sparsity moves it: patternRewritten): the CSR weight (cOut rows, cIn·kh·kw columns; its values
 * are the one array an optimizer updates) and what the kernels read besides:
 * every entry's tap decoded as (ci, ky << 16 | kx), Wᵀ's entries with their taps flipped (the
 * stride-1 backward-data pass's walk), and the input channels by decreasing stored taps (the
 * backward-data pass's swizzle).
 */
export class GpuConvFilter {
  readonly cOut: number;
  readonly cIn: number;
  readonly kh: number;
  readonly kw: number;

  private constructor(
    readonly csr: GpuCsr,
    shape: ConvFilterShape,
    readonly taps: GpuTensor<'u32'>,
    readonly flippedTaps: GpuTensor<'u32'>,
    readonly channelOrder: GpuTensor<'u32'>,
  ) {
    this.cOut = csr.rows;
    this.cIn = shape.cIn;
    this.kh = shape.kh;
    this.kw = shape.kw;
  }

  /** Validates `w` (validateCsr, and w.cols = cIn·kh·kw) and uploads it with its tables. */
  static upload(ctx: Context, w: CsrMatrix, shape: ConvFilterShape, label = 'w'): GpuConvFilter {
    validateCsr(w, label);
    checkObject('shape', shape, 'a { cIn, kh, kw }');
    const cIn = checkPositiveInt('shape.cIn', shape.cIn, MAX_CONV_DIM);
    const kh = checkPositiveInt('shape.kh', shape.kh, MAX_CONV_DIM);
    const kw = checkPositiveInt('shape.kw', shape.kw, MAX_CONV_DIM);
    checkFilterColumns(`${label}.cols`, w.cols, { cIn, kh, kw });
    const tables = filterTables(w, { cIn, kh, kw });
    const csr = GpuCsr.upload(ctx, w, label);
    const uploaded: GpuTensor<'u32'>[] = [];
    try {
      for (const [name, table] of [['taps', tables.taps], ['flippedTaps', tables.flippedTaps], ['channelOrder', tables.channelOrder]] as const) {
        uploaded.push(ctx.upload('u32', table, `${label}.${name}`));
      }
      const [taps, flippedTaps, channelOrder] = uploaded as [GpuTensor<'u32'>, GpuTensor<'u32'>, GpuTensor<'u32'>];
      return new GpuConvFilter(csr, { cIn, kh, kw }, taps, flippedTaps, channelOrder);
    } catch (error) {
      for (const t of uploaded) t.destroy();
      csr.destroy();
      throw error;
    }
  }

  /**
   * After the CSR's pattern and Wᵀ were rewritten on the GPU (dynamic sparsity: nnz kept, see
   * dstRebuildInto), rebuilds the tap tables and the channel order from them on the GPU
   * (shaders/conv_tables.wgsl); nothing is read back.
   */
  async patternRewritten(ctx: Context): Promise<void> {
    const nnz = this.csr.nnz;
    if (nnz === 0) return;
    const t = this.csr.transposed;
    const buffers = { colIdx: this.csr.pattern.colIdx, tRowPtr: t.rowPtr, taps: this.taps, channelOrder: this.channelOrder, tColIdx: t.colIdx, flippedTaps: this.flippedTaps };
    const uniforms = { nnz, cIn: this.cIn, kh: this.kh, kw: this.kw };
    await ctx.dispatch(convTablesKernel, { entryPoint: 'decode_taps', buffers, uniforms, workgroups: gridFor(ctx, Math.ceil(nnz / TABLES_WORKGROUP)) });
    await ctx.dispatch(convTablesKernel, { entryPoint: 'channel_order', buffers, uniforms, workgroups: gridFor(ctx, Math.ceil(this.cIn / TABLES_WORKGROUP)) });
    await ctx.dispatch(convTablesKernel, { entryPoint: 'flip_taps', buffers, uniforms, workgroups: gridFor(ctx, Math.ceil(t.rows / TABLES_WORKGROUP)) });
  }

  /** Frees every buffer now. */
  destroy(): void {
    this.csr.destroy();
    this.taps.destroy();
    this.flippedTaps.destroy();
    this.channelOrder.destroy();
  }
}

/**
 * 64 invocations per workgroup along the output's pixel blocks (wgB = 1: neighbouring pixels of
 * one channel already share the entry loads, so splitting the batch across invocations would only
 * repeat the tap decoding), each taking as many vec4 groups as the batch has, up to 8, and as many
 * pixels as keep 8 accumulators busy: one entry load and decode then feeds 8 vec4 FMAs whatever
 * the batch. Measured on SwiftShader (64 channels, 16x16, 3x3, density 0.1): at batch 32, 1.7x
 * faster forward than spmm's 4 x 16 x 2; at batch 1, px = 8 is 2.4x (backward) to 3x (forward) px = 1.
 */
export function chooseConvCsrConfig(batch: number): ConvCsrConfig {
  const groups = featureMajorStride(batch) / 4;
  const bv = CONV_CSR_GROUPS_PER_INVOCATION.find((n) => n >= groups) ?? 8;
  return { wgB: 1, wgR: 64, bv, px: (8 / bv) as ConvCsrConfig['px'] };
}

/** Checks `geometry` and that it describes the filter's columns. */
function checkConvShapes(filter: GpuConvFilter, geometry: ConvDims): ConvGeometry {
  const g = convGeometry(geometry, 'geometry');
  for (const field of ['cIn', 'kh', 'kw'] as const) {
    if (g[field] !== filter[field]) throw new RangeError(`geometry.${field} must equal filter.${field} = ${filter[field]}, got ${g[field]}`);
  }
  return g;
}

/** Checks a caller-given tile shape against the kernel's choices and the device's limits; returns px and whether to flip. */
function checkConvTiles(ctx: Context, config: ConvCsrConfig): { px: number; flipped: boolean } {
  checkSpmmTiles(ctx, config, CONV_CSR_GROUPS_PER_INVOCATION);
  const flipped = checkBoolean('config.flipped', config.flipped, true);
  if (config.px === undefined) return { px: 1, flipped };
  const px = checkOneOf('config.px', config.px, CONV_CSR_PIXELS_PER_INVOCATION);
  if (config.bv * px > 8) throw new RangeError(`config.bv * config.px must be at most 8, got ${config.bv * px}`);
  return { px, flipped };
}

interface ConvPass {
  entryPoint: 'forward' | 'backwardData' | 'backwardDataFlipped';
  /** every binding but the output cT and aux */
  buffers: Record<string, GpuTensor>;
  /** cT by the caller's name for it, and the caller's operands it must not alias */
  output: Record<string, GpuTensor<'f32'>>;
  inputs: Record<string, GpuTensor>;
  epilogue: Epilogue | undefined;
  /** Invocation slots: the output's pixel blocks. */
  rows: number;
  px: number;
  hasBias: boolean;
  /** The forward walk (forward and backwardDataFlipped), and the rowPtr step of one of its rows (1, or kh·kw flipped). */
  walk: ConvWalk;
  rowStep: number;
}

async function dispatchConv(ctx: Context, pass: ConvPass, g: ConvGeometry, config: ConvCsrConfig): Promise<void> {
  const groups = featureMajorStride(g.batch) / 4;
  const tilesB = batchTiles(groups, config);
  const tiles = tilesB * Math.ceil(pass.rows / config.wgR);
  const fused = epilogueArgs(ctx, pass.epilogue, pass.output, pass.inputs);
  await ctx.dispatch(convCsrKernel, {
    entryPoint: pass.entryPoint,
    constants: { WG_B: config.wgB, WG_R: config.wgR, BV: config.bv, PX: pass.px, HAS_BIAS: pass.hasBias, ...fused.constants },
    buffers: { ...pass.buffers, cT: Object.values(pass.output)[0]!, aux: fused.aux },
    uniforms: { batch: g.batch, groups, tilesB, tiles, rows: pass.rows, ...pass.walk, rowStep: pass.rowStep, ...convUniforms(g), ...fused.uniforms },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/**
 * Forward pass: y (cOut·ho·wo features) = conv(x, W) (+ bias[co]) from x (cIn·h·w features), both
 * in the activation layout for geometry.batch; y's padding is written 0.
 */
export function convCsrForwardInto(
  ctx: Context,
  filter: GpuConvFilter,
  x: GpuTensor<'f32'>,
  y: GpuTensor<'f32'>,
  geometry: ConvDims,
  bias?: GpuTensor<'f32'>,
  config?: ConvCsrConfig,
): Promise<void> {
  return convForward(ctx, filter, x, { y }, geometry, bias, undefined, config);
}

/**
 * Forward pass with the following activation fused: z = conv(x, W) (+ bias[co]) and y = act(z)
 * (cOut·ho·wo features each, activation layout) in one pass; z is what the activation's backward
 * pass needs.
 */
export function convCsrForwardActivatedInto(
  ctx: Context,
  filter: GpuConvFilter,
  x: GpuTensor<'f32'>,
  out: { z: GpuTensor<'f32'>; y: GpuTensor<'f32'> },
  geometry: ConvDims,
  activation: Activation,
  bias?: GpuTensor<'f32'>,
  config?: ConvCsrConfig,
): Promise<void> {
  return convForward(ctx, filter, x, { z: out.z, y: out.y }, geometry, bias, { kind: 'activate', activation, aux: out.y }, config);
}

/**
 * The checked forward pass. `outputs` names every output image it writes, the product's first
 * (then an epilogue's aux); only the product is the kernel's cT.
 */
async function convForward(
  ctx: Context,
  filter: GpuConvFilter,
  x: GpuTensor<'f32'>,
  outputs: Record<string, GpuTensor<'f32'>>,
  geometry: ConvDims,
  bias: GpuTensor<'f32'> | undefined,
  epilogue: Epilogue | undefined,
  config: ConvCsrConfig | undefined,
): Promise<void> {
  const g = checkConvShapes(filter, geometry);
  checkConvActivations(g, filter.cOut, { x });
  for (const [name, t] of Object.entries(outputs)) checkFeatureMajor(name, t, filter.cOut * g.ho * g.wo, 'cOut*ho*wo', g.batch);
  const [product, c] = Object.entries(outputs)[0]!;
  if (bias) checkLength('bias', bias, filter.cOut, 'cOut');
  const tiles = config ?? chooseConvCsrConfig(g.batch);
  const { px } = checkConvTiles(ctx, tiles);
  const { pattern, values } = filter.csr;
  const buffers = {
    rowPtr: pattern.rowPtr,
    entryIndex: filter.taps,
    values,
    // Without a bias the binding still needs a buffer: it gets one the kernel already reads.
    extra: bias ?? values,
    rowOrder: pattern.rowOrder,
    aT: x,
  };
  const rows = filter.cOut * g.ho * Math.ceil(g.wo / px);
  const inputs = { x, ...(bias && { bias }) };
  const pass = { entryPoint: 'forward' as const, buffers, output: { [product]: c }, inputs, epilogue, rows, px, hasBias: bias !== undefined, walk: forwardWalk(g), rowStep: 1 };
  await dispatchConv(ctx, pass, g, tiles);
}

/**
 * Backward-data pass: dx (cIn·h·w features) = the transposed convolution of dy (cOut·ho·wo
 * features), both in the activation layout for geometry.batch; dx's padding is written 0. Walks
 * Wᵀ's pattern (GpuCsr.transposed) over W's own values.
 */
export function convCsrBackwardDataInto(
  ctx: Context,
  filter: GpuConvFilter,
  dy: GpuTensor<'f32'>,
  dx: GpuTensor<'f32'>,
  geometry: ConvDims,
  config?: ConvCsrConfig,
): Promise<void> {
  return convBackwardData(ctx, filter, dy, { dx }, geometry, undefined, config);
}

/**
 * Backward-data pass into the layer below's pre-activation: dz = dx ⊙ act'(z), where z (cIn·h·w
 * features) is the pre-activation of the activation between that layer and this convolution. One
 * pass instead of convCsrBackwardDataInto followed by the activation's backward pass.
 */
export function convCsrBackwardDataSlopeInto(
  ctx: Context,
  filter: GpuConvFilter,
  dy: GpuTensor<'f32'>,
  below: { z: GpuTensor<'f32'>; dz: GpuTensor<'f32'> },
  geometry: ConvDims,
  activation: Activation,
  config?: ConvCsrConfig,
): Promise<void> {
  return convBackwardData(ctx, filter, dy, { dz: below.dz, z: below.z }, geometry, { kind: 'slope', activation, aux: below.z }, config);
}

/**
 * The checked backward-data pass. `images` names every input-side image it touches, the product's
 * first (then an epilogue's pre-activation); only the product is the kernel's cT.
 */
async function convBackwardData(
  ctx: Context,
  filter: GpuConvFilter,
  dy: GpuTensor<'f32'>,
  images: Record<string, GpuTensor<'f32'>>,
  geometry: ConvDims,
  epilogue: Epilogue | undefined,
  config: ConvCsrConfig | undefined,
): Promise<void> {
  const g = checkConvShapes(filter, geometry);
  checkConvActivations(g, filter.cOut, { dy });
  for (const [name, t] of Object.entries(images)) checkFeatureMajor(name, t, g.cIn * g.h * g.w, 'cIn*h*w', g.batch);
  const [product, c] = Object.entries(images)[0]!;
  const tiles = config ?? chooseConvCsrConfig(g.batch);
  const { px, flipped: mayFlip } = checkConvTiles(ctx, tiles);
  const t = filter.csr.transposed;
  const common = { output: { [product]: c }, inputs: { dy }, epilogue, px, hasBias: false };
  const flipped = mayFlip ? flippedWalk(g) : undefined;
  const buffers = { rowPtr: t.rowPtr, values: filter.csr.values, extra: t.perm, rowOrder: filter.channelOrder, aT: dy };
  const pass = flipped
    ? // The forward walk over dy with the flipped filter: Wᵀ's rows ci·kh·kw .. (ci + 1)·kh·kw - 1 as one row.
      { ...common, entryPoint: 'backwardDataFlipped' as const, buffers: { ...buffers, entryIndex: filter.flippedTaps }, rows: g.cIn * g.h * Math.ceil(g.w / px), walk: flipped, rowStep: g.kh * g.kw }
    : // Blocks of px pixels stride apart: per row, stride column classes of ceil(ceil(w / stride) / px) blocks.
      { ...common, entryPoint: 'backwardData' as const, buffers: { ...buffers, entryIndex: t.colIdx }, rows: g.cIn * g.h * g.stride * Math.ceil(Math.ceil(g.w / g.stride) / px), walk: forwardWalk(g), rowStep: 1 };
  await dispatchConv(ctx, pass, g, tiles);
}

/**
 * One-shot sparse 2-D convolution on the GPU (upload, run, read back), NCHW, row-major. The filter
 * w is CSR with cOut rows and cIn*kh*kw columns; column (ci*kh + ky)*kw + kx holds tap (ky, kx) of
 * input channel ci (PyTorch's OIHW, flattened per output channel). For every n, co, oy, ox:
 * y[n, co, oy, ox] = sum over stored (ci, ky, kx) of w * x[n, ci, oy*stride + ky - padding,
 * ox*stride + kx - padding] where an index outside the image reads 0 (paddingMode 'zeros', the
 * default) or wraps modulo h / w ('circular'). ho = floor((h + 2*padding - kh) / stride) + 1,
 * likewise wo. Defaults: stride 1, padding 0. The result is batch x cOut x ho x wo.
 */
export async function conv2dCsr(ctx: Context, w: CsrMatrix, x: Float32Array, dims: ConvDims): Promise<Float32Array> {
  const g = convGeometry(dims, 'dims');
  validateCsr(w, 'w');
  checkFilterColumns('w.cols', w.cols, g);
  checkTypedArray('x', x, Float32Array);
  checkLength('x', x, g.batch * g.cIn * g.h * g.w, 'batch*cIn*h*w');
  checkFiniteElements('x', x);
  const inFeatures = g.cIn * g.h * g.w;
  const outFeatures = w.rows * g.ho * g.wo;
  const filter = GpuConvFilter.upload(ctx, w, g);
  const tensors: GpuTensor<'f32'>[] = [];
  try {
    const batchMajor = ctx.upload('f32', x, 'conv2dCsr.x');
    tensors.push(batchMajor);
    const xT = await toFeatureMajor(ctx, batchMajor, g.batch, inFeatures, 'conv2dCsr.xT');
    tensors.push(xT);
    const y = ctx.zeros('f32', outFeatures * featureMajorStride(g.batch), 'conv2dCsr.y');
    tensors.push(y);
    await convCsrForwardInto(ctx, filter, xT, y, g);
    return fromActivationLayout(await ctx.read(y), g.batch, outFeatures);
  } finally {
    for (const t of tensors) t.destroy();
    filter.destroy();
  }
}
