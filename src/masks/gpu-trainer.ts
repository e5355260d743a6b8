/**
 * The TrainFn on the GPU (lottery rounds, Taylor's pre-training): the MLP assembled from the
 * given weights as SparseLinear layers (so the mask holds exactly; density 1 is the dense model),
 * trained with the project's train() for a fixed number of steps, weights read back. Biases start
 * from `biases` (zeros by default) every call and are not returned: generators produce weights.
 */
import type { Context } from '../gpu/context.js';
import type { Activation } from '../kernels/activation.js';
import type { SoftmaxXentOptions } from '../kernels/softmax-xent.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { assembleMlp } from '../nn/mlp.js';
import { SparseLinear } from '../nn/sparse-linear.js';
import type { CsrMatrix } from '../sparse/csr.js';
import { createOptimizer, type OptimizerSpec } from '../train/optimizer-spec.js';
import { type Dataset, train } from '../train/trainer.js';
import { checkPositiveInt, checkSeed } from '../validate.js';
import { mlpConfigFor } from './shapes.js';
import type { TrainFn } from './types.js';

export interface GpuTrainerOptions {
  activation: Activation;
  data: Dataset;
  /** optimizer steps per call */
  steps: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  loss?: SoftmaxXentOptions;
  /** one per layer; zeros when omitted */
  biases?: readonly Float32Array[];
  /** shuffling seed; round r uses seed + r so rounds see different orders */
  seed?: number;
}

export function gpuTrainer(ctx: Context, opts: GpuTrainerOptions): TrainFn {
  const steps = checkPositiveInt('steps', opts.steps);
  const batchSize = checkPositiveInt('batchSize', opts.batchSize);
  const seed = checkSeed(opts.seed);
  return async (weights, round) => {
    const config = mlpConfigFor(
      weights.map((w) => [w.rows, w.cols] as const),
      opts.activation,
    );
    const biases = weights.map((w, l) => opts.biases?.[l] ?? new Float32Array(w.rows));
    const model = assembleMlp(ctx, config, [...weights], biases);
    const loss = new SoftmaxCrossEntropy(ctx, config.classes, opts.loss ?? {});
    const optimizer = createOptimizer(ctx, model.parameters(), opts.optimizer, steps);
    try {
      const epochs = Math.ceil(steps / Math.ceil(opts.data.count / batchSize));
      await train(ctx, { model, loss, optimizer, train: opts.data, epochs, maxSteps: steps, batchSize, seed: seed + round, logEvery: steps });
      const trained: CsrMatrix[] = [];
      for (const layer of model.layers) if (layer instanceof SparseLinear) trained.push(await layer.readWeight());
      return trained;
    } finally {
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
  };
}
