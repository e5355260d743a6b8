/**
 * Dense matmul, the baseline every sparse kernel is measured against: C = op(A)·op(B) (+ bias).
 * Host side of shaders/matmul.wgsl: validation, tile choice, dispatch shape, one-shot API.
 */
import gemmTiles from '../../shaders/gemm_tiles.wgsl';
import source from '../../shaders/matmul.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkBoolean, checkFiniteFloat32, checkNonNegativeInt, checkObject, checkPositiveInt } from '../validate.js';
import { checkNoAliasing, checkTensor } from './aliasing.js';
import { type FoldOptions, gridFor } from './grid.js';

/** A dense GEMM's own WGSL with shaders/gemm_tiles.wgsl (its workgroup tiles and their inner product) in front. */
export function withGemmTiles(kernel: string): string {
  return composedSource([gemmTiles, kernel]);
}

export const matmulKernel: KernelSource = { name: 'matmul', source: /* @__PURE__ */ withGemmTiles(source) };

/** The shapes of C = op(A)·op(B): op(A) is m x k, op(B) is k x n, C is m x n, all row-major. */
export interface MatmulDims {
  /** rows of op(A) and C */
  m: number;
  /** columns of op(A), rows of op(B) */
  k: number;
  /** columns of op(B) and C */
  n: number;
  /** A is stored k x m */
  transposeA?: boolean;
  /** B is stored n x k */
  transposeB?: boolean;
}

/**
 * Workgroup shape: WG_X x WG_Y invocations, each a 4x4 block of C, so the tile of C is
 * (4·WG_Y) x (4·WG_X). 8x8 (a 32x32 tile) by default; a side with 1..16 outputs gets fewer
 * invocations there and more along the other side, so thin products do not idle most of a tile.
 */
export interface MatmulConfig extends FoldOptions {
  wgX: number;
  wgY: number;
  tileK: number;
}

/** The workgroup shape and tile matmul uses for these dimensions (small extents get small tiles). */
export function chooseMatmulConfig(dims: MatmulDims): MatmulConfig {
  const side = (extent: number) => (extent <= 4 ? 1 : extent <= 16 ? 4 : 8);
  const wgY = side(dims.m);
  const wgX = side(dims.n);
  // Give a thin side's idle invocations to the other side (at most 16 wide: 64 columns of C).
  if (wgY < 8 && wgX === 8) return { wgX: 16, wgY, tileK: 32 };
  if (wgX < 8 && wgY === 8) return { wgX, wgY: 16, tileK: 32 };
  return { wgX, wgY, tileK: 32 };
}

/** Positive integer m, k, n; transposeA / transposeB strictly boolean when given. */
export function checkMatmulDims(dims: MatmulDims): void {
  checkObject('dims', dims, 'a { m, k, n, transposeA?, transposeB? }');
  checkPositiveInt('dims.m', dims.m);
  checkPositiveInt('dims.k', dims.k);
  checkPositiveInt('dims.n', dims.n);
  checkBoolean('dims.transposeA', dims.transposeA, false);
  checkBoolean('dims.transposeB', dims.transposeB, false);
}

/** What the kernel does to C after the product. */
export interface MatmulEpilogue {
  /** Added to every row of C (n entries), or to every column (m entries) with biasPerRow. */
  bias?: GpuTensor<'f32'>;
  biasPerRow?: boolean;
  /**
   * Columns at or past this index are written 0 (default n): a product whose columns are the
   * examples of the activation layout passes the batch, so the padding stays 0.
   */
  liveColumns?: number;
}

/** C = op(A)·op(B) (+ bias) on tensors already on the GPU; encodes the dispatch. */
export async function matmulInto(
  ctx: Context,
  a: GpuTensor<'f32'>,
  b: GpuTensor<'f32'>,
  c: GpuTensor<'f32'>,
  dims: MatmulDims,
  epilogue: MatmulEpilogue = {},
  config: MatmulConfig = chooseMatmulConfig(dims),
): Promise<void> {
  checkMatmulDims(dims);
  const { m, k, n } = dims;
  const { bias, biasPerRow = false, liveColumns = n } = epilogue;
  checkTensor('a', a, 'f32', m * k, 'm*k');
  checkTensor('b', b, 'f32', k * n, 'k*n');
  checkTensor('c', c, 'f32', m * n, 'm*n');
  checkBoolean('epilogue.biasPerRow', biasPerRow, false);
  if (bias) checkTensor('bias', bias, 'f32', biasPerRow ? m : n, biasPerRow ? 'm' : 'n');
  checkNonNegativeInt('epilogue.liveColumns', liveColumns, n);
  checkNoAliasing({ c }, { a, b, ...(bias && { bias }) });
  const transposeA = dims.transposeA ?? false;
  const transposeB = dims.transposeB ?? false;
  // Output tiles in one list, folded into a 2-D grid when longer than one grid row.
  const tilesN = Math.ceil(n / (4 * config.wgX));
  const tiles = tilesN * Math.ceil(m / (4 * config.wgY));
  await ctx.dispatch(matmulKernel, {
    constants: {
      WG_X: config.wgX,
      WG_Y: config.wgY,
      TK: config.tileK,
      TRANSPOSE_A: transposeA,
      TRANSPOSE_B: transposeB,
      HAS_BIAS: bias !== undefined,
      BIAS_PER_ROW: biasPerRow,
      // The stored matrix's row length decides whether 4 consecutive elements are one aligned word.
      A_VEC4: (transposeA ? m : k) % 4 === 0,
      B_VEC4: (transposeB ? k : n) % 4 === 0,
    },
    buffers: { a, b, c, bias: bias ?? a },
    uniforms: { m, k, n, liveN: liveColumns, tilesN, tiles },
    workgroups: gridFor(ctx, tiles, config),
  });
}

/** One-shot dense product (public API): upload, C = op(A)·op(B) on the GPU, read back. */
export async function matmul(
  ctx: Context,
  a: Float32Array,
  b: Float32Array,
  dims: MatmulDims,
  opts: { bias?: Float32Array } = {},
): Promise<Float32Array> {
  checkMatmulDims(dims);
  checkFiniteFloat32('a', a, { length: dims.m * dims.k, why: 'm*k' });
  checkFiniteFloat32('b', b, { length: dims.k * dims.n, why: 'k*n' });
  // null counts as absent, as undefined does (a structured clone turns one into the other).
  if (opts.bias != null) checkFiniteFloat32('bias', opts.bias, { length: dims.n, why: 'n' });
  const ta = ctx.upload('f32', a, 'matmul.a');
  const tb = ctx.upload('f32', b, 'matmul.b');
  const tbias = opts.bias ? ctx.upload('f32', opts.bias, 'matmul.bias') : undefined;
  const tc = ctx.zeros('f32', dims.m * dims.n, 'matmul.c');
  try {
    await matmulInto(ctx, ta, tb, tc, dims, { bias: tbias });
    return await ctx.read(tc);
  } finally {
    for (const t of [ta, tb, tc, tbias]) t?.destroy();
  }
}
