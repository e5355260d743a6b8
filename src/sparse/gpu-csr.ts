/**
 * A CSR weight resident on the GPU, built once per mask and reused by every training step: the
 * pattern, the values (the one array an optimizer updates in place), Sputnik's row swizzle, and,
 * built on first use by a backward pass, Wᵀ's pattern with the permutation into the same values
 * and the SDDMM work items.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { OrthosparseError } from '../errors.js';
import { type CsrMatrix, type CsrStructure, validateCsr } from './csr.js';
import { transposeStructure } from './csc.js';
import type { CompressedPattern } from './structure.js';
import { rowSwizzle } from './swizzle.js';

/** Entries per SDDMM work item: each row is cut into pieces of at most this many entries. */
export const CSR_SDDMM_SEGMENT = 8;

/** A sparse pattern on the GPU in CSR form, rows in swizzled order. */
export interface GpuCsrPattern {
  rows: number;
  cols: number;
  rowPtr: GpuTensor<'u32'>;
  colIdx: GpuTensor<'u32'>;
  /** Row indices by decreasing length (rowSwizzle). */
  rowOrder: GpuTensor<'u32'>;
}

/** Wᵀ's pattern; its entry t holds W.values[perm[t]]. */
export interface GpuTransposedPattern extends GpuCsrPattern {
  perm: GpuTensor<'u32'>;
}

/** SDDMM work: `count` items (row, first entry), each covering at most CSR_SDDMM_SEGMENT entries. */
export interface GpuSddmmItems {
  items: GpuTensor<'u32'>;
  count: number;
}

/**
 * A CSR weight (rows x cols) resident on the GPU: its pattern, its values (the one array an
 * optimizer updates in place), the row swizzle, and, built on first use by a backward pass, the
 * transposed pattern with the permutation into the same values and the SDDMM work items.
 *
 * @throws RangeError or TypeError (constructor) when the matrix is not valid CSR; BufferTooLargeError when it does not fit one buffer
 */
export class GpuCsr {
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
  readonly pattern: GpuCsrPattern;
  readonly values: GpuTensor<'f32'>;
  private readonly host: CompressedPattern;
  private transposedPattern: GpuTransposedPattern | undefined;
  private sddmmWork: GpuSddmmItems | undefined;
  private destroyed = false;
  private dynamic = false;

  private constructor(
    private readonly ctx: Context,
    w: CsrMatrix,
    private readonly label: string,
  ) {
    this.rows = w.rows;
    this.cols = w.cols;
    this.nnz = w.colIdx.length;
    this.host = { rowPtr: w.rowPtr.slice(), colIdx: w.colIdx.slice() };
    this.pattern = uploadPattern(ctx, w.rows, w.cols, w.rowPtr, w.colIdx, label);
    this.values = ctx.upload('f32', w.values, `${label}.values`);
  }

  /** Validates `w` (validateCsr) and uploads it. */
  static upload(ctx: Context, w: CsrMatrix, label = 'w'): GpuCsr {
    validateCsr(w, label);
    return new GpuCsr(ctx, w, label);
  }

  /** Wᵀ's pattern (W in CSC form) and the permutation into `values`; built on first use. */
  get transposed(): GpuTransposedPattern {
    this.throwIfDestroyed();
    if (!this.transposedPattern) {
      this.transposedPattern = uploadTransposed(this.ctx, { rows: this.rows, cols: this.cols, ...this.host }, `${this.label}T`);
    }
    return this.transposedPattern;
  }

  /** The SDDMM work items: every row cut into pieces of CSR_SDDMM_SEGMENT entries; built on first use. */
  get sddmmItems(): GpuSddmmItems {
    this.throwIfDestroyed();
    if (!this.sddmmWork) {
      const pairs = this.hostSddmmItems();
      this.sddmmWork = { items: this.ctx.upload('u32', pairs, `${this.label}.sddmmItems`), count: pairs.length / 2 };
    }
    return this.sddmmWork;
  }

  private hostSddmmItems(): Uint32Array {
    const pairs: number[] = [];
    const { rowPtr } = this.host;
    for (let r = 0; r < this.rows; r++) {
      for (let e = rowPtr[r]; e < rowPtr[r + 1]; e += CSR_SDDMM_SEGMENT) pairs.push(r, e);
    }
    return Uint32Array.from(pairs);
  }

  /**
   * Hands the structure to a caller that rewrites it on the GPU (dynamic sparse training, which
   * keeps nnz): builds Wᵀ's pattern now and moves the SDDMM items into a buffer with room for any
   * pattern of this shape and nnz. From then on the host copy is stale and never used again; the
   * caller keeps every buffer consistent and reports the live item count with setSddmmCount.
   */
  makeDynamic(): void {
    this.throwIfDestroyed();
    if (this.dynamic) return;
    void this.transposed;
    // Each row of length l takes ceil(l / SEGMENT) <= (l + SEGMENT - 1) / SEGMENT items, and at most l.
    const capacity = Math.max(1, Math.min(this.nnz, Math.floor((this.nnz + (CSR_SDDMM_SEGMENT - 1) * this.rows) / CSR_SDDMM_SEGMENT)));
    const pairs = this.hostSddmmItems();
    const items = this.ctx.zeros('u32', 2 * capacity, `${this.label}.sddmmItems`);
    this.ctx.write(items, pairs);
    this.sddmmWork?.items.destroy();
    this.sddmmWork = { items, count: pairs.length / 2 };
    this.dynamic = true;
  }

  /** After a rewrite on the GPU (see makeDynamic): how many SDDMM items are live. */
  setSddmmCount(count: number): void {
    const work = this.sddmmItems;
    if (!Number.isInteger(count) || count < 0 || 2 * count > work.items.length) {
      throw new RangeError(`count must be an integer in [0, ${work.items.length / 2}], got ${count}`);
    }
    this.sddmmWork = { items: work.items, count };
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Frees every buffer now. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const t = this.transposedPattern;
    for (const tensor of [this.pattern.rowPtr, this.pattern.colIdx, this.pattern.rowOrder, this.values, t?.rowPtr, t?.colIdx, t?.rowOrder, t?.perm, this.sddmmWork?.items]) {
      tensor?.destroy();
    }
  }

  private throwIfDestroyed(): void {
    if (this.destroyed) throw new OrthosparseError('use of a destroyed GpuCsr');
  }
}

/** Uploads a compressed-row pattern (of elements or of blocks) with its row swizzle. */
export function uploadPattern(
  ctx: Context,
  rows: number,
  cols: number,
  rowPtr: Uint32Array,
  colIdx: Uint32Array,
  label: string,
): GpuCsrPattern {
  return {
    rows,
    cols,
    rowPtr: ctx.upload('u32', rowPtr, `${label}.rowPtr`),
    colIdx: ctx.upload('u32', colIdx, `${label}.colIdx`),
    rowOrder: ctx.upload('u32', rowSwizzle(rowPtr), `${label}.rowOrder`),
  };
}

/** Uploads the transpose of a compressed-row pattern with the permutation into the original's items. */
export function uploadTransposed(ctx: Context, pattern: CsrStructure, label: string): GpuTransposedPattern {
  const t = transposeStructure(pattern);
  return {
    ...uploadPattern(ctx, t.rows, t.cols, t.rowPtr, t.colIdx, label),
    perm: ctx.upload('u32', t.perm, `${label}.perm`),
  };
}
