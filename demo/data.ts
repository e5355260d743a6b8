/** The page's MNIST: the served IDX subset, parsed and normalised as the CLI does. */
import type { Dataset } from '../src/index.js';
import { mnistFromIdx, MNIST_NORMALIZATION } from '../src/data/mnist.js';
import { MNIST_FILES, type Split } from './mnist-files.js';

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function loadSplit(split: Split): Promise<Dataset> {
  const url = (kind: 'images' | 'labels') => `/mnist/${MNIST_FILES.find((f) => f.split === split && f.kind === kind)!.file}`;
  const [images, labels] = await Promise.all([fetchBytes(url('images')), fetchBytes(url('labels'))]);
  const set = mnistFromIdx(images, labels, { normalization: MNIST_NORMALIZATION });
  return { count: set.count, features: set.rows * set.cols, inputs: set.images, labels: set.labels };
}

export async function loadMnist(): Promise<{ train: Dataset; test: Dataset }> {
  const [train, test] = await Promise.all([loadSplit('train'), loadSplit('test')]);
  return { train, test };
}
