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
import { checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { channelSumsInto } from './channel-sums.js';
import { checkConvActivations, featureMajorStride } from './feature-major.js';
import { type FoldOptions, gridFor } from './grid.js';
import { chooseMatmulConfig, type MatmulConfig, withGemmTiles } from './matmul.js';

export const convDenseKernel: KernelSource = { name: 'conv_dense', source: /* @__PURE__ */ withGemmTiles(source) };

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

/**
 * A phase of the backward-data pass: input rows rowStart + stepY·j (j < phaseH) with the taps
 * tapRow + stepY·j' (j' < tapRows) that can reach them, likewise columns. The other passes carry
 * the whole image with every tap (and ignore it).
 */
interface Phase {
  rowStart: number;
  colStart: number;
  phaseH: number;
  phaseW: number;
  tapRow: number;
  tapCol: number;
  tapRows: number;
  tapCols: number;
  stepY: number;
  stepX: number;
}

function wholeImage(g: ConvGeometry): Phase {
  return { rowStart: 0, colStart: 0, phaseH: g.h, phaseW: g.w, tapRow: 0, tapCol: 0, tapRows: g.kh, tapCols: g.kw, stepY: 1, stepX: 1 };
}

/**
 * With stride s, tap ky reaches input row iy only if ky ≡ iy + padding (mod s), so the rows split
 * into s phases that each need only about kh/s taps: the dense product skips the (s² - 1)/s² of
 * its multiply-adds that would meet no output pixel. A circular wrap keeps a row's residue only
 * when h is a multiple of s; otherwise that dimension stays whole. Phases without pixels are left
 * out; one without taps stays (its dx is 0 and must be written).
 */
function backwardPhases(g: ConvGeometry): Phase[] {
  const step = (n: number) => (g.paddingMode === 'zeros' || n % g.stride === 0 ? g.stride : 1);
  const axis = (residue: number, s: number, n: number, k: number) => {
    const start = (((residue - g.padding) % s) + s) % s;
    return { start, count: Math.max(0, Math.ceil((n - start) / s)), taps: Math.max(0, Math.ceil((k - residue) / s)) };
  };
  const stepY = step(g.h);
  const stepX = step(g.w);
  const phases: Phase[] = [];
  for (let ry = 0; ry < stepY; ry++) {
    for (let rx = 0; rx < stepX; rx++) {
      const y = axis(ry, stepY, g.h, g.kh);
      const x = axis(rx, stepX, g.w, g.kw);
      if (y.count === 0 || x.count === 0) continue;
      phases.push({ rowStart: y.start, colStart: x.start, phaseH: y.count, phaseW: x.count, tapRow: ry, tapCol: rx, tapRows: y.taps, tapCols: x.taps, stepY, stepX });
    }
  }
  return phases;
}

function gemmFor(pass: DenseConvPass, g: ConvGeometry, cOut: number, phase: Phase): Gemm {
  const groups = featureMajorStride(g.batch) / 4;
  if (pass === 'forward') {
    const cols = g.ho * g.wo * groups;
    return { rows: cOut, cols, depth: convTaps(g), width: 4 * cols };
  }
  if (pass === 'backwardData') {
    const cols = phase.phaseH * phase.phaseW * groups;
    return { rows: g.cIn, cols, depth: cOut * phase.tapRows * phase.tapCols, width: 4 * cols };
  }
  return { rows: cOut, cols: convTaps(g), depth: 4 * g.ho * g.wo * groups, width: convTaps(g) };
}

/** The phases a pass runs (backward data: by stride phase; the others: one). */
function phasesFor(pass: DenseConvPass, g: ConvGeometry): Phase[] {
  return pass === 'backwardData' ? backwardPhases(g) : [wholeImage(g)];
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
  // The first phase is one of the largest.
  const gemm = gemmFor(pass, geometry, cOut, phasesFor(pass, geometry)[0]!);
  const tiles = chooseMatmulConfig({ m: gemm.rows, k: gemm.depth, n: gemm.width });
  if (pass !== 'weightGrad') return tiles;
  const tilesMN = Math.ceil(gemm.rows / (4 * tiles.wgY)) * Math.ceil(gemm.width / (4 * tiles.wgX));
  const steps = Math.ceil(gemm.depth / tiles.tileK);
  const splits = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / tilesMN), Math.floor(steps / MIN_STEPS_PER_SPLIT)));
  return { ...tiles, splits };
}

/** The pass's tile configuration (the caller's, or the kernel's choice), checked against the device's limits. */
function passConfig(ctx: Context, pass: DenseConvPass, g: ConvGeometry, cOut: number, config: DenseConvConfig | undefined): DenseConvConfig {
  const cfg = config ?? chooseDenseConvConfig(pass, g, cOut);
  checkConfig(ctx, cfg);
  return cfg;
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

/** The checked geometry of a pass over cOut output channels. */
function checkedGeometry(geometry: ConvGeometry, cOut: number): ConvGeometry {
  const g = convGeometry(geometry, 'geometry');
  checkPositiveInt('cOut', cOut, MAX_CONV_DIM);
  return g;
}

function checkFilter(w: GpuTensor<'f32'>, g: ConvGeometry, cOut: number): void {
  checkTensor('w', w, 'f32', cOut * convTaps(g), 'cOut*cIn*kh*kw');
}

interface PassTensors {
  weights: GpuTensor<'f32'>;
  x: GpuTensor<'f32'>;
  dy: GpuTensor<'f32'>;
  c: GpuTensor<'f32'>;
  bias?: GpuTensor<'f32'>;
}

/** How the weight gradient's depth is cut: `splits` ranges of splitLen; entry e of range s goes to c[e·splitStride + s]. */
interface Splits {
  splits: number;
  splitLen: number;
  splitStride: number;
}

/** Encodes one pass over one phase; the depth is one range except for the weight gradient. */
async function dispatchPass(
  ctx: Context,
  pass: DenseConvPass,
  g: ConvGeometry,
  cOut: number,
  t: PassTensors,
  config: DenseConvConfig,
  phase: Phase,
  cut?: Splits,
): Promise<void> {
  const gemm = gemmFor(pass, g, cOut, phase);
  // One range: the whole depth in tileK steps.
  const { splits, splitLen, splitStride } = cut ?? { splits: 1, splitLen: Math.ceil(gemm.depth / config.tileK) * config.tileK, splitStride: 1 };
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
      ...phase,
      tilesN,
      tilesMN,
      tiles,
    },
    workgroups: gridFor(ctx, tiles, config),
  });
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
  const g = checkedGeometry(geometry, cOut);
  checkFilter(w, g, cOut);
  checkConvActivations(g, cOut, { x, y });
  if (bias) checkTensor('bias', bias, 'f32', cOut, 'cOut');
  checkNoAliasing({ y }, { w, x, ...(bias && { bias }) });
  const cfg = passConfig(ctx, 'forward', g, cOut, config);
  await dispatchPass(ctx, 'forward', g, cOut, { weights: w, x, dy: x, c: y, bias }, cfg, wholeImage(g));
}

/**
 * Backward-data pass: dx (cIn·h·w features) = the transposed convolution of dy (cOut·ho·wo
 * features) with w: every input pixel gathers, per output channel and tap, the dy entries of the
 * output pixels that read it (stride and circular wrap included), one dispatch per stride phase
 * (input pixels whose taps share residues). Padding examples of dx are 0.
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
  const g = checkedGeometry(geometry, cOut);
  checkFilter(w, g, cOut);
  checkConvActivations(g, cOut, { dy, dx });
  checkNoAliasing({ dx }, { w, dy });
  const cfg = passConfig(ctx, 'backwardData', g, cOut, config);
  for (const phase of backwardPhases(g)) await dispatchPass(ctx, 'backwardData', g, cOut, { weights: w, x: dy, dy, c: dx }, cfg, phase);
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
  const g = checkedGeometry(geometry, cOut);
  checkConvActivations(g, cOut, { dy, x });
  checkTensor('dw', dw, 'f32', cOut * convTaps(g), 'cOut*cIn*kh*kw');
  checkNoAliasing({ dw }, { dy, x });
  const cfg = passConfig(ctx, 'weightGrad', g, cOut, config);
  // Ranges of whole tileK steps; a requested split count that leaves empty ranges is reduced.
  const whole = wholeImage(g);
  const steps = Math.ceil(gemmFor('weightGrad', g, cOut, whole).depth / cfg.tileK);
  const splitLen = Math.ceil(steps / Math.min(cfg.splits ?? 1, steps)) * cfg.tileK;
  const splits = Math.ceil((steps * cfg.tileK) / splitLen);
  const tensors = { weights: x, x, dy };
  if (splits === 1) {
    await dispatchPass(ctx, 'weightGrad', g, cOut, { ...tensors, c: dw }, cfg, whole, { splits, splitLen, splitStride: 1 });
    return;
  }
  // The partials are an activation of one feature per dw entry with one "example" per range, so
  // dw is its channel sums over planes of 1; the padding examples stay the zeros it starts with.
  const size = cOut * convTaps(g);
  const partials = ctx.zeros('f32', size * featureMajorStride(splits), 'denseConvWeightGrad.partials');
  try {
    await dispatchPass(ctx, 'weightGrad', g, cOut, { ...tensors, c: partials }, cfg, whole, { splits, splitLen, splitStride: featureMajorStride(splits) });
    await channelSumsInto(ctx, partials, dw, { batch: splits, channels: size, plane: 1 }, cfg);
  } finally {
    partials.destroy();
  }
}
