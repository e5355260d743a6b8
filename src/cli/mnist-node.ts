/** MNIST as training-loop Datasets (Node): both splits, normalised, optionally cut to their first N images. */
import { loadMnist, MNIST_NORMALIZATION, type MnistSet } from '../data/mnist.js';
import type { Dataset } from '../train/trainer.js';
import { checkPositiveInt } from '../validate.js';

function toDataset(set: MnistSet, limit: number | undefined, name: string): Dataset {
  const count = limit === undefined ? set.count : Math.min(checkPositiveInt(name, limit), set.count);
  const features = set.rows * set.cols;
  return { count, features, inputs: set.images.subarray(0, count * features), labels: set.labels.subarray(0, count) };
}

export async function loadMnistDatasets(opts: { trainLimit?: number; testLimit?: number } = {}): Promise<{ train: Dataset; test: Dataset }> {
  const [train, test] = await Promise.all([loadMnist('train', { normalization: MNIST_NORMALIZATION }), loadMnist('test', { normalization: MNIST_NORMALIZATION })]);
  return { train: toDataset(train, opts.trainLimit, '--train-limit'), test: toDataset(test, opts.testLimit, '--test-limit') };
}
