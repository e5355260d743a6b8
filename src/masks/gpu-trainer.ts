/**
 * The TrainFn on the GPU (lottery rounds, Taylor's pre-training): the network assembled from the
 * given weights (gpu-network.ts: SparseLinear or SparseConv2d layers, so the mask holds exactly;
 * density 1 is the dense model), trained with the project's train() for a fixed number of steps,
 * the pruned weights read back. Biases (and a CNN's classifier) start from the frame's every call
 * and are not returned: generators produce pruned weights, and a lottery round rewinds them too.
 */
import type { Context } from '../gpu/context.js';
import type { SoftmaxXentOptions } from '../kernels/softmax-xent.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { createOptimizer, type OptimizerSpec } from '../train/optimizer-spec.js';
import { type Dataset, train } from '../train/trainer.js';
import { checkPositiveInt, checkSeed } from '../validate.js';
import { assembleNetwork } from './gpu-network.js';
import type { NetworkFrame } from './network.js';
import type { TrainFn } from './types.js';

export interface GpuTrainerOptions extends NetworkFrame {
  data: Dataset;
  /** optimizer steps per call */
  steps: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  loss?: SoftmaxXentOptions;
  /** shuffling seed; round r uses seed + r so rounds see different orders */
  seed?: number;
}

/**
 * A TrainFn that trains the masked network on the GPU for `steps` steps (lottery ticket, Taylor).
 * @throws RangeError naming steps or batchSize when not positive integers
 */
export function gpuTrainer(ctx: Context, opts: GpuTrainerOptions): TrainFn {
  const steps = checkPositiveInt('steps', opts.steps);
  const batchSize = checkPositiveInt('batchSize', opts.batchSize);
  const seed = checkSeed(opts.seed);
  return async (weights, round) => {
    const { model, pruned, classes } = assembleNetwork(ctx, opts, weights);
    const loss = new SoftmaxCrossEntropy(ctx, classes, opts.loss ?? {});
    const optimizer = createOptimizer(ctx, model.parameters(), opts.optimizer, steps);
    try {
      const epochs = Math.ceil(steps / Math.ceil(opts.data.count / batchSize));
      await train(ctx, { model, loss, optimizer, train: opts.data, epochs, maxSteps: steps, batchSize, seed: seed + round, logEvery: steps });
      const trained: CsrMatrix[] = [];
      for (const layer of pruned) trained.push(await layer.readWeight());
      return trained;
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  };
}
