/**
 * Dynamic sparse training (SET, RigL) of a model's sparse fully connected layers: after every
 * `every` steps up to `until`, each layer drops its k smallest stored weights and grows k new
 * ones (src/kernels/dst.ts), its values and optimizer state moved along, all on the GPU. The
 * starting masks are whatever the model was built with (any init or mask method, any per-layer
 * densities such as ERK); each layer's count stays what it started with. Layers stored as BSR
 * move whole blocks (ranked by the sum of |w|, or of |dL/dW| for RigL's grow), so their masks must
 * be block-structured (MlpConfig.blockMask); their block count stays what it started with.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { dstDropInto, dstGrowInto, dstRebuildInto, dstRemapInto, DstWorkspace } from '../kernels/dst.js';
import { sgdStateLength } from '../kernels/optimizer.js';
import { GhostSkip } from '../nn/ghost-skip.js';
import type { Layer } from '../nn/layer.js';
import { isCnnConfig, isSparseModel, type ModelConfig } from '../nn/model.js';
import { Sequential } from '../nn/sequential.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { GpuCsr } from '../sparse/gpu-csr.js';
import { dstSalt } from './reference.js';
import { checkDstOptions, dstFraction, dstMoveCount, type DstOptions } from './schedule.js';

/** What one update did. */
export interface DstUpdateRecord {
  /** steps taken when it ran */
  step: number;
  /** the scheduled fraction */
  fraction: number;
  /** weights (BSR layers: blocks) dropped (= grown) per layer */
  moved: number[];
}

/** Where a parameter's optimizer state is (Optimizer.stateOf), so that it moves with the values. */
export type StateLookup = (values: GpuTensor<'f32'>) => GpuTensor<'f32'> | undefined;

/**
 * The SparseLinear layers of a model, in order, looking inside Sequential and ghost-skip wrappers.
 * Throws a TypeError for a model with sparse convolutions (their masks do not move here) or with
 * no sparse layer at all.
 */
export function dstLayers(model: Layer, what = 'dst'): SparseLinear[] {
  const found: SparseLinear[] = [];
  const visit = (layer: Layer) => {
    if (layer instanceof SparseLinear) found.push(layer);
    else if (layer instanceof Sequential) layer.layers.forEach(visit);
    else if (layer instanceof GhostSkip) visit(layer.inner);
    else if (layer.kind === 'sparse-conv2d') throw new TypeError(`${what}: dynamic sparsity moves the masks of sparse fully connected layers only; this model has a sparse convolution`);
  };
  visit(model);
  if (found.length === 0) throw new TypeError(`${what}: dynamic sparsity needs sparse layers (SparseLinear); this model has none`);
  return found;
}

/**
 * Dynamic sparse training (SET or RigL) of a model's SparseLinear layers: on the schedule of
 * `options`, each layer drops its smallest-magnitude weights and grows as many elsewhere (at random
 * for SET, where |dL/dW| is largest for RigL), moving the values and the optimizer state with them,
 * on the GPU. `updates` records every update made.
 */
export class DynamicSparsity {
  readonly options: ReturnType<typeof checkDstOptions>;
  readonly updates: DstUpdateRecord[] = [];
  private readonly workspaces: DstWorkspace[];

  /**
   * Checks the options and the layers (CSR, or BSR without an element mask; < 2^32 positions)
   * before allocating each layer's scratch. Throws RangeError/TypeError naming the option or layer.
   */
  constructor(
    private readonly ctx: Context,
    readonly layers: readonly SparseLinear[],
    options: DstOptions,
    private readonly stateOf: StateLookup,
  ) {
    this.options = checkDstOptions(options);
    for (const [i, layer] of layers.entries()) {
      if (!(layer instanceof SparseLinear)) throw new TypeError(`dst: layers[${i}] is not a sparse layer (SparseLinear), got ${(layer as Layer)?.kind}`);
      if (layer.hasElementMask) {
        throw new TypeError(
          `dst: layers[${i}] (${layer.inFeatures} -> ${layer.outFeatures}, ${JSON.stringify(layer.format)}) holds an element mask inside its blocks; ` +
            'dynamic sparsity moves whole BSR blocks, so it needs a block-structured mask: build the MLP with blockMask: true ' +
            "(init 'uniform' or 'erk'; CLI --block-mask), or the layer from whole blocks (randomBsr, bsrToCsr)",
        );
      }
      if (layer.outFeatures * layer.inFeatures > 0xffffffff) throw new RangeError(`dst: layers[${i}] has ${layer.outFeatures}·${layer.inFeatures} positions, at most 2^32 - 1`);
    }
    this.workspaces = layers.map((layer) => new DstWorkspace(ctx, layer.dynamicWeight()));
  }

  /** Runs the update due after `step` steps, if any (see dstFraction); returns what it did. */
  async afterStep(step: number): Promise<DstUpdateRecord | undefined> {
    const fraction = dstFraction(this.options, step);
    if (fraction === 0) return undefined;
    const record = await this.update(fraction, step);
    this.updates.push(record);
    return record;
  }

  /**
   * One update of every layer moving `fraction` of its stored weights (or blocks), salted by
   * `step`. Reads back one count per CSR layer (its SDDMM items), nothing else.
   */
  async update(fraction: number, step: number): Promise<DstUpdateRecord> {
    const moved: number[] = [];
    for (const [i, layer] of this.layers.entries()) {
      const ws = this.workspaces[i]!;
      const w = layer.dynamicWeight();
      const k = dstMoveCount(fraction, ws.grid.nnz);
      moved.push(k);
      if (k === 0) continue;
      await dstDropInto(this.ctx, ws, k);
      if (this.options.method === 'set') {
        await dstGrowInto(this.ctx, ws, k, { method: 'set', salt: dstSalt(this.options.seed, i, step) });
      } else {
        const grad = layer.lastOutputGrad;
        const xT = layer.lastInput;
        if (!grad || !xT) throw new RangeError('dst: RigL grows from the last batch’s gradient; run a training step (forward and backward) before an update');
        await dstGrowInto(this.ctx, ws, k, { method: 'rigl', dyT: grad.dyT, xT, batch: grad.batch, chunkEntries: this.options.chunkEntries });
      }
      const words = ws.grid.nnz * ws.grid.entryWords;
      const state = this.stateOf(w.values);
      const section = sgdStateLength(words);
      await dstRemapInto(this.ctx, ws, [{ data: w.values, sectionLength: words }, ...(state ? [{ data: state, sectionLength: section, sections: state.length / section }] : [])]);
      await dstRebuildInto(this.ctx, ws);
    }
    const live = this.workspaces.filter((ws, i) => moved[i]! > 0 && ws.w instanceof GpuCsr);
    const counts = live.length > 0 ? await this.ctx.readAll(live.map((ws) => ws.itemCount)) : [];
    live.forEach((ws, i) => (ws.w as GpuCsr).setSddmmCount(counts[i]![0]!));
    return { step, fraction, moved };
  }

  /** Frees every layer's update scratch. */
  destroy(): void {
    for (const ws of this.workspaces) ws.destroy();
  }
}

/**
 * The DynamicSparsity train() runs for its `dst` option: options checked first, then the model's
 * sparse layers (dstLayers), then the optimizer, which must say where each parameter's state is
 * (Sgd and Adam do: stateOf). Throws before allocating anything when one of them does not fit.
 */
export function createDynamicSparsity(ctx: Context, model: Layer, optimizer: { stateOf?: StateLookup }, options: DstOptions): DynamicSparsity {
  checkDstOptions(options);
  const layers = dstLayers(model);
  const stateOf = optimizer.stateOf;
  if (typeof stateOf !== 'function') throw new TypeError('dst: the optimizer must expose stateOf(values) (Sgd and Adam do), so that the state of moved weights moves with them');
  return new DynamicSparsity(ctx, layers, options, (values) => stateOf.call(optimizer, values));
}

/**
 * Whether a training spec can run with dynamic sparsity, checked before anything is built:
 * `dst` must be valid options, the model an MLP (sparse convolutions keep their masks) and sparse
 * (a sparse init, or a mask method); stored in CSR, or in BSR with block masks (model.blockMask,
 * from the init: a mask method's masks are elementwise). Throws a TypeError or RangeError naming
 * `what` and what would fit.
 */
export function checkDstSpec(model: ModelConfig, hasMask: boolean, dst: unknown, what = 'spec.dst'): void {
  checkDstOptions(dst, what);
  if (isCnnConfig(model)) throw new TypeError(`${what}: dynamic sparsity moves the masks of sparse fully connected layers; a CNN's sparse convolutions keep theirs (use an MLP)`);
  if (!hasMask && !isSparseModel(model)) throw new TypeError(`${what}: dynamic sparsity needs sparse layers, but init '${model.init}' is dense (use a sparse init or a mask method)`);
  if (model.format !== undefined && model.format !== 'csr' && (hasMask || !model.blockMask)) {
    const masks = hasMask ? "a mask method's masks are elementwise" : 'model.blockMask is not set';
    throw new TypeError(
      `${what}: dynamic sparsity on format ${JSON.stringify(model.format)} moves whole blocks, so it needs block masks, and ${masks}: ` +
        "set model.blockMask: true with init 'uniform' or 'erk' (CLI --block-mask), or use format 'csr'",
    );
  }
}
