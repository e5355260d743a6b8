/**
 * A block-sparse conv filter resident on the GPU, built once per mask: the block pattern with its
 * swizzle, the values (the one array an optimizer updates in place), Wᵀ's block pattern with the
 * permutation into the same blocks (backward-data), every block's row (weight gradient) and, when
 * the filter has an element mask, that mask as one word per (block, tap, output channel): bit j
 * set when input channel j of the block is in the pattern.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type ConvBsrBlockSize, type ConvBsrFilter, validateConvBsr } from './conv-bsr.js';
import { type GpuCsrPattern, type GpuTransposedPattern, uploadPattern, uploadTransposed } from './gpu-csr.js';

/**
 * A block-sparse convolution filter resident on the GPU (blocks over output x input channels per
 * tap), with its values updated in place by optimizers and its transposed pattern built on first
 * backward use.
 *
 * @throws RangeError or TypeError (constructor) when the filter is not valid
 */
export class GpuConvBsrFilter {
  readonly cOut: number;
  readonly cIn: number;
  readonly kh: number;
  readonly kw: number;
  readonly blockSize: ConvBsrBlockSize;
  readonly nBlocks: number;

  private constructor(
    f: ConvBsrFilter,
    /** The pattern over blocks: blockRows x blockCols. */
    readonly pattern: GpuCsrPattern,
    /** Wᵀ's block pattern; its entry t is block perm[t]. */
    readonly transposed: GpuTransposedPattern,
    /** The block row of every stored block. */
    readonly blockRow: GpuTensor<'u32'>,
    readonly values: GpuTensor<'f32'>,
    /** The element mask, one word per (block, tap, output channel row); absent without a mask. */
    readonly maskRows: GpuTensor<'u32'> | undefined,
  ) {
    this.cOut = f.cOut;
    this.cIn = f.cIn;
    this.kh = f.kh;
    this.kw = f.kw;
    this.blockSize = f.blockSize;
    this.nBlocks = f.colIdx.length;
  }

  /** Validates `f` (validateConvBsr) and uploads it; frees what it uploaded if a later upload fails. */
  static upload(ctx: Context, f: ConvBsrFilter, label = 'w'): GpuConvBsrFilter {
    validateConvBsr(f, label);
    const blockRow = new Uint32Array(f.colIdx.length);
    for (let br = 0; br < f.blockRows; br++) blockRow.fill(br, f.rowPtr[br], f.rowPtr[br + 1]);
    const uploaded: Array<{ destroy(): void }> = [];
    const own = <T extends { destroy(): void }>(t: T) => (uploaded.push(t), t);
    const patternTensors = (p: GpuCsrPattern) => [p.rowPtr, p.colIdx, p.rowOrder];
    try {
      const pattern = uploadPattern(ctx, f.blockRows, f.blockCols, f.rowPtr, f.colIdx, label);
      patternTensors(pattern).forEach(own);
      const transposed = uploadTransposed(ctx, { rows: f.blockRows, cols: f.blockCols, rowPtr: f.rowPtr, colIdx: f.colIdx }, `${label}T`);
      [...patternTensors(transposed), transposed.perm].forEach(own);
      const rows = own(ctx.upload('u32', blockRow, `${label}.blockRow`));
      const values = own(ctx.upload('f32', f.values, `${label}.values`));
      const mask = f.elementMask && own(ctx.upload('u32', maskWords(f.elementMask, f.blockSize), `${label}.maskRows`));
      return new GpuConvBsrFilter(f, pattern, transposed, rows, values, mask);
    } catch (error) {
      for (const t of uploaded) t.destroy();
      throw error;
    }
  }

  /** Rows of the filter as a matrix: cOut. */
  get rows(): number {
    return this.cOut;
  }

  /** Columns of the filter as a matrix: cIn·kh·kw taps (OIHW). */
  get cols(): number {
    return this.cIn * this.kh * this.kw;
  }

  /**
   * Hands the block pattern to a caller that rewrites it on the GPU (dynamic sparse training, which
   * keeps nBlocks and rebuilds Wᵀ, the swizzles and blockRow, all built at upload). Throws a
   * TypeError with an element mask, which moving blocks would not carry along.
   */
  makeDynamic(): void {
    if (this.maskRows) throw new TypeError('a block conv filter with an element mask cannot move its blocks (the mask inside them would not follow)');
  }

  /** Frees every buffer now. */
  destroy(): void {
    const { pattern: p, transposed: t } = this;
    for (const tensor of [p.rowPtr, p.colIdx, p.rowOrder, t.rowPtr, t.colIdx, t.rowOrder, t.perm, this.blockRow, this.values, this.maskRows]) tensor?.destroy();
  }
}

/** Each run of blockSize mask bytes (one block row of one tap) as one word, byte j at bit j. */
function maskWords(mask: Uint8Array, blockSize: number): Uint32Array {
  const words = new Uint32Array(mask.length / blockSize);
  for (let i = 0; i < mask.length; i++) if (mask[i]) words[Math.floor(i / blockSize)] |= 1 << (i % blockSize);
  return words;
}
