/**
 * One dynamic-sparse-training mask update of a CSR or BSR layer, entirely on the GPU
 * (shaders/dst_*.wgsl): drop the k stored entries of smallest |w|, grow k positions not kept (SET:
 * the first k free positions of a seeded pseudorandom permutation of the positions, i.e. uniformly
 * at random; RigL: by the largest |dL/dW|, the dense gradient computed a chunk of rows at a time),
 * write the new CSR, move the values and every optimizer state section to the new order (grown
 * entries 0), and rebuild Wᵀ's pattern, both row swizzles and the SDDMM work items. Nothing is read
 * back but the SDDMM item count. Per layer: 1 dispatch to drop (one workgroup selecting over the
 * entries; 7, a radix select across workgroups, above DST_DROP_ONE_WORKGROUP_MAX entries), 3 to
 * grow by SET (2 when k = 0), 4 by RigL when its dense gradient is computed in one chunk (a sample,
 * one walk of every position, a single-workgroup select and the merge; 2 when k = 0) and 7 per
 * chunk-sized layer otherwise (dst_select's two-walk radix select, a chunk of rows at a time), its
 * dense gradient's matmuls on top, 2 to move the values and the optimizer state, 4 to install the
 * new pattern and rebuild, and for a BSR layer 1 more to score its blocks: a SET update is 10
 * dispatches per CSR layer, 11 per BSR layer. No pass is one invocation walking the whole layer:
 * the walks are one invocation per unit of columns, entries, candidates or rows, Wᵀ a counting
 * sort over row blocks, the scans, row ranks and SDDMM items one workgroup of 64.
 *
 * SET never looks at the empty positions at large (shaders/dst_grow.wgsl): its order is a
 * bijection π of the n flat positions (a four-round Feistel network with cycle walking, keyed by
 * the salt, shaders/dst_sequence.wgsl), and it grows the first k positions of π(0), π(1), … that
 * are not kept. One pass tests the first M = (k + 8√k + 64) / (free fraction) of them (each by a
 * binary search of its row's columns) and marks the free ones; one workgroup ranks the marks,
 * keeps the first k, and where fewer than k were free (probability below 1e-14) goes on along the
 * sequence itself until it has k (no read back, no extra dispatch), then counts them per row,
 * scans the new row lengths and places each row's grown columns after its kept entries; one
 * invocation per row sorts its few grown columns and merges them with its kept entries into the
 * new CSR. The reference's grow key for SET is 2^32 - 1 - π⁻¹(p) (setGrowKey), so "largest key
 * wins" selects the same set.
 *
 * RigL with the whole gradient at hand walks the positions once instead of twice: the free ones
 * among the first RIGL_SAMPLE positions of π are an unbiased sample, and the key RIGL_SLACK
 * standard deviations below where the sample puts the k-th largest is a floor that at least k
 * free keys clear with high probability; the walk lists every free (position, key) at or above it,
 * about k·(1 + RIGL_SLACK / √(expected sample hits)) of them, and one workgroup selects exactly
 * among the list. When the list holds fewer than k or overflows its room (rare; recorded in the
 * workspace's fallback word like SET's), that workgroup selects over every position instead, so
 * the result is the exact top k either way.
 *
 * A BSR layer moves whole blocks: the same passes run on its block pattern (a CSR matrix over
 * blockRows x blockCols), ranking blocks by the sum of |w| over the block (drop) and of |dL/dW|
 * (RigL's grow, from each chunk of whole block rows of the dense gradient), shaders/dst_blocks.wgsl;
 * a block's b² values and optimizer state move together, and the rebuild writes the block row of
 * each block (the BSR SDDMM's work data) instead of CSR items, so nothing is read back at all.
 * A block conv filter (GpuConvBsrFilter) moves the same way: its blocks are b output x b input
 * channels with every tap, b²·kh·kw values, and a block position's RigL score sums the gradient's
 * b rows over the b·kh·kw consecutive columns of its input channels.
 * The score is the plain sum of magnitudes, not the Frobenius norm: it is the elementwise drop
 * rule summed over the unit that moves, and a sum of absolute values has no products a compiler
 * could fuse into multiply-adds, so every backend and the CPU reference round it identically and
 * select the same blocks, ties included.
 *
 * The exact CPU reference is src/dst/reference.ts; ties go to the lower flat index on both.
 */
import blocksSource from '../../shaders/dst_blocks.wgsl';
import digitsSource from '../../shaders/dst_digits.wgsl';
import gatherSource from '../../shaders/dst_gather.wgsl';
import growSource from '../../shaders/dst_grow.wgsl';
import indexSource from '../../shaders/dst_index.wgsl';
import lanesSource from '../../shaders/dst_lanes.wgsl';
import pickSource from '../../shaders/dst_pick.wgsl';
import rowsSource from '../../shaders/dst_rows.wgsl';
import scanSource from '../../shaders/dst_scan.wgsl';
import searchSource from '../../shaders/dst_search.wgsl';
import selectSource from '../../shaders/dst_select.wgsl';
import sequenceSource from '../../shaders/dst_sequence.wgsl';
import stateSource from '../../shaders/dst_state.wgsl';
import transposeSource from '../../shaders/dst_transpose.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import { composedSource } from '../gpu/kernel-interface.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { GpuBsr } from '../sparse/gpu-bsr.js';
import { GpuConvBsrFilter } from '../sparse/gpu-conv-bsr.js';
import { CSR_SDDMM_SEGMENT, type GpuCsr } from '../sparse/gpu-csr.js';
import { checkNonNegativeInt, checkObject, checkPositiveInt } from '../validate.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { gridFor } from './grid.js';
import { matmulInto } from './matmul.js';

export const dstSelectKernel: KernelSource = { name: 'dst_select', source: /* @__PURE__ */ composedSource([stateSource, lanesSource, pickSource, digitsSource, searchSource, selectSource]) };
export const dstGrowKernel: KernelSource = {
  name: 'dst_grow',
  source: /* @__PURE__ */ composedSource([stateSource, lanesSource, indexSource, searchSource, digitsSource, sequenceSource, growSource]),
};
export const dstScanKernel: KernelSource = { name: 'dst_scan', source: /* @__PURE__ */ composedSource([stateSource, lanesSource, scanSource]) };
export const dstBlocksKernel: KernelSource = { name: 'dst_blocks', source: /* @__PURE__ */ composedSource([indexSource, blocksSource]) };
export const dstTransposeKernel: KernelSource = { name: 'dst_transpose', source: /* @__PURE__ */ composedSource([lanesSource, transposeSource]) };
export const dstRowsKernel: KernelSource = { name: 'dst_rows', source: /* @__PURE__ */ composedSource([lanesSource, rowsSource]) };
export const dstGatherKernel: KernelSource = { name: 'dst_gather', source: /* @__PURE__ */ composedSource([indexSource, gatherSource]) };

const WG = 64;
/** Invocations of the one-workgroup rebuild passes and scans (LANES, shaders/dst_lanes.wgsl). */
const ONE_WORKGROUP_LANES = 64;
/** The override every kernel composing shaders/dst_lanes.wgsl needs (it has no default). */
const LANES = { LANES: ONE_WORKGROUP_LANES };
/** Elements one invocation of the selection passes walks (entries, or columns of one row). */
export const DST_UNIT = 64;
const HIST_BINS = 1 << 16;
/** work[0..5): the selection state (need, prefix, threshold, take, SET's fallback; shaders/dst_state.wgsl). */
const STATE_WORDS = 5;
const FALLBACK_WORD = 4;
/**
 * Layers (BSR: block patterns) with at most this many stored entries drop in one dispatch of one
 * workgroup (its 64 invocations read each key six times); larger ones by the radix select across
 * many workgroups (seven dispatches).
 */
export const DST_DROP_ONE_WORKGROUP_MAX = 1 << 16;
/** Default bound on the dense-gradient chunk RigL holds at once, in entries (4 MiB of float32). */
export const DST_DEFAULT_CHUNK_ENTRIES = 1 << 20;
/** Positions of π RigL's sample tests (shaders/dst_grow.wgsl's rigl_sample). */
const RIGL_SAMPLE = 4096;
/** Standard deviations the sample's rank stays above the expected rank of the k-th key. */
const RIGL_SLACK = 4;
/** RigL's list: the count, the floor, the sample's keys, then the (position, key) pairs. */
const RIGL_LIST_AT = 2 + RIGL_SAMPLE;

/**
 * The room of RigL's list for growing k of n positions: the walk lists about k + 4√(k·n / 4096) +
 * 4n / 4096 of them (standard deviation about √(that sample rank)·n / 4096), so 2k + 16n / 4096 +
 * 1024 leaves at least five standard deviations; at most n.
 */
function riglRoom(k: number, n: number): number {
  return Math.min(n, 2 * k + Math.ceil((16 * n) / RIGL_SAMPLE) + 1024);
}

/** RigL's grow from a fully connected layer's dY and X: its keys are |dYᵀ·X|, computed chunk by chunk. */
export interface DstRiglProductGrow {
  method: 'rigl';
  /** dL/dY of the layer (rows x featureMajorStride(batch)) and its input X (cols x the same), feature-major */
  dyT: GpuTensor<'f32'>;
  xT: GpuTensor<'f32'>;
  batch: number;
  /**
   * at most this many dense-gradient entries are held at once (default DST_DEFAULT_CHUNK_ENTRIES),
   * but always one whole row (a BSR layer: one block row, blockSize rows)
   */
  chunkEntries?: number;
}

/**
 * RigL's grow from a dense gradient the caller computes a chunk of rows at a time: a
 * convolution's, which is not one product of dY and X. `gradientRows(row0, rows, into)` writes
 * dL/dW of the element rows [row0, row0 + rows) into `into` (rows x cols, row-major, exactly that
 * long); the grow calls it once per chunk and pass, as it recomputes DstRiglProductGrow's chunks.
 */
export interface DstRiglGradientGrow {
  method: 'rigl';
  /** writes dL/dW of the element rows [row0, row0 + rows) into `into`, as above */
  gradientRows: (row0: number, rows: number, into: GpuTensor<'f32'>) => Promise<void>;
  /** as DstRiglProductGrow's */
  chunkEntries?: number;
}

/** How the grown positions are chosen. */
export type DstGrow = { method: 'set'; salt: number } | DstRiglProductGrow | DstRiglGradientGrow;

/**
 * What tests force on a grow to reach its rare paths (dstGrowForcedInto; not part of the package's
 * API). SET's window: the candidates tested in parallel (0 to the layer's positions; by default
 * dstSetWindow), a small one forcing the workgroup that ranks them to go on along the sequence.
 * RigL's list, when the layer's gradient is one chunk: the floor of the listed keys (a key's bits,
 * instead of the sample's estimate) and the list's room (0 to the workspace's riglCapacity); a
 * floor above every key, or a room below the positions listed, forces the exact select over every
 * position.
 */
export interface DstGrowForcing {
  window?: number;
  list?: { floor?: number; room?: number };
}

/**
 * A layer whose mask an update moves: CSR entries, or the blocks (without an element mask) of a
 * BSR layer or of a block conv filter.
 */
export type DstLayer = GpuCsr | GpuBsr | GpuConvBsrFilter;

/** A layer stored in blocks. */
type BlockLayer = GpuBsr | GpuConvBsrFilter;

function isBlockLayer(w: DstLayer): w is BlockLayer {
  return w instanceof GpuBsr || w instanceof GpuConvBsrFilter;
}

/**
 * What one block of a block layer spans: blockSize rows of W and `width` columns, `words` values;
 * a BSR layer's blockSize x blockSize, a block conv filter's blockSize output channels x the kh·kw
 * taps of blockSize input channels (consecutive columns of the OIHW flattening).
 */
function blockExtent(w: BlockLayer): { width: number; words: number } {
  const taps = w instanceof GpuConvBsrFilter ? w.kh * w.kw : 1;
  return { width: w.blockSize * taps, words: w.blockSize * w.blockSize * taps };
}

/**
 * The compressed-row matrix the selection walks: a CSR layer itself, or a BSR layer's block
 * pattern (rows, cols in blocks; nnz blocks), and the words one of its entries holds (1, or b²).
 */
export interface DstGrid {
  rows: number;
  cols: number;
  nnz: number;
  entryWords: number;
}

/** The grid of a layer (see DstGrid). */
export function dstGrid(w: DstLayer): DstGrid {
  if (isBlockLayer(w)) return { rows: w.pattern.rows, cols: w.pattern.cols, nnz: w.nBlocks, entryWords: blockExtent(w).words };
  return { rows: w.rows, cols: w.cols, nnz: w.nnz, entryWords: 1 };
}

/** The rows of W one grid entry spans: a block layer's block size, 1 for CSR. */
function blockSide(w: DstLayer): number {
  return isBlockLayer(w) ? w.blockSize : 1;
}

/**
 * SET's candidate window for growing k of `free` free positions out of n: the first M of its
 * sequence, M = (k + 8√k + 64)·n / free (at most n; 0 for k = 0), hold k + 8√k + 64 free ones on
 * average, so fewer than k with probability below 1e-14.
 */
export function dstSetWindow(k: number, n: number, free: number): number {
  if (k === 0) return 0;
  return Math.min(n, Math.ceil(((k + 8 * Math.sqrt(k) + 64) * n) / free));
}

/**
 * The row blocks Wᵀ's counting sort runs over (shaders/dst_transpose.wgsl): one invocation per
 * block, each with a row of `cols` counters. Blocks of about 1 / density rows (1 to 64) keep the
 * counters near nnz + cols words, and each invocation's walk near its cols counters plus cols
 * entries.
 */
function transposeBlocks(w: DstGrid): { blockRows: number; blocks: number } {
  const blockRows = Math.max(1, Math.min(64, Math.floor((w.rows * w.cols) / Math.max(1, w.nnz))));
  return { blockRows, blocks: Math.ceil(w.rows / blockRows) };
}

/**
 * The row blocks of a row rank over n rows of lengths 0..maxLen (shaders/dst_rows.wgsl), one
 * invocation each with maxLen + 1 counters: about √n blocks of whole rows (at most
 * ONE_WORKGROUP_LANES), fewer
 * where their counters would exceed 4·(n + maxLen + 1) words, so that the rank's total work stays
 * a small multiple of one walk over the rows and lengths while no invocation walks more than
 * about √n rows.
 */
function rankBlocks(n: number, maxLen: number): { blockRows: number; blocks: number } {
  const lengths = maxLen + 1;
  const blocks = Math.max(1, Math.min(ONE_WORKGROUP_LANES, Math.ceil(Math.sqrt(n)), Math.floor((4 * (n + lengths)) / lengths)));
  const blockRows = Math.max(1, Math.ceil(n / blocks));
  return { blockRows, blocks: Math.ceil(n / blockRows) };
}

/** Largest units count of the two domains: entries in units, and rows times column segments. */
function unitCounts(w: DstGrid): { drop: number; grow: number; segments: number } {
  const segments = Math.ceil(w.cols / DST_UNIT);
  return { drop: Math.ceil(w.nnz / DST_UNIT), grow: w.rows * segments, segments };
}

/**
 * The scratch one layer's updates use, allocated once (a few words per entry and per unit, a
 * 65536-bin histogram, a BSR layer's block scores, and RigL's dense-gradient chunk when asked).
 * Throws a RangeError when the layer has 2^32 positions or more (flat positions are u32 on the
 * GPU), a TypeError for a BSR layer with an element mask (moving its blocks would change its count
 * of weights).
 */
export class DstWorkspace {
  readonly keep: GpuTensor<'u32'>;
  readonly hist: GpuTensor<'u32'>;
  /** the grow's: a counter per row (rows), the chosen positions (nnz), SET's free bit per candidate (⌈rows·cols / 32⌉) */
  readonly sequence: GpuTensor<'u32'>;
  readonly work: GpuTensor<'u32'>;
  /** new colIdx (nnz), src (nnz), new rowPtr (rows + 1) */
  readonly out: GpuTensor<'u32'>;
  /** the row ranks' first slot per length (W's cols + 1 words, then Wᵀ's rows + 1) */
  readonly cursor: GpuTensor<'u32'>;
  /** Wᵀ's counting sort: a row of cols counters per block of rows (transposeBlocks) */
  readonly columnCounts: GpuTensor<'u32'>;
  /** the row ranks' counters: a row of maxLen + 1 per block of rows (rankBlocks), W's rows' then Wᵀ's */
  readonly rankCounts: GpuTensor<'u32'>;
  readonly itemCount: GpuTensor<'u32'>;
  /** the grid the selection walks (dstGrid) */
  readonly grid: DstGrid;
  /** a BSR layer's block scores (nBlocks), the drop's keys */
  readonly blockScores: GpuTensor<'f32'> | undefined;
  private readonly spareF: GpuTensor<'f32'>;
  private readonly spareF2: GpuTensor<'f32'>;
  private readonly spareF3: GpuTensor<'f32'>;
  private readonly spareU: GpuTensor<'u32'>;
  private readonly chunks = new Map<string, GpuTensor<'f32'>>();
  private riglListBuffer: GpuTensor<'u32'> | undefined;
  readonly eqOff = STATE_WORDS;
  /**
   * work[fallbackOff] is 1 after a SET grow whose candidate window held fewer than k free
   * positions (the ranking went on along the sequence), or a RigL grow from one chunk whose list
   * did not hold the k largest keys (the exact select over every position ran), else 0
   */
  readonly fallbackOff = FALLBACK_WORD;
  readonly newOff: number;
  readonly maskOff: number;

  constructor(
    private readonly ctx: Context,
    readonly w: DstLayer,
  ) {
    if (w.rows * w.cols > 0xffffffff) throw new RangeError(`dynamic sparsity needs rows·cols < 2^32, got ${w.rows}·${w.cols}`);
    if ((w instanceof GpuBsr && w.maskBits) || (w instanceof GpuConvBsrFilter && w.maskRows)) {
      throw new TypeError(`dynamic sparsity moves whole blocks of a ${w instanceof GpuBsr ? 'BSR layer' : 'block conv filter'}; this one has an element mask inside its blocks (use a block-structured mask)`);
    }
    const grid = dstGrid(w);
    this.grid = grid;
    const units = unitCounts(grid);
    this.newOff = this.eqOff + Math.max(units.drop, units.grow) + 1;
    const n = Math.max(1, grid.nnz);
    this.keep = ctx.zeros('u32', n, 'dst.keep');
    this.hist = ctx.zeros('u32', HIST_BINS, 'dst.hist');
    this.sequence = ctx.zeros('u32', grid.rows + grid.nnz + Math.ceil((grid.rows * grid.cols) / 32), 'dst.sequence');
    this.maskOff = this.newOff + units.grow + 1;
    this.work = ctx.zeros('u32', this.maskOff + 4 * units.grow, 'dst.work');
    this.out = ctx.zeros('u32', 2 * grid.nnz + grid.rows + 1, 'dst.out');
    this.cursor = ctx.zeros('u32', grid.rows + grid.cols + 2, 'dst.cursor');
    this.columnCounts = ctx.zeros('u32', Math.max(1, transposeBlocks(grid).blocks * grid.cols), 'dst.columnCounts');
    const rankWords = rankBlocks(grid.rows, grid.cols).blocks * (grid.cols + 1) + rankBlocks(grid.cols, grid.rows).blocks * (grid.rows + 1);
    this.rankCounts = ctx.zeros('u32', rankWords, 'dst.rankCounts');
    this.itemCount = ctx.zeros('u32', 1, 'dst.itemCount');
    this.blockScores = isBlockLayer(w) ? ctx.zeros('f32', n, 'dst.blockScores') : undefined;
    this.spareF = ctx.zeros('f32', 4, 'dst.spareF');
    this.spareF2 = ctx.zeros('f32', 4, 'dst.spareF2');
    this.spareF3 = ctx.zeros('f32', 4, 'dst.spareF3');
    this.spareU = ctx.zeros('u32', 4, 'dst.spareU');
  }

  /**
   * Scratch of exactly `length` floats, made on first use and kept: RigL's chunk buffers (the
   * dense-gradient chunk, dY's rows for it, a BSR layer's block scores of it; a layer holds at
   * most a full and a last chunk) and the moved arrays' staging (nnz entries per section).
   */
  chunk(name: 'scores' | 'dy' | 'blocks' | 'tmp', length: number): GpuTensor<'f32'> {
    const key = `${name}:${length}`;
    let t = this.chunks.get(key);
    if (!t) {
      t = this.ctx.zeros('f32', length, `dst.${name}`);
      this.chunks.set(key, t);
    }
    return t;
  }

  /**
   * RigL's list, made on first use: the count and the floor, the sample's keys, then room for
   * riglRoom(nnz, positions) (position, key) pairs.
   */
  get riglList(): GpuTensor<'u32'> {
    this.riglListBuffer ??= this.ctx.zeros('u32', RIGL_LIST_AT + 2 * this.riglCapacity, 'dst.riglList');
    return this.riglListBuffer;
  }

  /** The most (position, key) pairs riglList holds. */
  get riglCapacity(): number {
    return riglRoom(this.grid.nnz, this.grid.rows * this.grid.cols);
  }

  /** Tensors for bindings a pass does not use (never written); several of a kind for passes with several unused writable bindings. */
  get unusedF(): GpuTensor<'f32'> {
    return this.spareF;
  }

  get unusedF2(): GpuTensor<'f32'> {
    return this.spareF2;
  }

  get unusedF3(): GpuTensor<'f32'> {
    return this.spareF3;
  }

  get unusedU(): GpuTensor<'u32'> {
    return this.spareU;
  }

  /** Frees the workspace's GPU buffers. */
  destroy(): void {
    for (const t of [this.keep, this.hist, this.sequence, this.work, this.out, this.cursor, this.columnCounts, this.rankCounts, this.itemCount, this.blockScores, this.riglListBuffer, this.spareF, this.spareF2, this.spareF3, this.spareU, ...this.chunks.values()]) t?.destroy();
  }
}

async function scan(ctx: Context, data: GpuTensor<'u32'>, offset: number, n: number, entryPoint: 'main' | 'grow' = 'main', second = 0): Promise<void> {
  await ctx.dispatch(dstScanKernel, { entryPoint, constants: LANES, buffers: { data }, uniforms: { offset, n, second }, workgroups: [1] });
}

interface SelectPass {
  entryPoint: string;
  units: [number, number];
  low?: boolean;
  k: number;
  chunkRow0?: number;
  scores?: GpuTensor<'f32'>;
  /** a one-workgroup entry point (ONE_WORKGROUP_LANES invocations) */
  single?: boolean;
}

async function selectPass(ctx: Context, ws: DstWorkspace, p: SelectPass): Promise<void> {
  const w = ws.grid;
  const { segments } = unitCounts(w);
  const [unitBegin, unitEnd] = p.units;
  const uniforms = {
    rows: w.rows,
    cols: w.cols,
    nnz: w.nnz,
    segments,
    unitBegin,
    unitEnd,
    chunkRow0: p.chunkRow0 ?? 0,
    low: Number(p.low ?? false),
    k: p.k,
    eqOff: ws.eqOff,
    newOff: ws.newOff,
    maskOff: ws.maskOff,
  };
  const dropKeys = ws.blockScores ?? ws.w.values;
  const buffers = {
    rowPtr: ws.w.pattern.rowPtr,
    colIdx: ws.w.pattern.colIdx,
    values: dropKeys,
    scores: p.scores ?? dropKeys,
    keep: ws.keep,
    hist: ws.hist,
    work: ws.work,
    out: ws.out,
  };
  await ctx.dispatch(dstSelectKernel, {
    entryPoint: p.entryPoint,
    constants: { WG, UNIT: DST_UNIT, ...LANES },
    buffers,
    uniforms,
    workgroups: p.single ? [1] : gridFor(ctx, Math.ceil((unitEnd - unitBegin) / WG)),
  });
}

/** The digit step of the radix select: the high digit's (or with `low`, the low digit's) bin holding the k-th key. */
async function pick(ctx: Context, ws: DstWorkspace, k: number, low = false): Promise<void> {
  await selectPass(ctx, ws, { entryPoint: 'pick', units: [0, 0], k, low, single: true });
}

/** A dst_blocks pass: `n` block scores from `src` into `scores`. */
async function blockScoresPass(ctx: Context, ws: DstWorkspace, entryPoint: 'weight_scores' | 'gradient_scores', n: number, src: GpuTensor<'f32'>, scores: GpuTensor<'f32'>, rows = 0): Promise<void> {
  const w = ws.w as BlockLayer;
  const { width, words } = blockExtent(w);
  await ctx.dispatch(dstBlocksKernel, {
    entryPoint,
    constants: { WG, BS: w.blockSize },
    buffers: { src, scores },
    uniforms: { n, rows, cols: w.cols, blockCols: ws.grid.cols, blockWidth: width, blockWords: words },
    workgroups: gridFor(ctx, Math.ceil(n / WG)),
  });
}

/**
 * Marks keep[e] = 0 for the k stored entries of smallest |w| (ties: lower index), 1 for the rest;
 * for a BSR layer the entries are its blocks, by the sum of |w| over each (scored first).
 */
export async function dstDropInto(ctx: Context, ws: DstWorkspace, k: number): Promise<void> {
  const w = ws.grid;
  checkNonNegativeInt('k', k, w.nnz);
  const units: [number, number] = [0, unitCounts(w).drop];
  if (ws.blockScores && k > 0) await blockScoresPass(ctx, ws, 'weight_scores', w.nnz, ws.w.values, ws.blockScores);
  if (w.nnz <= DST_DROP_ONE_WORKGROUP_MAX) {
    await selectPass(ctx, ws, { entryPoint: 'drop_select', units, k, single: true });
    return;
  }
  if (k === 0) {
    // A threshold no key exceeds and no equal key taken: every entry kept.
    ctx.write(ws.work, Uint32Array.of(0, 0, 0xffffffff, 0));
    await selectPass(ctx, ws, { entryPoint: 'drop_decide', units, k: 0 });
    return;
  }
  await selectPass(ctx, ws, { entryPoint: 'drop_hist', units, k });
  await pick(ctx, ws, k);
  await selectPass(ctx, ws, { entryPoint: 'drop_hist', units, k, low: true });
  await pick(ctx, ws, k, true);
  await selectPass(ctx, ws, { entryPoint: 'drop_count', units, k });
  await scan(ctx, ws.work, ws.eqOff, units[1]);
  await selectPass(ctx, ws, { entryPoint: 'drop_decide', units, k });
}

/**
 * RigL's dense gradient of (element) rows [row0, row0 + rows): dW = dYᵀ·X on the dense matmul
 * (the padding columns add nothing), from dY's rows copied out unless the chunk is the whole
 * layer; returns the workspace's chunk holding it. dstGrowInto computes it per chunk; exported so
 * that benchmarks can time RigL's inherent cost alone.
 */
export async function dstGradientChunk(ctx: Context, ws: DstWorkspace, grow: DstRiglProductGrow, row0: number, rows: number): Promise<GpuTensor<'f32'>> {
  const stride = featureMajorStride(grow.batch);
  const scores = ws.chunk('scores', rows * ws.w.cols);
  let dy = grow.dyT;
  if (rows < ws.w.rows) {
    dy = ws.chunk('dy', rows * stride);
    await gather(ctx, ws, 'copy', { n: rows * stride, srcOffset: row0 * stride }, { src: grow.dyT, to: dy });
  }
  await matmulInto(ctx, dy, grow.xT, scores, { m: rows, k: stride, n: ws.w.cols, transposeB: true });
  return scores;
}

/** The dense gradient of element rows [row0, row0 + rows), in a chunk of the workspace. */
type GradientRows = (row0: number, rows: number) => Promise<GpuTensor<'f32'>>;

/** RigL's dense gradient by chunks of rows: the product's (dstGradientChunk), or the caller's. */
function gradientRowsOf(ctx: Context, ws: DstWorkspace, grow: DstRiglProductGrow | DstRiglGradientGrow): GradientRows {
  if ('gradientRows' in grow) {
    if (typeof grow.gradientRows !== 'function') throw new TypeError(`grow.gradientRows must be a function (row0, rows, into) writing dL/dW of those rows, got ${typeof grow.gradientRows}`);
    return async (row0, rows) => {
      const into = ws.chunk('scores', rows * ws.w.cols);
      await grow.gradientRows(row0, rows, into);
      return into;
    };
  }
  checkPositiveInt('batch', grow.batch);
  checkFeatureMajor('dyT', grow.dyT, ws.w.rows, 'w.rows', grow.batch);
  checkFeatureMajor('xT', grow.xT, ws.w.cols, 'w.cols', grow.batch);
  return (row0, rows) => dstGradientChunk(ctx, ws, grow, row0, rows);
}

/**
 * RigL's keys of the grid rows [row0, row0 + rows): the dense gradient's magnitudes for a CSR
 * layer, or for a block layer the sum of them over each block position of those block rows.
 */
async function growScoresChunk(ctx: Context, ws: DstWorkspace, gradientRows: GradientRows, row0: number, rows: number): Promise<GpuTensor<'f32'>> {
  const b = blockSide(ws.w);
  const elementRows = Math.min(ws.w.rows, (row0 + rows) * b) - row0 * b;
  const gradient = await gradientRows(row0 * b, elementRows);
  if (b === 1) return gradient;
  const n = rows * ws.grid.cols;
  const scores = ws.chunk('blocks', n);
  await blockScoresPass(ctx, ws, 'gradient_scores', n, gradient, scores, elementRows);
  return scores;
}

/** The options of one dst_grow pass beyond the layer's shape (see shaders/dst_grow.wgsl's Params). */
interface GrowPassParams {
  k: number;
  salt?: number;
  window?: number;
  room?: number;
  floor?: number;
  scores?: GpuTensor<'f32'>;
}

/** One dst_grow pass over a layer's grid (SET's, RigL's list, or the row merge both end with). */
async function growPass(ctx: Context, ws: DstWorkspace, entryPoint: string, workgroups: [number, number?], p: GrowPassParams): Promise<void> {
  const w = ws.grid;
  const rigl = p.scores !== undefined;
  const uniforms = {
    rows: w.rows,
    cols: w.cols,
    nnz: w.nnz,
    n: w.rows * w.cols,
    segments: unitCounts(w).segments,
    salt: p.salt ?? 0,
    k: p.k,
    window: p.window ?? 0,
    chosenAt: w.rows,
    bitsAt: w.rows + w.nnz,
    sample: RIGL_SAMPLE,
    room: p.room ?? 0,
    listAt: RIGL_LIST_AT,
    slack: RIGL_SLACK,
    forceFloor: Number(p.floor !== undefined),
    floor: p.floor ?? 0,
  };
  const buffers = {
    rowPtr: ws.w.pattern.rowPtr,
    colIdx: ws.w.pattern.colIdx,
    keep: ws.keep,
    scores: p.scores ?? ws.unusedF,
    work: ws.work,
    out: ws.out,
    seq: ws.sequence,
    list: rigl ? ws.riglList : ws.unusedU,
  };
  await ctx.dispatch(dstGrowKernel, { entryPoint, constants: { WG, UNIT: DST_UNIT, ...LANES }, buffers, uniforms, workgroups });
}

/**
 * SET's grow (shaders/dst_grow.wgsl): the first k positions of its sequence that are not kept, and
 * the new CSR in ws.out. The candidate test is skipped for k = 0 (the window is empty).
 */
async function setGrow(ctx: Context, ws: DstWorkspace, k: number, salt: number, window: number): Promise<void> {
  const p = { k, salt, window };
  if (window > 0) await growPass(ctx, ws, 'set_free', gridFor(ctx, Math.ceil(window / WG)), p);
  await growPass(ctx, ws, 'set_take', [1], p);
  await growPass(ctx, ws, 'grow_merge', gridFor(ctx, Math.ceil(ws.grid.rows / WG)), p);
}

/**
 * RigL's grow from the whole layer's keys in `scores` (shaders/dst_grow.wgsl): a sample sets a
 * floor under the k-th largest key, one walk lists the free positions at or above it, one
 * workgroup selects the k largest among them (or, when the list falls short or overflows, over
 * every position), and the rows are merged into the new CSR in ws.out. Sample and walk are
 * skipped for k = 0.
 */
async function riglListGrow(ctx: Context, ws: DstWorkspace, k: number, scores: GpuTensor<'f32'>, forced: { floor?: number; room?: number } = {}): Promise<void> {
  const w = ws.grid;
  const room = forced.room ?? riglRoom(k, w.rows * w.cols);
  checkNonNegativeInt('list.room', room, ws.riglCapacity);
  if (forced.floor !== undefined) checkNonNegativeInt('list.floor', forced.floor, 0xffffffff);
  const p = { k, room, floor: forced.floor, scores };
  if (k > 0) {
    await growPass(ctx, ws, 'rigl_sample', [1], p);
    await growPass(ctx, ws, 'rigl_list', gridFor(ctx, Math.ceil(unitCounts(w).grow / WG)), p);
  }
  await growPass(ctx, ws, 'rigl_take', [1], p);
  await growPass(ctx, ws, 'grow_merge', gridFor(ctx, Math.ceil(w.rows / WG)), p);
}

/**
 * Grows k positions among those not kept (after dstDropInto) and writes the new CSR into ws.out
 * (for a BSR layer, k block positions and its new block pattern). SET: setGrow. RigL (its dense
 * gradient from dY and X, or from the caller's gradientRows): when one chunk holds the whole
 * layer's gradient, riglListGrow over it; otherwise the radix select's three
 * passes that read keys walk the rows chunk by chunk (whole block rows), recomputing the chunk's
 * dense gradient for each of them.
 */
export async function dstGrowInto(ctx: Context, ws: DstWorkspace, k: number, grow: DstGrow): Promise<void> {
  await dstGrowForcedInto(ctx, ws, k, grow, {});
}

/** dstGrowInto with a path forced (DstGrowForcing), for tests. */
export async function dstGrowForcedInto(ctx: Context, ws: DstWorkspace, k: number, grow: DstGrow, forcing: DstGrowForcing): Promise<void> {
  const w = ws.grid;
  checkNonNegativeInt('k', k, w.nnz);
  if (grow.method === 'set') {
    checkNonNegativeInt('salt', grow.salt, 0xffffffff);
    const n = w.rows * w.cols;
    const window = forcing.window ?? dstSetWindow(k, n, n - w.nnz + k);
    checkNonNegativeInt('window', window, n);
    await setGrow(ctx, ws, k, grow.salt, window);
    return;
  }
  if (forcing.list !== undefined) checkObject('list', forcing.list, 'a { floor?, room? }');
  const gradientRows = gradientRowsOf(ctx, ws, grow);
  const budget = checkPositiveInt('chunkEntries', grow.chunkEntries ?? DST_DEFAULT_CHUNK_ENTRIES);
  // Grid rows per chunk: a BSR block row holds blockSize rows of the dense gradient.
  const chunkRows = Math.max(1, Math.min(w.rows, Math.floor(budget / (blockSide(ws.w) * ws.w.cols))));
  if (forcing.list !== undefined && chunkRows < w.rows) throw new RangeError(`list: forces RigL's list, which only a layer whose gradient is one chunk uses (chunkEntries ${budget} holds ${chunkRows} of ${w.rows} rows)`);
  if (chunkRows === w.rows) {
    await riglListGrow(ctx, ws, k, await growScoresChunk(ctx, ws, gradientRows, 0, w.rows), forcing.list);
    return;
  }
  const { grow: growUnits, segments } = unitCounts(w);
  const chunks = Math.ceil(w.rows / chunkRows);
  const overChunks = async (entryPoint: string) => {
    for (let i = 0; i < chunks; i++) {
      const row0 = i * chunkRows;
      const rows = Math.min(chunkRows, w.rows - row0);
      const scores = await growScoresChunk(ctx, ws, gradientRows, row0, rows);
      const units: [number, number] = [row0 * segments, (row0 + rows) * segments];
      await selectPass(ctx, ws, { entryPoint, units, k, chunkRow0: row0, scores });
    }
  };
  if (k > 0) {
    await overChunks('grow_hist');
    await pick(ctx, ws, k);
  } else {
    // Nothing is grown: no high digit above the prefix, a threshold no key exceeds, no equal key taken.
    ctx.write(ws.work, Uint32Array.of(0, 0xffff0000, 0xffffffff, 0));
  }
  await overChunks('grow_split');
  if (k > 0) await pick(ctx, ws, k, true);
  // The count recomputes the tie columns' keys; the fill reads the masks only, so no gradient chunk.
  await overChunks('grow_count');
  await scan(ctx, ws.work, ws.eqOff, growUnits, 'grow', ws.newOff);
  await selectPass(ctx, ws, { entryPoint: 'grow_fill', units: [0, growUnits], k });
}

interface GatherParams {
  n: number;
  sections?: number;
  sectionLength?: number;
  sections2?: number;
  sectionLength2?: number;
  srcOffset?: number;
  blockLen?: number;
}

/** One dst_gather pass over its operands (unused bindings get the workspace's spares). */
async function gather(
  ctx: Context,
  ws: DstWorkspace,
  entryPoint: 'gather' | 'put' | 'copy',
  p: GatherParams,
  buffers: { data?: GpuTensor<'f32'>; data2?: GpuTensor<'f32'>; tmp?: GpuTensor<'f32'>; src: GpuTensor; to?: GpuTensor },
) {
  const { n, sections = 1, sectionLength = 0, sections2 = 0, sectionLength2 = 0, srcOffset = 0, blockLen = 1 } = p;
  const spread = entryPoint === 'copy' ? n : n * blockLen * (sections + sections2);
  await ctx.dispatch(dstGatherKernel, {
    entryPoint,
    constants: { WG },
    buffers: {
      data: buffers.data ?? ws.unusedF,
      data2: buffers.data2 ?? ws.unusedF2,
      tmp: buffers.tmp ?? ws.unusedF3,
      src: buffers.src,
      to: buffers.to ?? ws.unusedU,
    },
    uniforms: { n, sections, sectionLength, sections2, sectionLength2, srcOffset, blockLen },
    workgroups: gridFor(ctx, Math.ceil(spread / WG)),
  });
}

/** A per-entry array dstRemapInto moves: `sections` consecutive sections (default 1) of `sectionLength` words. */
export interface DstMovedArray {
  data: GpuTensor<'f32'>;
  sectionLength: number;
  sections?: number;
}

/**
 * Moves per-entry arrays to the new order in place, one or two of them (the values, and the
 * optimizer state of a layer that has one): each `sections` consecutive sections of `sectionLength`
 * words (the values: 1 section of nnz; an optimizer state: its moments, each padded to whole
 * vec4s), words past the entries in a section left as they are; grown entries get 0. A BSR layer's
 * entry is a block: its b² words move together (sections of at least nnz·b²). Two dispatches
 * whatever the arrays and sections: all of them gathered, then all put back. Throws a RangeError
 * naming the array that is too short, or for no or more than two arrays, before any dispatch.
 */
export async function dstRemapInto(ctx: Context, ws: DstWorkspace, arrays: readonly DstMovedArray[]): Promise<void> {
  const { nnz, entryWords } = ws.grid;
  const words = nnz * entryWords;
  if (arrays.length < 1 || arrays.length > 2) throw new RangeError(`arrays must hold 1 or 2 arrays (the values, and an optimizer state), got ${arrays.length}`);
  for (const [i, { data, sectionLength, sections = 1 }] of arrays.entries()) {
    checkPositiveInt(`arrays[${i}].sections`, sections);
    if (sectionLength < words || data.length < sections * sectionLength) {
      const what = entryWords === 1 ? `nnz = ${nnz}` : `nBlocks·(${entryWords} words a block) = ${words}`;
      throw new RangeError(`arrays[${i}].data must hold ${sections} sections of at least ${what} words, got length ${data.length} for sections of ${sectionLength}`);
    }
  }
  if (nnz === 0) return;
  const [first, second] = arrays as [DstMovedArray, DstMovedArray | undefined];
  const sections = first.sections ?? 1;
  const sections2 = second ? (second.sections ?? 1) : 0;
  const tmp = ws.chunk('tmp', words * (sections + sections2));
  const p = { n: nnz, sections, sectionLength: first.sectionLength, sections2, sectionLength2: second?.sectionLength ?? 0, srcOffset: nnz, blockLen: entryWords };
  const buffers = { data: first.data, data2: second?.data, tmp, src: ws.out };
  await gather(ctx, ws, 'gather', p, buffers);
  await gather(ctx, ws, 'put', p, buffers);
}

/** The dst_rows pass: the ranks of W's rows and of Wᵀ's, and W's SDDMM work data (a CSR layer's items, a BSR layer's block row of each block). */
async function rowsPass(ctx: Context, ws: DstWorkspace): Promise<void> {
  const w = ws.w;
  const { rows, cols } = ws.grid;
  const blocks = isBlockLayer(w);
  const mine = rankBlocks(rows, cols);
  const theirs = rankBlocks(cols, rows);
  await ctx.dispatch(dstRowsKernel, {
    constants: { SEGMENT: CSR_SDDMM_SEGMENT, ...LANES },
    buffers: {
      starts: w.pattern.rowPtr,
      tStarts: w.transposed.rowPtr,
      order: w.pattern.rowOrder,
      tOrder: w.transposed.rowOrder,
      bins: ws.cursor,
      counts: ws.rankCounts,
      items: isBlockLayer(w) ? w.blockRow : w.sddmmItems.items,
      itemCount: blocks ? ws.unusedU : ws.itemCount,
    },
    uniforms: { n: rows, maxLen: cols, ...mine, tN: cols, tMaxLen: rows, tBlockRows: theirs.blockRows, tBlocks: theirs.blocks, entryRows: Number(blocks) },
    workgroups: [3],
  });
}

/**
 * Installs the new CSR from ws.out (after dstGrowInto and every dstRemapInto; Wᵀ's counting pass
 * copies each block of rows as it counts them) and rebuilds the rest of the structure from it: the
 * row swizzle, Wᵀ's pattern, permutation and swizzle, and the SDDMM
 * work (a CSR layer's items, whose new count lands in ws.itemCount: read it back with ctx.read; a
 * BSR layer's blockRow, of fixed length).
 */
export async function dstRebuildInto(ctx: Context, ws: DstWorkspace): Promise<void> {
  const w = ws.grid;
  const { pattern } = ws.w;
  const t = ws.w.transposed;
  const blocks = transposeBlocks(w);
  for (const entryPoint of ['count', 'columns', 'place'] as const) {
    await ctx.dispatch(dstTransposeKernel, {
      entryPoint,
      constants: { WG, ...LANES },
      buffers: { rowPtr: pattern.rowPtr, colIdx: pattern.colIdx, counts: ws.columnCounts, tRowPtr: t.rowPtr, tColIdx: t.colIdx, tPerm: t.perm, out: ws.out },
      uniforms: { rows: w.rows, cols: w.cols, nnz: w.nnz, ...blocks },
      workgroups: entryPoint === 'columns' ? [1] : gridFor(ctx, Math.ceil(blocks.blocks / WG)),
    });
  }
  await rowsPass(ctx, ws);
}
