import { denseGradientReference } from '../../src/dst/reference.js';
import type { DstOptions } from '../../src/dst/schedule.js';
import { DynamicSparsity } from '../../src/dst/dynamic.js';
import { type ConvFilterShape, GpuConvFilter } from '../../src/kernels/conv-csr.js';
import { type DstLayer, dstDropInto, dstGrowForcedInto, dstRebuildInto, dstRemapInto, DstWorkspace } from '../../src/kernels/dst.js';
import { ActivationLayer } from '../../src/nn/activation-layer.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { Sequential } from '../../src/nn/sequential.js';
import { type ConvShape, SparseConv2d, type SparseConvFormat } from '../../src/nn/sparse-conv2d.js';
import { type SparseFormat, SparseLinear } from '../../src/nn/sparse-linear.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { type BsrMatrix, bsrFromCsr } from '../../src/sparse/bsr.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { GpuBsr } from '../../src/sparse/gpu-bsr.js';
import type { GpuConvBsrFilter } from '../../src/sparse/gpu-conv-bsr.js';
import { GpuCsr } from '../../src/sparse/gpu-csr.js';
import type { Context } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { convTaps } from '../../src/sparse/conv-geometry.js';
import { Adam, Sgd } from '../../src/train/optimizers.js';
import { type Dataset, train } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';
import { refusal } from '../harness/refusal.js';

/**
 * One update's grow rule, as plain data: SET's salt (and a forced candidate window), or RigL's dY
 * and X (batch rows each, row-major), its chunk budget and its list's forced floor and room. With
 * `byRows` RigL takes its dense gradient from a gradientRows callback instead (the caller's
 * gradient, as a convolution gives it): rows of dYᵀ·X computed on the host and copied out of an
 * uploaded whole.
 */
export type GrowParams =
  | { method: 'set'; salt: number; window?: number }
  | { method: 'rigl'; dy: Float32Array; x: Float32Array; batch: number; chunkEntries?: number; list?: { floor?: number; room?: number }; byRows?: boolean };

/** Everything the GPU holds of a layer after its updates (a BSR layer's pattern is over blocks). */
export interface UpdatedLayer {
  rowPtr: Uint32Array;
  colIdx: Uint32Array;
  values: Float32Array;
  state: Float32Array;
  rowOrder: Uint32Array;
  tRowPtr: Uint32Array;
  tColIdx: Uint32Array;
  tPerm: Uint32Array;
  tRowOrder: Uint32Array;
  /** CSR: the SDDMM items; BSR: the block row of each block */
  items: Uint32Array;
  keep: Uint32Array;
  /**
   * the workspace's fallback flag (1 or 0) after each SET grow (it went on past its candidate
   * window) and each RigL grow without a chunk budget (its list did not hold the k largest keys);
   * RigL steps with a budget add nothing
   */
  fallback: number[];
  /** the pattern and values after each update */
  afterEach: Array<{ rowPtr: Uint32Array; colIdx: Uint32Array; values: Float32Array }>;
  /** the [row0, rows] of every gradientRows call (RigL with byRows), in order */
  gradientRows: Array<[number, number]>;
}

/** A conv layer's forward, backward-data and raw weight gradient on x and dy (activation layout), read back. */
async function convPasses(ctx: Context, l: SparseConv2d, x: GpuTensor<'f32'>, dy: GpuTensor<'f32'>, batch: number) {
  const y = await ctx.read(await l.forward(x, batch));
  const dx = await ctx.read(await l.backward(dy, batch));
  return { y, dx, dw: await ctx.read(l.parameters()[0]!.grad) };
}

/**
 * A SparseConv2d of filter w in `format` with an Adam state written (p.state), after one forward and
 * backward pass on x and dy (batch rows, row-major): the layer, its optimizer, its dense weight
 * gradient of that batch, `passes` (convPasses on the same x and dy, for any layer of this shape)
 * and `destroy` for all of it.
 */
async function stepConvLayer(ctx: Context, p: { w: CsrMatrix; shape: ConvShape; batch: number; x: Float32Array; dy: Float32Array; state: Float32Array }, format: SparseConvFormat) {
  const layer = new SparseConv2d(ctx, p.w, p.shape, undefined, format);
  const opt = new Adam(ctx, layer.parameters(), { lr: 0.01 });
  const x = ctx.upload('f32', toActivationLayout(p.x, p.batch, layer.inFeatures));
  const dy = ctx.upload('f32', toActivationLayout(p.dy, p.batch, layer.outFeatures));
  const gradient = ctx.zeros('f32', layer.cOut * convTaps(p.shape));
  const destroy = () => {
    for (const t of [x, dy, gradient]) t.destroy();
    opt.destroy();
    layer.destroy();
  };
  const passes = (l: SparseConv2d) => convPasses(ctx, l, x, dy, p.batch);
  try {
    ctx.write(opt.stateOf(layer.values)!, p.state);
    await passes(layer);
    await layer.denseWeightGradInto(gradient);
  } catch (error) {
    destroy();
    throw error;
  }
  return { layer, opt, gradient, passes, destroy };
}

function isBsr(w: CsrMatrix | BsrMatrix): w is BsrMatrix {
  return 'blockSize' in w;
}

export const dstCases = defineCases({
  /**
   * Runs updates (drop k, grow k) one after another on w (CSR entries, or BSR blocks), with a
   * two-section state moved along; reads back everything.
   */
  updates: async (ctx, p: { w: CsrMatrix | BsrMatrix; state: Float32Array; section: number; steps: Array<{ k: number; grow: GrowParams }> }): Promise<UpdatedLayer> => {
    const w: DstLayer = isBsr(p.w) ? GpuBsr.upload(ctx, p.w) : GpuCsr.upload(ctx, p.w);
    w.makeDynamic();
    const ws = new DstWorkspace(ctx, w);
    const words = ws.grid.nnz * ws.grid.entryWords;
    const afterEach: UpdatedLayer['afterEach'] = [];
    const fallback: number[] = [];
    const gradientRows: Array<[number, number]> = [];
    const state = ctx.upload('f32', p.state);
    const extra: Array<{ destroy(): void }> = [];
    try {
      for (const { k, grow } of p.steps) {
        await dstDropInto(ctx, ws, k);
        // A case's data crosses to the browser as JSON, where an absent window or list arrives as null.
        if (grow.method === 'set') {
          await dstGrowForcedInto(ctx, ws, k, { method: 'set', salt: grow.salt }, { window: grow.window ?? undefined });
        } else {
          const chunkEntries = grow.chunkEntries ?? undefined;
          if (grow.byRows) {
            const whole = ctx.upload('f32', Float32Array.from(denseGradientReference(grow.dy, grow.x, grow.batch, w.rows, w.cols)));
            extra.push(whole);
            const rowsOf = async (row0: number, rows: number, into: GpuTensor<'f32'>) => {
              gradientRows.push([row0, rows]);
              ctx.copy(whole, into, { srcOffset: row0 * w.cols, length: rows * w.cols });
            };
            await dstGrowForcedInto(ctx, ws, k, { method: 'rigl', gradientRows: rowsOf, chunkEntries }, { list: grow.list ?? undefined });
          } else {
            const dyT = ctx.upload('f32', toActivationLayout(grow.dy, grow.batch, w.rows));
            const xT = ctx.upload('f32', toActivationLayout(grow.x, grow.batch, w.cols));
            extra.push(dyT, xT);
            await dstGrowForcedInto(ctx, ws, k, { method: 'rigl', dyT, xT, batch: grow.batch, chunkEntries }, { list: grow.list ?? undefined });
          }
        }
        if (grow.method === 'set' || grow.chunkEntries === undefined) fallback.push((await ctx.read(ws.work))[ws.fallbackOff]!);
        await dstRemapInto(ctx, ws, [
          { data: w.values, sectionLength: words },
          { data: state, sectionLength: p.section, sections: 2 },
        ]);
        await dstRebuildInto(ctx, ws);
        if (w instanceof GpuCsr) w.setSddmmCount((await ctx.read(ws.itemCount))[0]!);
        const [rowPtr, colIdx] = await ctx.readAll([w.pattern.rowPtr, w.pattern.colIdx]);
        afterEach.push({ rowPtr: rowPtr!, colIdx: colIdx!, values: await ctx.read(w.values) });
      }
      const t = w.transposed;
      const [items, itemWords] = w instanceof GpuCsr ? [w.sddmmItems.items, 2 * w.sddmmItems.count] : [w.blockRow, w.nBlocks];
      const [rowPtr, colIdx, rowOrder, tRowPtr, tColIdx, tPerm, tRowOrder, allItems, keep] = await ctx.readAll([
        w.pattern.rowPtr,
        w.pattern.colIdx,
        w.pattern.rowOrder,
        t.rowPtr,
        t.colIdx,
        t.perm,
        t.rowOrder,
        items,
        ws.keep,
      ]);
      const [values, stateOut] = await ctx.readAll([w.values, state]);
      return {
        rowPtr: rowPtr!,
        colIdx: colIdx!,
        values: values!,
        state: stateOut!,
        rowOrder: rowOrder!,
        tRowPtr: tRowPtr!,
        tColIdx: tColIdx!,
        tPerm: tPerm!,
        tRowOrder: tRowOrder!,
        items: allItems!.slice(0, itemWords),
        keep: keep!.slice(0, p.w.colIdx.length),
        fallback,
        afterEach,
        gradientRows,
      };
    } finally {
      for (const x of extra) x.destroy();
      state.destroy();
      ws.destroy();
      w.destroy();
    }
  },

  /**
   * Two sparse layers with tanh between them, trained with SGD: `before` steps through train()
   * with `dst` (one update, after the last of them), then `after` steps; and a second model built
   * from the weights right after the update (static masks), trained the same `after` steps on the
   * same batches. The layers are an MLP's (stored in `format`, CSR by default), or with `shapes`
   * convolutions over those shapes (CSR; the second's output, its classes, must be 1x1). Returns
   * both models' final weights and losses, the masks after the update, and the update records.
   */
  trainAfterUpdate: async (ctx, p: { layers: [CsrMatrix, CsrMatrix]; shapes?: [ConvShape, ConvShape]; format?: SparseFormat; momentum?: number; data: Dataset; batchSize: number; before: number; after: number; dst: DstOptions; lr: number }) => {
    const build = (weights: readonly CsrMatrix[]) => {
      const [first, second] = p.shapes
        ? [new SparseConv2d(ctx, weights[0]!, p.shapes[0]), new SparseConv2d(ctx, weights[1]!, p.shapes[1])]
        : [new SparseLinear(ctx, weights[0]!, undefined, p.format), new SparseLinear(ctx, weights[1]!, undefined, p.format)];
      return new Sequential([first, new ActivationLayer(ctx, first.outFeatures, 'tanh'), second]);
    };
    const sparse = (m: Sequential) => [m.layers[0] as SparseLinear | SparseConv2d, m.layers[2] as SparseLinear | SparseConv2d];
    const loss = new SoftmaxCrossEntropy(ctx, p.layers[1].rows);
    const dynamic = build(p.layers);
    const opt = new Sgd(ctx, dynamic.parameters(), { lr: p.lr, momentum: p.momentum });
    let staticModel: Sequential | undefined;
    try {
      const run = (model: Sequential, optimizer: Sgd, maxSteps: number, dst?: DstOptions) =>
        train(ctx, { model, loss, optimizer, train: p.data, batchSize: p.batchSize, maxSteps, epochs: 1000, seed: 3, logEvery: 1, dst });
      const first = await run(dynamic, opt, p.before, p.dst);
      const afterUpdate = await Promise.all(sparse(dynamic).map((l) => l.readWeight()));
      staticModel = build(afterUpdate);
      const staticOpt = new Sgd(ctx, staticModel.parameters(), { lr: p.lr, momentum: p.momentum });
      // Same biases as the dynamic model has now, and (with momentum) the same optimizer state: the moved one.
      for (const [i, layer] of sparse(staticModel).entries()) {
        const from = sparse(dynamic)[i]!;
        ctx.write(layer.bias, await ctx.read(from.bias));
        for (const [mine, theirs] of [[layer.values, from.values], [layer.bias, from.bias]] as const) {
          const state = staticOpt.stateOf(mine);
          if (state) ctx.write(state, await ctx.read(opt.stateOf(theirs)!));
        }
      }
      const dynamicHistory = await run(dynamic, opt, p.after);
      const staticHistory = await run(staticModel, staticOpt, p.after);
      staticOpt.destroy();
      return {
        updates: first.dst,
        afterUpdate,
        dynamic: { weights: await Promise.all(sparse(dynamic).map((l) => l.readWeight())), losses: dynamicHistory.steps.map((s) => s.loss) },
        static: { weights: await Promise.all(sparse(staticModel).map((l) => l.readWeight())), losses: staticHistory.steps.map((s) => s.loss) },
      };
    } finally {
      opt.destroy();
      loss.destroy();
      dynamic.destroy();
      staticModel?.destroy();
    }
  },

  /**
   * When a layer's host mask goes stale under DynamicSparsity: two SparseLinear layers (`moving`,
   * stored in `format`, CSR by default, and `full`, which stores every position, so an update
   * leaves it alone) read before any update, after a SET update (a refusal for the moved one's mask;
   * its density, or the refusal of it), and after refreshMask.
   */
  staleMask: async (ctx, p: { moving: CsrMatrix; full: CsrMatrix; fraction: number; format?: SparseFormat }) => {
    const layers = [new SparseLinear(ctx, p.moving, undefined, p.format), new SparseLinear(ctx, p.full)];
    let dst: DynamicSparsity | undefined;
    try {
      dst = new DynamicSparsity(ctx, layers, { method: 'set', every: 1, fraction: p.fraction, until: 10, seed: 5 }, () => undefined);
      const before = layers.map((l) => l.mask);
      const record = await dst.update(p.fraction, 1);
      const stale = await refusal(ctx, () => layers[0]!.mask);
      // Blocks keep their count, not their entries', so only CSR's density holds while stale.
      const staleDensity = p.format ? await refusal(ctx, () => layers[0]!.density) : layers[0]!.density;
      const fullAfter = layers[1]!.mask;
      const refreshed = await layers[0]!.refreshMask();
      return { before, record, stale, staleDensity, density: layers[0]!.density, fullAfter, refreshed };
    } finally {
      dst?.destroy();
      for (const l of layers) l.destroy();
    }
  },

  /**
   * One update of a sparse convolution (CSR filter w over `shape`) by DynamicSparsity, after one
   * forward and backward pass on x and dy (batch rows, row-major) and with an Adam state (two
   * sections of sgdStateLength(nnz)) written beforehand: the dense weight gradient RigL ranks by
   * (computed again beside the update, by the same kernel on the same operands; also for the
   * filters 1.. alone, and a refused request for one filter more than the layer has), the update's
   * record, the filter, mask and state after it, and the three passes (y, dx, dw) of the moved
   * layer and of a fresh layer built from its new filter, on the same x and dy.
   */
  convUpdate: async (ctx, p: { w: CsrMatrix; shape: ConvShape; batch: number; x: Float32Array; dy: Float32Array; state: Float32Array; dst: DstOptions; step: number }) => {
    const { layer, opt, gradient, passes, destroy } = await stepConvLayer(ctx, p, 'csr');
    const tensors: Array<{ destroy(): void }> = [];
    let dst: DynamicSparsity | undefined;
    let fresh: SparseConv2d | undefined;
    try {
      const taps = convTaps(p.shape);
      const later = ctx.zeros('f32', (layer.cOut - 1) * taps);
      tensors.push(later);
      await layer.denseWeightGradInto(later, 1);
      const laterRows = await ctx.read(later);
      const tooMany = await refusal(ctx, () => layer.denseWeightGradInto(gradient, 0, layer.cOut + 1));
      dst = new DynamicSparsity(ctx, [layer], p.dst, (v) => opt.stateOf(v));
      const record = await dst.afterStep(p.step);
      const after = await layer.readWeight();
      const state = await ctx.read(opt.stateOf(layer.values)!);
      fresh = new SparseConv2d(ctx, after, p.shape);
      return { record, gradient: await ctx.read(gradient), laterRows, tooMany, after, mask: layer.mask, state, moved: await passes(layer), rebuilt: await passes(fresh) };
    } finally {
      dst?.destroy();
      fresh?.destroy();
      for (const t of tensors) t.destroy();
      destroy();
    }
  },

  /**
   * One update of a convolution stored in blocks (`w`: the CSR of a filter of whole blocks, format
   * { bsr: blockSize }) by DynamicSparsity, after one forward and backward pass on x and dy and
   * with an Adam state written beforehand: the density before the update (readable: nothing moved
   * yet), the dense weight gradient, the update's record, the raw
   * block pattern, values and state after it, the density and writeWeight refused while the mask
   * is stale, then the mask, density and weight after refreshMask, and the three passes of the
   * moved layer and of a fresh layer built from its new weight.
   */
  convBlockUpdate: async (ctx, p: { w: CsrMatrix; shape: ConvShape; blockSize: 4 | 8 | 16; batch: number; x: Float32Array; dy: Float32Array; state: Float32Array; dst: DstOptions; step: number }) => {
    const format = { bsr: p.blockSize };
    const { layer, opt, gradient, passes, destroy } = await stepConvLayer(ctx, p, format);
    let dst: DynamicSparsity | undefined;
    let fresh: SparseConv2d | undefined;
    try {
      dst = new DynamicSparsity(ctx, [layer], p.dst, (v) => opt.stateOf(v));
      const densityBefore = layer.density;
      const record = await dst.afterStep(p.step);
      const filter = layer.dynamicWeight() as GpuConvBsrFilter;
      const [rowPtr, colIdx] = await ctx.readAll([filter.pattern.rowPtr, filter.pattern.colIdx]);
      const [values, state] = await ctx.readAll([layer.values, opt.stateOf(layer.values)!]);
      const stale = {
        density: await refusal(ctx, () => layer.density),
        write: await refusal(ctx, () => layer.writeWeight(new Float32Array(p.w.colIdx.length))),
      };
      const mask = await layer.refreshMask();
      const weight = await layer.readWeight();
      fresh = new SparseConv2d(ctx, weight, p.shape, undefined, format);
      return { densityBefore, record, gradient: await ctx.read(gradient), blocks: { rowPtr, colIdx }, values, state, stale, mask, density: layer.density, weight, moved: await passes(layer), rebuilt: await passes(fresh) };
    } finally {
      dst?.destroy();
      fresh?.destroy();
      destroy();
    }
  },

  /**
   * A SET update (drop and grow k, salt `salt`) of a conv filter's CSR on the GPU, then the filter's
   * tables rebuilt on the GPU (GpuConvFilter.patternRewritten): its tap table and channel order, and
   * those of a fresh upload of the new filter.
   */
  convTables: async (ctx, p: { w: CsrMatrix; shape: ConvFilterShape; k: number; salt: number }) => {
    const filter = GpuConvFilter.upload(ctx, p.w, p.shape);
    let fresh: GpuConvFilter | undefined;
    filter.csr.makeDynamic();
    const ws = new DstWorkspace(ctx, filter.csr);
    try {
      await dstDropInto(ctx, ws, p.k);
      await dstGrowForcedInto(ctx, ws, p.k, { method: 'set', salt: p.salt }, {});
      await dstRemapInto(ctx, ws, [{ data: filter.csr.values, sectionLength: p.w.colIdx.length }]);
      await dstRebuildInto(ctx, ws);
      await filter.patternRewritten(ctx);
      const [rowPtr, colIdx, taps, flippedTaps, channelOrder] = await ctx.readAll([filter.csr.pattern.rowPtr, filter.csr.pattern.colIdx, filter.taps, filter.flippedTaps, filter.channelOrder]);
      fresh = GpuConvFilter.upload(ctx, { rows: p.w.rows, cols: p.w.cols, rowPtr: rowPtr!, colIdx: colIdx!, values: await ctx.read(filter.csr.values) }, p.shape);
      const [freshTaps, freshFlipped, freshOrder] = await ctx.readAll([fresh.taps, fresh.flippedTaps, fresh.channelOrder]);
      return { colIdx, taps, flippedTaps, channelOrder, fresh: { taps: freshTaps, flippedTaps: freshFlipped, channelOrder: freshOrder } };
    } finally {
      fresh?.destroy();
      ws.destroy();
      filter.destroy();
    }
  },

  /**
   * How dynamic sparsity on convolutions refuses bad input, each as { name, message, leaked GPU
   * buffers }: a convolution stored in blocks, RigL's update before any training step, a fraction
   * or step out of range, and a RigL grow from a gradient that does not hold every position.
   */
  convRefusals: async (ctx, p: { w: CsrMatrix; shape: ConvShape }) => {
    const blocks = new SparseConv2d(ctx, p.w, p.shape, undefined, { bsr: 4 });
    const layer = new SparseConv2d(ctx, p.w, p.shape);
    const opt = new Sgd(ctx, [...blocks.parameters(), ...layer.parameters()], { lr: 0.1, momentum: 0.9 });
    const options: DstOptions = { method: 'rigl', every: 1, fraction: 0.3, until: 10 };
    const dst = new DynamicSparsity(ctx, [layer], options, (v) => opt.stateOf(v));
    const w = GpuCsr.upload(ctx, p.w);
    w.makeDynamic();
    const ws = new DstWorkspace(ctx, w);
    try {
      return {
        blocks: await refusal(ctx, () => new DynamicSparsity(ctx, [blocks], options, (v) => opt.stateOf(v)).destroy()),
        untrained: await refusal(ctx, () => dst.update(0.3, 1)),
        fraction: await refusal(ctx, () => dst.update(1.5, 1)),
        step: await refusal(ctx, () => dst.update(0.3, -1)),
        // A tensor where RigL needs a function computing the gradient's rows.
        gradient: await refusal(ctx, () => dstGrowForcedInto(ctx, ws, 1, { method: 'rigl', gradientRows: w.values as never }, {})),
      };
    } finally {
      ws.destroy();
      w.destroy();
      dst.destroy();
      opt.destroy();
      layer.destroy();
      blocks.destroy();
    }
  },

  /**
   * How block updates refuse bad input, each as { name, message, leaked GPU buffers }: dynamic
   * sparsity on a BSR layer whose blocks hold an element mask (an unstructured CSR mask stored in
   * blocks of `blockSize`), a workspace on such a weight, and moving an array shorter than the
   * blocks' words (`blocks`, block-structured) holds.
   */
  blockRefusals: async (ctx, p: { w: CsrMatrix; blockSize: 4 | 8 | 16; blocks: BsrMatrix }) => {
    const layer = new SparseLinear(ctx, p.w, undefined, { bsr: p.blockSize });
    const opt = new Sgd(ctx, layer.parameters(), { lr: 0.1 });
    const w = GpuBsr.upload(ctx, p.blocks);
    const ws = new DstWorkspace(ctx, w);
    const masked = GpuBsr.upload(ctx, bsrFromCsr(p.w, p.blockSize));
    try {
      return {
        layer: await refusal(ctx, () => new DynamicSparsity(ctx, [layer], { method: 'set', every: 1, fraction: 0.3, until: 10 }, (v) => opt.stateOf(v)).destroy()),
        workspace: await refusal(ctx, () => new DstWorkspace(ctx, masked)),
        remap: await refusal(ctx, () => dstRemapInto(ctx, ws, [{ data: w.values, sectionLength: w.values.length }, { data: w.values, sectionLength: w.values.length - 1 }])),
      };
    } finally {
      masked.destroy();
      ws.destroy();
      w.destroy();
      opt.destroy();
      layer.destroy();
    }
  },
});
