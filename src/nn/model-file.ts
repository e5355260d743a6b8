/**
 * The model file format (.osm): one self-describing binary file.
 *
 *   bytes 0..3   magic "OSPM"
 *   bytes 4..7   format version, u32 little-endian (2; version 1 files, which hold MLPs only, read
 *                the same way)
 *   bytes 8..11  header length H in bytes, u32 little-endian
 *   bytes 12..   header: UTF-8 JSON { config, tensors: [{ name, dtype: "f32"|"u32", offset, length }] }
 *   then         padding to a multiple of 4, then the tensor data: each tensor little-endian at
 *                `offset` bytes from the start of the data section, `length` elements long.
 *
 * `config` is whatever the model needs to rebuild itself (config.kind 'mlp', see mlp.ts, or
 * 'cnn', see cnn.ts); tensors hold masks (CSR rowPtr/colIdx), values and biases. Every offset and
 * length is checked on load.
 */

const MAGIC = 0x4d50534f; // "OSPM" read as a little-endian u32
/** Version 2 added convolutional models (config.kind 'cnn'); the byte layout is version 1's. */
const VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export type FileTensor = Float32Array | Uint32Array;

export interface ModelFile {
  config: unknown;
  tensors: Map<string, FileTensor>;
}

export function encodeModelFile(file: ModelFile): Uint8Array {
  const entries: Array<{ name: string; dtype: 'f32' | 'u32'; offset: number; length: number }> = [];
  let dataBytes = 0;
  for (const [name, data] of file.tensors) {
    entries.push({ name, dtype: data instanceof Float32Array ? 'f32' : 'u32', offset: dataBytes, length: data.length });
    dataBytes += data.byteLength;
  }
  const header = new TextEncoder().encode(JSON.stringify({ config: file.config, tensors: entries }));
  const dataStart = align4(12 + header.length);
  const bytes = new Uint8Array(dataStart + dataBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  let i = 0;
  for (const data of file.tensors.values()) {
    const start = dataStart + entries[i++]!.offset;
    for (let k = 0; k < data.length; k++) {
      if (data instanceof Float32Array) view.setFloat32(start + 4 * k, data[k]!, true);
      else view.setUint32(start + 4 * k, data[k]!, true);
    }
  }
  return bytes;
}

export function decodeModelFile(bytes: Uint8Array): ModelFile {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('model file must be a Uint8Array');
  if (bytes.length < 12) throw new RangeError(`model file is ${bytes.length} bytes, shorter than its 12-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not an orthosparse model file (magic "OSPM" missing)');
  const version = view.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) throw new RangeError(`model file version ${version} is not supported (this library reads versions ${READABLE_VERSIONS.join(' and ')})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new RangeError(`model file header (${headerLength} bytes) runs past the end of the file (${bytes.length} bytes)`);
  let header: { config: unknown; tensors: Array<{ name: string; dtype: string; offset: number; length: number }> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (cause) {
    throw new RangeError('model file header is not valid JSON', { cause });
  }
  if (!header || !Array.isArray(header.tensors)) throw new RangeError('model file header lacks its tensor list');
  const dataStart = align4(12 + headerLength);
  const tensors = new Map<string, FileTensor>();
  for (const t of header.tensors) {
    if (t.dtype !== 'f32' && t.dtype !== 'u32') throw new RangeError(`tensor '${t.name}': dtype must be f32 or u32, got ${t.dtype}`);
    if (!Number.isSafeInteger(t.offset) || !Number.isSafeInteger(t.length) || t.offset < 0 || t.length < 0 || t.offset % 4) {
      throw new RangeError(`tensor '${t.name}': offset and length must be non-negative integers (offset a multiple of 4)`);
    }
    const start = dataStart + t.offset;
    if (start + 4 * t.length > bytes.length) throw new RangeError(`tensor '${t.name}' runs past the end of the file (truncated?)`);
    const out = t.dtype === 'f32' ? new Float32Array(t.length) : new Uint32Array(t.length);
    for (let k = 0; k < t.length; k++) out[k] = t.dtype === 'f32' ? view.getFloat32(start + 4 * k, true) : view.getUint32(start + 4 * k, true);
    tensors.set(t.name, out);
  }
  return { config: header.config, tensors };
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** A tensor the file must hold, of the given dtype; a RangeError names it otherwise. */
export function requireTensor<T extends FileTensor>(file: ModelFile, name: string, Kind: new (n: number) => T): T {
  const t = file.tensors.get(name);
  if (!(t instanceof Kind)) throw new RangeError(`model file lacks tensor '${name}' (or it has the wrong dtype)`);
  return t as T;
}
