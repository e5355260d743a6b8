import type { DstOptions } from '../../src/dst/schedule.js';
import { dstDropInto, dstGrowInto, dstRebuildInto, dstRemapInto, DstWorkspace } from '../../src/kernels/dst.js';
import { ActivationLayer } from '../../src/nn/activation-layer.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { Sequential } from '../../src/nn/sequential.js';
import { SparseLinear } from '../../src/nn/sparse-linear.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import { GpuCsr } from '../../src/sparse/gpu-csr.js';
import { Sgd } from '../../src/train/optimizers.js';
import { type Dataset, train } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';

/** One update's grow rule, as plain data: SET's salt, or RigL's dY and X (batch rows each, row-major). */
export type GrowParams = { method: 'set'; salt: number } | { method: 'rigl'; dy: Float32Array; x: Float32Array; batch: number; chunkEntries?: number };

/** Everything the GPU holds of a layer after its updates. */
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
  items: Uint32Array;
  keep: Uint32Array;
}

export const dstCases = defineCases({
  /** Runs updates (drop k, grow k) one after another on w, with a two-section state moved along; reads back everything. */
  updates: async (ctx, p: { w: CsrMatrix; state: Float32Array; section: number; steps: Array<{ k: number; grow: GrowParams }> }): Promise<UpdatedLayer> => {
    const w = GpuCsr.upload(ctx, p.w);
    w.makeDynamic();
    const ws = new DstWorkspace(ctx, w);
    const state = ctx.upload('f32', p.state);
    const extra: Array<{ destroy(): void }> = [];
    try {
      for (const { k, grow } of p.steps) {
        await dstDropInto(ctx, ws, k);
        if (grow.method === 'set') {
          await dstGrowInto(ctx, ws, k, grow);
        } else {
          const dyT = ctx.upload('f32', toActivationLayout(grow.dy, grow.batch, w.rows));
          const xT = ctx.upload('f32', toActivationLayout(grow.x, grow.batch, w.cols));
          extra.push(dyT, xT);
          await dstGrowInto(ctx, ws, k, { method: 'rigl', dyT, xT, batch: grow.batch, chunkEntries: grow.chunkEntries });
        }
        await dstRemapInto(ctx, ws, w.values, w.nnz);
        await dstRemapInto(ctx, ws, state, p.section, 2);
        await dstRebuildInto(ctx, ws);
        w.setSddmmCount((await ctx.read(ws.itemCount))[0]!);
      }
      const t = w.transposed;
      const { items, count } = w.sddmmItems;
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
        items: allItems!.slice(0, 2 * count),
        keep: keep!.slice(0, p.w.colIdx.length),
      };
    } finally {
      for (const x of extra) x.destroy();
      state.destroy();
      ws.destroy();
      w.destroy();
    }
  },

  /**
   * A two-layer sparse MLP trained with SGD: `before` steps through train() with `dst` (one update,
   * after the last of them), then `after` steps; and a second model built from the weights right
   * after the update (static masks), trained the same `after` steps on the same batches. Returns
   * both models' final weights and losses, the masks after the update, and the update records.
   */
  trainAfterUpdate: async (ctx, p: { layers: [CsrMatrix, CsrMatrix]; data: Dataset; batchSize: number; before: number; after: number; dst: DstOptions; lr: number }) => {
    const build = (weights: readonly CsrMatrix[]) => new Sequential([new SparseLinear(ctx, weights[0]!), new ActivationLayer(ctx, weights[0]!.rows, 'tanh'), new SparseLinear(ctx, weights[1]!)]);
    const sparse = (m: Sequential) => [m.layers[0] as SparseLinear, m.layers[2] as SparseLinear];
    const loss = new SoftmaxCrossEntropy(ctx, p.layers[1].rows);
    const dynamic = build(p.layers);
    const opt = new Sgd(ctx, dynamic.parameters(), { lr: p.lr });
    let staticModel: Sequential | undefined;
    try {
      const run = (model: Sequential, optimizer: Sgd, maxSteps: number, dst?: DstOptions) =>
        train(ctx, { model, loss, optimizer, train: p.data, batchSize: p.batchSize, maxSteps, epochs: 1000, seed: 3, logEvery: 1, dst });
      const first = await run(dynamic, opt, p.before, p.dst);
      const afterUpdate = await Promise.all(sparse(dynamic).map((l) => l.readWeight()));
      staticModel = build(afterUpdate);
      const staticOpt = new Sgd(ctx, staticModel.parameters(), { lr: p.lr });
      // Same biases as the dynamic model has now.
      for (const [i, layer] of sparse(staticModel).entries()) ctx.write(layer.bias, await ctx.read(sparse(dynamic)[i]!.bias));
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
});
