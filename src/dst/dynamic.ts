/**
 * Dynamic sparse training (SET, RigL) of a model's sparse layers, fully connected and
 * convolutional: after every `every` steps up to `until`, each layer drops its k smallest stored
 * weights and grows k new ones (src/kernels/dst.ts), its values and optimizer state moved along,
 * on the GPU. The starting masks are whatever the model was built with (any init or mask method,
 * any per-layer densities such as ERK); each layer's count stays what it started with, and a layer
 * that stores every position (ERK keeps some dense) is left as it is. Layers
 * stored as BSR move whole blocks (ranked by the sum of |w|, or of |dL/dW| for RigL's grow), so
 * their masks must be block-structured (MlpConfig.blockMask); their block count stays what it
 * started with. A convolution's filter moves single taps (CSR), or whole blocks of blockSize x
 * blockSize channel pairs with every tap (BSR, a filter of whole blocks); RigL ranks the free
 * taps by the dense conv weight gradient of the last batch, computed a chunk of filters at a time
 * like a fully connected layer's (DstOptions.chunkEntries), and after each update a CSR filter
 * rebuilds its tap table and channel order on the GPU from the new pattern.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { type DstGrow, dstDropInto, dstGrowInto, dstRebuildInto, dstRemapInto, DstWorkspace } from '../kernels/dst.js';
import { sgdStateLength } from '../kernels/optimizer.js';
import { GhostSkip } from '../nn/ghost-skip.js';
import type { Layer } from '../nn/layer.js';
import { isSparseModel, type ModelConfig } from '../nn/model.js';
import { Sequential } from '../nn/sequential.js';
import { SparseConv2d } from '../nn/sparse-conv2d.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import { GpuCsr } from '../sparse/gpu-csr.js';
import { checkNonNegativeInt, checkNumberInRange } from '../validate.js';
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

/** A layer whose mask dynamic sparsity moves. */
export type DstSparseLayer = SparseLinear | SparseConv2d;

/**
 * The sparse layers of a model (SparseLinear, SparseConv2d), in order, looking inside Sequential
 * and ghost-skip wrappers. Throws a TypeError for a model with no sparse layer at all.
 */
export function dstLayers(model: Layer, what = 'dst'): DstSparseLayer[] {
  const found: DstSparseLayer[] = [];
  const visit = (layer: Layer) => {
    if (layer instanceof SparseLinear || layer instanceof SparseConv2d) found.push(layer);
    else if (layer instanceof Sequential) layer.layers.forEach(visit);
    else if (layer instanceof GhostSkip) visit(layer.inner);
  };
  visit(model);
  if (found.length === 0) throw new TypeError(`${what}: dynamic sparsity needs sparse layers (SparseLinear, SparseConv2d); this model has none`);
  return found;
}

/**
 * Dynamic sparse training (SET or RigL) of a model's sparse layers: on the schedule of
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
   * before allocating each layer's scratch. Throws RangeError/TypeError naming
   * the option or layer.
   */
  constructor(
    private readonly ctx: Context,
    readonly layers: readonly DstSparseLayer[],
    options: DstOptions,
    private readonly stateOf: StateLookup,
  ) {
    this.options = checkDstOptions(options);
    for (const [i, layer] of layers.entries()) {
      if (!(layer instanceof SparseLinear || layer instanceof SparseConv2d)) throw new TypeError(`dst: layers[${i}] is not a sparse layer (SparseLinear, SparseConv2d), got ${(layer as Layer)?.kind}`);
      const positions = layerPositions(layer);
      if (positions > 0xffffffff) throw new RangeError(`dst: layers[${i}] has ${positions} positions, at most 2^32 - 1`);
      if (layer instanceof SparseConv2d) {
        if (layer.hasElementMask) {
          throw new TypeError(
            `dst: layers[${i}] is a convolution stored in blocks (${JSON.stringify(layer.format)}) whose mask does not fill them (an element mask); ` +
              "dynamic sparsity moves whole blocks, so it needs a filter of whole blocks (randomConvBsr, convBsrToCsr), or format 'csr' to move single taps",
          );
        }
        continue;
      }
      if (layer.hasElementMask) {
        throw new TypeError(
          `dst: layers[${i}] (${layer.inFeatures} -> ${layer.outFeatures}, ${JSON.stringify(layer.format)}) holds an element mask inside its blocks; ` +
            'dynamic sparsity moves whole BSR blocks, so it needs a block-structured mask: build the MLP with blockMask: true ' +
            "(init 'uniform' or 'erk'; CLI --block-mask), or the layer from whole blocks (randomBsr, bsrToCsr)",
        );
      }
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
   * `step`. Reads back one count per CSR layer (its SDDMM items), nothing else. Throws a RangeError before any dispatch for a fraction outside [0, 1], a step that
   * is not an integer >= 0, or a RigL update before the layers have seen a training step.
   */
  async update(fraction: number, step: number): Promise<DstUpdateRecord> {
    checkNumberInRange('fraction', fraction, 0, 1);
    checkNonNegativeInt('step', step);
    if (this.options.method === 'rigl' && this.layers.some((layer) => !layer.lastOutputGrad || !layer.lastInput)) {
      throw new RangeError('dst: RigL grows from the last batch’s gradient; run a training step (forward and backward) before an update');
    }
    const moved: number[] = [];
    for (const [i, layer] of this.layers.entries()) {
      const ws = this.workspaces[i]!;
      const w = layer.dynamicWeight();
      // A layer that stores every position (ERK's dense ones) has nothing to move: the dropped
      // positions would be the only free ones, grown back at 0.
      const { rows, cols, nnz } = ws.grid;
      const k = nnz === rows * cols ? 0 : dstMoveCount(fraction, nnz);
      moved.push(k);
      if (k === 0) continue;
      await dstDropInto(this.ctx, ws, k);
      if (this.options.method === 'set') {
        await dstGrowInto(this.ctx, ws, k, { method: 'set', salt: dstSalt(this.options.seed, i, step) });
      } else {
        await dstGrowInto(this.ctx, ws, k, this.riglGrow(i));
      }
      const words = ws.grid.nnz * ws.grid.entryWords;
      const state = this.stateOf(w.values);
      const section = sgdStateLength(words);
      await dstRemapInto(this.ctx, ws, [{ data: w.values, sectionLength: words }, ...(state ? [{ data: state, sectionLength: section, sections: state.length / section }] : [])]);
      await dstRebuildInto(this.ctx, ws);
      await layer.patternMoved();
    }
    const live = this.workspaces.filter((ws, i) => moved[i]! > 0 && ws.w instanceof GpuCsr);
    const counts = live.length > 0 ? await this.ctx.readAll(live.map((ws) => ws.itemCount)) : [];
    live.forEach((ws, i) => (ws.w as GpuCsr).setSddmmCount(counts[i]![0]!));
    return { step, fraction, moved };
  }

  /** RigL's grow rule for layer i, from its last batch (checked by update): dY and X of a fully connected layer, a convolution's dense weight gradient by chunks of filters. */
  private riglGrow(i: number): DstGrow {
    const layer = this.layers[i]!;
    const { chunkEntries } = this.options;
    if (layer instanceof SparseConv2d) {
      return { method: 'rigl', gradientRows: (row0, rows, into) => layer.denseWeightGradInto(into, row0, rows), chunkEntries };
    }
    const grad = layer.lastOutputGrad!;
    return { method: 'rigl', dyT: grad.dy, xT: layer.lastInput!, batch: grad.batch, chunkEntries };
  }

  /** Frees every layer's update scratch. */
  destroy(): void {
    for (const ws of this.workspaces) ws.destroy();
  }
}

/** The positions a layer's mask can hold: outFeatures x inFeatures, or a filter's cOut x cIn·kh·kw taps. */
function layerPositions(layer: DstSparseLayer): number {
  if (layer instanceof SparseLinear) return layer.outFeatures * layer.inFeatures;
  return layer.cOut * layer.shape.cIn * layer.shape.kh * layer.shape.kw;
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
 * `dst` must be valid options and the model sparse (a sparse init, or a mask method); an MLP or
 * a CNN stored in CSR, or in BSR with block masks (model.blockMask, from the init: a mask
 * method's masks are elementwise). Throws a TypeError or RangeError naming `what` and what would fit.
 */
export function checkDstSpec(model: ModelConfig, hasMask: boolean, dst: unknown, what = 'spec.dst'): void {
  checkDstOptions(dst, what);
  if (!hasMask && !isSparseModel(model)) throw new TypeError(`${what}: dynamic sparsity needs sparse layers, but init '${model.init}' is dense (use a sparse init or a mask method)`);
  if (model.format !== undefined && model.format !== 'csr' && (hasMask || !model.blockMask)) {
    const masks = hasMask ? "a mask method's masks are elementwise" : 'model.blockMask is not set';
    throw new TypeError(
      `${what}: dynamic sparsity on format ${JSON.stringify(model.format)} moves whole blocks, so it needs block masks, and ${masks}: ` +
        "set model.blockMask: true with init 'uniform' or 'erk' (CLI --block-mask), or use format 'csr'",
    );
  }
}
