/**
 * Parsers for IDX, the file format of MNIST (yann.lecun.com/exdb/mnist): a big-endian header of
 * two zero bytes, a type code (0x08: unsigned bytes), the number of dimensions, one u32 size per
 * dimension, then the data. Pure functions of the bytes, so a browser can fetch the files and
 * parse them the same way Node does. Malformed files are refused with a RangeError that names the
 * file and says what was expected.
 */
import { checkLabels, checkTypedArray } from '../validate.js';

/** Magic number of unsigned-byte IDX files with 3 dimensions (images: count x rows x cols). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of unsigned-byte IDX files with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 2049;

/** The images of an IDX file: count images of rows x cols bytes, row-major, image after image. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count·rows·cols bytes, image after image, each row-major: a view into the parsed bytes. */
  pixels: Uint8Array;
}

const KIND: Record<number, string> = { [IDX_IMAGES_MAGIC]: 'an IDX images file', [IDX_LABELS_MAGIC]: 'an IDX labels file' };

/** The sizes of an IDX file's dimensions, after checking its magic number and total length. */
function readSizes(bytes: Uint8Array, name: string, magic: number, dimensions: number): number[] {
  checkTypedArray(name, bytes, Uint8Array);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new RangeError(`${name}: gzip-compressed data; decompress it first (zlib.gunzipSync in Node, DecompressionStream in a browser)`);
  }
  const headerBytes = 4 + 4 * dimensions;
  const truncatedHeader = () =>
    new RangeError(`${name}: truncated: ${bytes.length} bytes, fewer than the ${headerBytes}-byte header of ${KIND[magic]}`);
  if (bytes.length < 4) throw truncatedHeader();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    const other = KIND[found] ? ` (that is ${KIND[found]})` : '';
    throw new RangeError(`${name}: magic number ${found}${other}, expected ${magic} for ${KIND[magic]}`);
  }
  if (bytes.length < headerBytes) throw truncatedHeader();
  const sizes = Array.from({ length: dimensions }, (_, d) => view.getUint32(4 + 4 * d));
  const expected = headerBytes + sizes.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : 'trailing bytes';
    throw new RangeError(`${name}: ${problem}: the header's sizes ${sizes.join(' x ')} need ${expected} bytes, the file has ${bytes.length}`);
  }
  return sizes;
}

/**
 * Parses an IDX images file (magic 2051, big-endian sizes, then count·rows·cols bytes).
 * @param name - names the argument in error messages
 * @throws TypeError when `bytes` is not a Uint8Array; RangeError when the data is gzip-compressed, the magic is wrong, a size is 0 or the data is shorter than the sizes say
 */
export function parseIdxImages(bytes: Uint8Array, name = 'images'): IdxImages {
  const [count, rows, cols] = readSizes(bytes, name, IDX_IMAGES_MAGIC, 3) as [number, number, number];
  if (rows === 0 || cols === 0) throw new RangeError(`${name}: images of ${rows} x ${cols} pixels; rows and cols must be >= 1`);
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

/** The labels (a view into the bytes), each checked to be below `classes`. */
export function parseIdxLabels(bytes: Uint8Array, classes = 10, name = 'labels'): Uint8Array {
  readSizes(bytes, name, IDX_LABELS_MAGIC, 1);
  const labels = bytes.subarray(8);
  checkLabels(name, labels, classes);
  return labels;
}
