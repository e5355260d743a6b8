/**
 * A BSR weight resident on the GPU, built once per mask and reused by every training step: the
 * block pattern, the values (the one array an optimizer updates in place), the block-row swizzle,
 * the element mask packed to bits, and, built on first use by a backward pass, Wᵀ's block pattern
 * with the permutation into the same blocks and each block's row (for the SDDMM).
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { OrthosparseError } from '../errors.js';
import { type BsrBlockSize, type BsrMatrix, validateBsr } from './bsr.js';
import type { CompressedPattern } from './structure.js';
import { type GpuCsrPattern, type GpuTransposedPattern, uploadPattern, uploadTransposed } from './gpu-csr.js';

/**
 * A BSR weight resident on the GPU: block pattern, values (updated in place by optimizers),
 * block-row swizzle, element mask bits, and on first backward use the transposed block pattern.
 *
 * @throws RangeError or TypeError (constructor) when the matrix is not valid BSR; BufferTooLargeError when it does not fit one buffer
 */
export class GpuBsr {
  readonly rows: number;
  readonly cols: number;
  readonly blockSize: BsrBlockSize;
  readonly nBlocks: number;
  /** The pattern over blocks: blockRows x blockCols. */
  readonly pattern: GpuCsrPattern;
  readonly values: GpuTensor<'f32'>;
  /** elementMask, 32 elements per word (bit k of word w is element 32w + k); absent without a mask. */
  readonly maskBits: GpuTensor<'u32'> | undefined;
  private readonly host: CompressedPattern;
  private transposedPattern: GpuTransposedPattern | undefined;
  private blockRows: GpuTensor<'u32'> | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: Context,
    w: BsrMatrix,
    private readonly label: string,
  ) {
    this.rows = w.rows;
    this.cols = w.cols;
    this.blockSize = w.blockSize;
    this.nBlocks = w.colIdx.length;
    this.host = { rowPtr: w.rowPtr.slice(), colIdx: w.colIdx.slice() };
    this.pattern = uploadPattern(ctx, w.blockRows, w.blockCols, w.rowPtr, w.colIdx, label);
    this.values = ctx.upload('f32', w.values, `${label}.values`);
    this.maskBits = w.elementMask && ctx.upload('u32', packBits(w.elementMask), `${label}.maskBits`);
  }

  /** Validates `w` (validateBsr) and uploads it. */
  static upload(ctx: Context, w: BsrMatrix, label = 'w'): GpuBsr {
    validateBsr(w, label);
    return new GpuBsr(ctx, w, label);
  }

  /** Wᵀ's block pattern and the permutation into W's blocks; built on first use. */
  get transposed(): GpuTransposedPattern {
    this.throwIfDestroyed();
    if (!this.transposedPattern) {
      const blocks = { rows: this.pattern.rows, cols: this.pattern.cols, ...this.host };
      this.transposedPattern = uploadTransposed(this.ctx, blocks, `${this.label}T`);
    }
    return this.transposedPattern;
  }

  /** The block row of every stored block; built on first use. */
  get blockRow(): GpuTensor<'u32'> {
    this.throwIfDestroyed();
    if (!this.blockRows) {
      const rowOf = new Uint32Array(this.nBlocks);
      const { rowPtr } = this.host;
      for (let br = 0; br + 1 < rowPtr.length; br++) rowOf.fill(br, rowPtr[br], rowPtr[br + 1]);
      this.blockRows = this.ctx.upload('u32', rowOf, `${this.label}.blockRow`);
    }
    return this.blockRows;
  }

  /**
   * Hands the block pattern to a caller that rewrites it on the GPU (dynamic sparse training, which
   * keeps nBlocks): builds Wᵀ's block pattern and blockRow now, so that the host copy is never used
   * again; the caller keeps every buffer consistent. Throws a TypeError with an element mask, which
   * moving blocks would not carry along.
   */
  makeDynamic(): void {
    this.throwIfDestroyed();
    if (this.maskBits) throw new TypeError(`${this.label}: a BSR weight with an element mask cannot move its blocks (the mask inside them would not follow)`);
    void this.transposed;
    void this.blockRow;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Frees every buffer now. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const p = this.pattern;
    const t = this.transposedPattern;
    for (const tensor of [p.rowPtr, p.colIdx, p.rowOrder, this.values, this.maskBits, t?.rowPtr, t?.colIdx, t?.rowOrder, t?.perm, this.blockRows]) {
      tensor?.destroy();
    }
  }

  private throwIfDestroyed(): void {
    if (this.destroyed) throw new OrthosparseError('use of a destroyed GpuBsr');
  }
}

/** 0/1 bytes packed 32 to a word, least significant bit first. */
function packBits(mask: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(mask.length / 32));
  for (let i = 0; i < mask.length; i++) if (mask[i]) words[i >>> 5] |= 1 << (i & 31);
  return words;
}
