/**
 * One dynamic-sparse-training mask update of a CSR layer, entirely on the GPU
 * (shaders/dst_*.wgsl): drop the k stored entries of smallest |w|, grow k positions not kept (SET:
 * by a seeded counter-based hash, i.e. uniformly at random; RigL: by the largest |dL/dW|, the dense
 * gradient computed a chunk of rows at a time), write the new CSR, move the values and every
 * optimizer state section to the new order (grown entries 0), and rebuild Wᵀ's pattern, both row
 * swizzles and the SDDMM work items. Nothing is read back but the SDDMM item count. The exact CPU
 * reference is src/dst/reference.ts; ties go to the lower flat index on both.
 */
import gatherSource from '../../shaders/dst_gather.wgsl';
import rowsSource from '../../shaders/dst_rows.wgsl';
import scanSource from '../../shaders/dst_scan.wgsl';
import selectSource from '../../shaders/dst_select.wgsl';
import transposeSource from '../../shaders/dst_transpose.wgsl';
import type { Context, KernelSource } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { CSR_SDDMM_SEGMENT, type GpuCsr } from '../sparse/gpu-csr.js';
import { checkNonNegativeInt, checkPositiveInt } from '../validate.js';
import { checkFeatureMajor, featureMajorStride } from './feature-major.js';
import { gridFor } from './grid.js';
import { matmulInto } from './matmul.js';

export const dstSelectKernel: KernelSource = { name: 'dst_select', source: selectSource };
export const dstScanKernel: KernelSource = { name: 'dst_scan', source: scanSource };
export const dstTransposeKernel: KernelSource = { name: 'dst_transpose', source: transposeSource };
export const dstRowsKernel: KernelSource = { name: 'dst_rows', source: rowsSource };
export const dstGatherKernel: KernelSource = { name: 'dst_gather', source: gatherSource };

const WG = 64;
/** Elements one invocation of the selection passes walks (entries, or columns of one row). */
export const DST_UNIT = 64;
const HIST_BINS = 1 << 16;
/** work[0..4): the selection state (need, prefix, threshold, take). */
const STATE_WORDS = 4;
/** Default bound on the dense-gradient chunk RigL holds at once, in entries (4 MiB of float32). */
export const DST_DEFAULT_CHUNK_ENTRIES = 1 << 20;

/** How the grown positions are chosen. */
export type DstGrow =
  | { method: 'set'; salt: number }
  | {
      method: 'rigl';
      /** dL/dY of the layer (rows x featureMajorStride(batch)) and its input X (cols x the same), feature-major */
      dyT: GpuTensor<'f32'>;
      xT: GpuTensor<'f32'>;
      batch: number;
      /** at most this many dense-gradient entries are held at once (default DST_DEFAULT_CHUNK_ENTRIES) */
      chunkEntries?: number;
    };

/** Largest units count of the two domains: entries in units, and rows times column segments. */
function unitCounts(w: GpuCsr): { drop: number; grow: number; segments: number } {
  const segments = Math.ceil(w.cols / DST_UNIT);
  return { drop: Math.ceil(w.nnz / DST_UNIT), grow: w.rows * segments, segments };
}

/**
 * The scratch one layer's updates use, allocated once (a few words per entry and per unit, a
 * 65536-bin histogram, and RigL's dense-gradient chunk when asked). Throws a RangeError when the
 * layer has 2^32 positions or more (flat positions are u32 on the GPU).
 */
export class DstWorkspace {
  readonly keep: GpuTensor<'u32'>;
  readonly hist: GpuTensor<'u32'>;
  readonly work: GpuTensor<'u32'>;
  /** new colIdx (nnz), src (nnz), new rowPtr (rows + 1) */
  readonly out: GpuTensor<'u32'>;
  readonly tmp: GpuTensor<'f32'>;
  readonly cursor: GpuTensor<'u32'>;
  readonly rowCounts: GpuTensor<'u32'>;
  readonly itemCount: GpuTensor<'u32'>;
  private readonly spareF: GpuTensor<'f32'>;
  private readonly spareU: GpuTensor<'u32'>;
  private readonly chunks = new Map<string, GpuTensor<'f32'>>();
  readonly eqOff = STATE_WORDS;
  readonly newOff: number;

  constructor(
    private readonly ctx: Context,
    readonly w: GpuCsr,
  ) {
    if (w.rows * w.cols > 0xffffffff) throw new RangeError(`dynamic sparsity needs rows·cols < 2^32, got ${w.rows}·${w.cols}`);
    const units = unitCounts(w);
    this.newOff = this.eqOff + Math.max(units.drop, units.grow) + 1;
    const n = Math.max(1, w.nnz);
    this.keep = ctx.zeros('u32', n, 'dst.keep');
    this.hist = ctx.zeros('u32', HIST_BINS, 'dst.hist');
    this.work = ctx.zeros('u32', this.newOff + units.grow + 1, 'dst.work');
    this.out = ctx.zeros('u32', 2 * w.nnz + w.rows + 1, 'dst.out');
    this.tmp = ctx.zeros('f32', n, 'dst.tmp');
    this.cursor = ctx.zeros('u32', w.cols, 'dst.cursor');
    this.rowCounts = ctx.zeros('u32', w.rows + 1, 'dst.rowCounts');
    this.itemCount = ctx.zeros('u32', 1, 'dst.itemCount');
    this.spareF = ctx.zeros('f32', 4, 'dst.spareF');
    this.spareU = ctx.zeros('u32', 4, 'dst.spareU');
  }

  /**
   * RigL's chunk buffers (the dense-gradient chunk, dY's rows for it), of exactly `length` floats,
   * made on first use: one per name and length, so a layer holds at most a full and a last chunk.
   */
  chunk(name: 'scores' | 'dy', length: number): GpuTensor<'f32'> {
    const key = `${name}:${length}`;
    let t = this.chunks.get(key);
    if (!t) {
      t = this.ctx.zeros('f32', length, `dst.${name}`);
      this.chunks.set(key, t);
    }
    return t;
  }

  /** A tensor for a binding a pass does not use (never written). */
  get unusedF(): GpuTensor<'f32'> {
    return this.spareF;
  }

  get unusedU(): GpuTensor<'u32'> {
    return this.spareU;
  }

  /** Frees the workspace's GPU buffers. */
  destroy(): void {
    for (const t of [this.keep, this.hist, this.work, this.out, this.tmp, this.cursor, this.rowCounts, this.itemCount, this.spareF, this.spareU, ...this.chunks.values()]) t.destroy();
  }
}

async function scan(ctx: Context, data: GpuTensor<'u32'>, offset: number, n: number): Promise<void> {
  await ctx.dispatch(dstScanKernel, { buffers: { data }, uniforms: { offset, n }, workgroups: [1] });
}

interface SelectPass {
  entryPoint: string;
  units: [number, number];
  low?: boolean;
  k: number;
  chunkRow0?: number;
  salt?: number;
  rigl?: boolean;
  scores?: GpuTensor<'f32'>;
}

async function selectPass(ctx: Context, ws: DstWorkspace, p: SelectPass): Promise<void> {
  const w = ws.w;
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
    salt: p.salt ?? 0,
    rigl: Number(p.rigl ?? false),
    low: Number(p.low ?? false),
    k: p.k,
    eqOff: ws.eqOff,
    newOff: ws.newOff,
  };
  const buffers = {
    rowPtr: w.pattern.rowPtr,
    colIdx: w.pattern.colIdx,
    values: w.values,
    scores: p.scores ?? w.values,
    keep: ws.keep,
    hist: ws.hist,
    work: ws.work,
    out: ws.out,
  };
  const pick = p.entryPoint === 'pick';
  const groups = pick ? 1 : Math.ceil((unitEnd - unitBegin) / WG);
  await ctx.dispatch(dstSelectKernel, {
    entryPoint: p.entryPoint,
    constants: pick ? {} : { WG, UNIT: DST_UNIT },
    buffers,
    uniforms,
    workgroups: pick ? [1] : gridFor(ctx, groups),
  });
}

/** Marks keep[e] = 0 for the k stored entries of smallest |w| (ties: lower index), 1 for the rest. */
export async function dstDropInto(ctx: Context, ws: DstWorkspace, k: number): Promise<void> {
  const w = ws.w;
  checkNonNegativeInt('k', k, w.nnz);
  const units: [number, number] = [0, unitCounts(w).drop];
  if (k === 0) {
    await selectPass(ctx, ws, { entryPoint: 'drop_decide', units, k: 0 });
    return;
  }
  await selectPass(ctx, ws, { entryPoint: 'drop_hist', units, k });
  await selectPass(ctx, ws, { entryPoint: 'pick', units, k });
  await selectPass(ctx, ws, { entryPoint: 'drop_hist', units, k, low: true });
  await selectPass(ctx, ws, { entryPoint: 'pick', units, k, low: true });
  await selectPass(ctx, ws, { entryPoint: 'drop_count', units, k });
  await scan(ctx, ws.work, ws.eqOff, units[1]);
  await selectPass(ctx, ws, { entryPoint: 'drop_decide', units, k });
}

/**
 * RigL's dense gradient of rows [row0, row0 + rows): dW = dYᵀ·X on the dense matmul (the padding
 * columns add nothing), from dY's rows copied out unless the chunk is the whole layer.
 */
async function gradientChunk(ctx: Context, ws: DstWorkspace, grow: Extract<DstGrow, { method: 'rigl' }>, row0: number, rows: number): Promise<GpuTensor<'f32'>> {
  const stride = featureMajorStride(grow.batch);
  const scores = ws.chunk('scores', rows * ws.w.cols);
  let dy = grow.dyT;
  if (rows < ws.w.rows) {
    dy = ws.chunk('dy', rows * stride);
    await gather(ctx, ws, 'copy', rows * stride, 0, row0 * stride, ws.unusedF, grow.dyT, dy);
  }
  await matmulInto(ctx, dy, grow.xT, scores, { m: rows, k: stride, n: ws.w.cols, transposeB: true });
  return scores;
}

/**
 * Grows k positions among those not kept (after dstDropInto) and writes the new CSR into ws.out.
 * Every pass walks the rows chunk by chunk; RigL recomputes the chunk's dense gradient for each
 * pass unless one chunk holds the whole layer.
 */
export async function dstGrowInto(ctx: Context, ws: DstWorkspace, k: number, grow: DstGrow): Promise<void> {
  const w = ws.w;
  checkNonNegativeInt('k', k, w.nnz);
  const { grow: growUnits, segments } = unitCounts(w);
  const rigl = grow.method === 'rigl';
  let chunkRows = w.rows;
  if (grow.method === 'rigl') {
    checkPositiveInt('batch', grow.batch);
    checkFeatureMajor('dyT', grow.dyT, w.rows, 'w.rows', grow.batch);
    checkFeatureMajor('xT', grow.xT, w.cols, 'w.cols', grow.batch);
    const budget = checkPositiveInt('chunkEntries', grow.chunkEntries ?? DST_DEFAULT_CHUNK_ENTRIES);
    chunkRows = Math.max(1, Math.min(w.rows, Math.floor(budget / w.cols)));
  } else {
    checkNonNegativeInt('salt', grow.salt, 0xffffffff);
  }
  const salt = grow.method === 'set' ? grow.salt : 0;
  const chunks = Math.ceil(w.rows / chunkRows);
  // One chunk holding the whole layer is computed once for every pass.
  let whole: GpuTensor<'f32'> | undefined;
  const overChunks = async (entryPoint: string, low = false) => {
    for (let i = 0; i < chunks; i++) {
      const row0 = i * chunkRows;
      const rows = Math.min(chunkRows, w.rows - row0);
      let scores: GpuTensor<'f32'> | undefined;
      if (grow.method === 'rigl') {
        scores = whole ?? (await gradientChunk(ctx, ws, grow, row0, rows));
        if (chunks === 1) whole = scores;
      }
      const units: [number, number] = [row0 * segments, (row0 + rows) * segments];
      await selectPass(ctx, ws, { entryPoint, units, k, low, chunkRow0: row0, salt, rigl, scores });
    }
  };
  const all: [number, number] = [0, growUnits];
  if (k > 0) {
    await overChunks('grow_hist');
    await selectPass(ctx, ws, { entryPoint: 'pick', units: all, k });
    await overChunks('grow_hist', true);
    await selectPass(ctx, ws, { entryPoint: 'pick', units: all, k, low: true });
    await overChunks('grow_count');
    await scan(ctx, ws.work, ws.eqOff, growUnits);
  } else {
    // Nothing is grown: a threshold no key exceeds and no equal key taken.
    ctx.write(ws.work, Uint32Array.of(0, 0, 0xffffffff, 0));
  }
  await overChunks('grow_new');
  await scan(ctx, ws.work, ws.newOff, growUnits);
  await overChunks('grow_fill');
}

/** One dst_gather pass; `copy` moves raw 32-bit words, so src and to may hold either dtype. */
async function gather(ctx: Context, ws: DstWorkspace, entryPoint: 'gather' | 'put' | 'copy', n: number, offset: number, srcOffset: number, data: GpuTensor<'f32'>, src: GpuTensor, to: GpuTensor) {
  await ctx.dispatch(dstGatherKernel, {
    entryPoint,
    constants: { WG },
    buffers: { data, tmp: ws.tmp, src, to },
    uniforms: { n, offset, srcOffset },
    workgroups: gridFor(ctx, Math.ceil(n / WG)),
  });
}

/**
 * Moves a per-entry array to the new order in place: `sections` consecutive sections of
 * `sectionLength` words each (the values: 1 section of nnz; an optimizer state: its moments, each
 * padded to whole vec4s), entries past nnz in a section left as they are; grown entries get 0.
 */
export async function dstRemapInto(ctx: Context, ws: DstWorkspace, data: GpuTensor<'f32'>, sectionLength: number, sections = 1): Promise<void> {
  const nnz = ws.w.nnz;
  if (sectionLength < nnz || data.length < sections * sectionLength) {
    throw new RangeError(`data must hold ${sections} sections of at least nnz = ${nnz} words, got length ${data.length} for sections of ${sectionLength}`);
  }
  for (let s = 0; s < sections; s++) {
    await gather(ctx, ws, 'gather', nnz, s * sectionLength, nnz, data, ws.out, ws.unusedU);
    await gather(ctx, ws, 'put', nnz, s * sectionLength, 0, data, ws.out, ws.unusedU);
  }
}

async function rowsPass(ctx: Context, ws: DstWorkspace, entryPoint: string, n: number, starts: GpuTensor<'u32'>, order: GpuTensor<'u32'>) {
  const items = ws.w.sddmmItems.items;
  await ctx.dispatch(dstRowsKernel, {
    entryPoint,
    constants: { WG, SEGMENT: CSR_SDDMM_SEGMENT },
    buffers: { starts, order, counts: ws.rowCounts, items },
    uniforms: { n },
    workgroups: gridFor(ctx, Math.ceil(n / WG)),
  });
}

/**
 * Installs the new CSR from ws.out (after dstGrowInto and every dstRemapInto) and rebuilds the rest
 * of the structure from it: the row swizzle, Wᵀ's pattern, permutation and swizzle, and the SDDMM
 * items. The new item count lands in ws.itemCount (read it with readDstItemCount).
 */
export async function dstRebuildInto(ctx: Context, ws: DstWorkspace): Promise<void> {
  const w = ws.w;
  const { pattern } = w;
  const t = w.transposed;
  await gather(ctx, ws, 'copy', w.nnz, 0, 0, ws.unusedF, ws.out, pattern.colIdx);
  await gather(ctx, ws, 'copy', w.rows + 1, 0, 2 * w.nnz, ws.unusedF, ws.out, pattern.rowPtr);
  await rowsPass(ctx, ws, 'rank', w.rows, pattern.rowPtr, pattern.rowOrder);

  const transpose = async (entryPoint: string, n: number) =>
    ctx.dispatch(dstTransposeKernel, {
      entryPoint,
      constants: { WG },
      buffers: { rowPtr: pattern.rowPtr, colIdx: pattern.colIdx, cursor: ws.cursor, tRowPtr: t.rowPtr, tColIdx: t.colIdx, tPerm: t.perm },
      uniforms: { rows: w.rows, cols: w.cols },
      workgroups: gridFor(ctx, Math.ceil(n / WG)),
    });
  await transpose('count', w.rows);
  await transpose('starts', w.cols);
  await scan(ctx, t.rowPtr, 0, w.cols);
  await transpose('scatter', w.rows);
  await transpose('sort', w.cols);
  await rowsPass(ctx, ws, 'rank', w.cols, t.rowPtr, t.rowOrder);

  await rowsPass(ctx, ws, 'sddmm_count', w.rows, pattern.rowPtr, pattern.rowOrder);
  await scan(ctx, ws.rowCounts, 0, w.rows);
  await rowsPass(ctx, ws, 'sddmm_items', w.rows, pattern.rowPtr, pattern.rowOrder);
  await gather(ctx, ws, 'copy', 1, 0, w.rows, ws.unusedF, ws.rowCounts, ws.itemCount);
}
