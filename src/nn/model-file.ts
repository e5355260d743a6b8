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
 * 'cnn', see cnn.ts); tensors hold masks (CSR rowPtr/colIdx), values and biases. Loading treats
 * the file as untrusted: the header is bounded, and every tensor entry must be well formed, inside
 * the data section and disjoint from the others before anything is copied.
 */
import { BufferTooLargeError } from '../errors.js';
import type { Context } from '../gpu/context.js';
import type { Layer } from './layer.js';
import type { Sequential } from './sequential.js';

const MAGIC = 0x4d50534f; // "OSPM" read as a little-endian u32
/** Version 2 added convolutional models (config.kind 'cnn'); the byte layout is version 1's. */
const VERSION = 2;
const READABLE_VERSIONS = [1, 2];

/** A tensor stored in a model file: float32 values or uint32 indices. */
export type FileTensor = Float32Array | Uint32Array;

/** A model file's content: the model config as JSON and named tensors. */
export interface ModelFile {
  config: unknown;
  tensors: Map<string, FileTensor>;
}

/**
 * The .osm bytes of a model file: magic, a JSON header (config and tensor directory), then the
 * tensors' little-endian data, 16-byte aligned.
 * @throws RangeError when a tensor name repeats or the header is too large
 */
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

/** Largest header accepted: far above any config and tensor list this library writes. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** Whether this machine stores numbers little-endian (the file's byte order), so tensors copy bytewise. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

interface TensorEntry {
  name: string;
  dtype: 'f32' | 'u32';
  /** bytes from the start of the data section */
  offset: number;
  length: number;
}

/**
 * Reads a model file as untrusted input: the preamble, a header of at most MAX_HEADER_BYTES, and a
 * tensor list whose entries are well formed, uniquely named, inside the data section and pairwise
 * disjoint, all checked before any tensor is copied, so the copies never total more than the file.
 * Throws a TypeError or RangeError naming what is wrong.
 */
export function decodeModelFile(bytes: Uint8Array): ModelFile {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('model file must be a Uint8Array');
  if (bytes.length < 12) throw new RangeError(`model file is ${bytes.length} bytes, shorter than its 12-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not an orthosparse model file (magic "OSPM" missing)');
  const version = view.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) throw new RangeError(`model file version ${version} is not supported (this library reads versions ${READABLE_VERSIONS.join(' and ')})`);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) throw new RangeError(`model file header length must be at most ${MAX_HEADER_BYTES} bytes, got ${headerLength}`);
  if (12 + headerLength > bytes.length) throw new RangeError(`model file header (${headerLength} bytes) runs past the end of the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (cause) {
    throw new RangeError('model file header is not valid UTF-8 JSON', { cause });
  }
  if (typeof header !== 'object' || header === null || !Array.isArray((header as { tensors?: unknown }).tensors)) {
    throw new RangeError('model file header lacks its tensor list');
  }
  const { config, tensors: list } = header as { config: unknown; tensors: unknown[] };
  const dataStart = align4(12 + headerLength);
  const dataBytes = Math.max(0, bytes.length - dataStart);
  const entries = list.map((t, i) => checkEntry(t, i, dataBytes));
  checkDisjoint(entries);
  const names = new Set<string>();
  for (const { name } of entries) {
    if (names.has(name)) throw new RangeError(`model file lists tensor '${name}' twice`);
    names.add(name);
  }
  const tensors = new Map<string, FileTensor>();
  for (const t of entries) {
    const out = t.dtype === 'f32' ? new Float32Array(t.length) : new Uint32Array(t.length);
    const start = dataStart + t.offset;
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(start, start + 4 * t.length));
    else for (let k = 0; k < t.length; k++) out[k] = t.dtype === 'f32' ? view.getFloat32(start + 4 * k, true) : view.getUint32(start + 4 * k, true);
    tensors.set(t.name, out);
  }
  return { config, tensors };
}

/** One tensor entry: a name, dtype f32 or u32, a 4-aligned offset and a length that stay inside the data section. */
function checkEntry(t: unknown, i: number, dataBytes: number): TensorEntry {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new TypeError(`model file tensors[${i}] must be a { name, dtype, offset, length } object, got ${t === null ? 'null' : typeof t}`);
  const { name, dtype, offset, length } = t as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`model file tensors[${i}].name must be a non-empty string, got ${String(name)}`);
  if (dtype !== 'f32' && dtype !== 'u32') throw new RangeError(`tensor '${name}': dtype must be f32 or u32, got ${String(dtype)}`);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (offset as number) < 0 || (length as number) < 0 || (offset as number) % 4) {
    throw new RangeError(`tensor '${name}': offset and length must be non-negative integers (offset a multiple of 4)`);
  }
  if ((offset as number) + 4 * (length as number) > dataBytes) {
    throw new RangeError(`tensor '${name}' (bytes ${offset as number}..${(offset as number) + 4 * (length as number)} of the data section) runs past the end of the file's ${dataBytes} data bytes (truncated?)`);
  }
  return { name, dtype, offset: offset as number, length: length as number };
}

/** No two tensors share a byte: otherwise a small file could name the same bytes many times over. */
function checkDisjoint(entries: readonly TensorEntry[]): void {
  const sorted = entries.filter((t) => t.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    if (next.offset < prev.offset + 4 * prev.length) {
      throw new RangeError(`tensors '${prev.name}' and '${next.name}' overlap in the data section (each tensor must have bytes of its own)`);
    }
  }
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * Each model's loader first checks that the file lists at least `perLayer` tensors per layer its
 * config declares, so a huge layer count in a small file is refused before any per-layer list is built.
 */
export function checkLayerCount(file: ModelFile, layers: number, perLayer: number, what: string): void {
  if (layers * perLayer > file.tensors.size) {
    throw new RangeError(`model file declares ${layers} ${what} but lists only ${file.tensors.size} tensors (${perLayer} per ${what.replace(/s$/, '')} needed)`);
  }
}

/**
 * The layers of `model` a file stores (those `stored` accepts), in order, checked before anything
 * is read back: every other layer must hold no parameters (activations, pooling), and `count` must
 * be stored. A RangeError names the first layer that breaks this (a recipe's skip around a layer,
 * whose projection the format has no place for, would otherwise be left out of the file silently).
 */
export function storedLayers<T extends Layer>(what: string, model: Sequential, stored: (layer: Layer) => layer is T, count: number, units: string): T[] {
  const layers: T[] = [];
  for (const [i, layer] of model.layers.entries()) {
    if (stored(layer)) {
      layers.push(layer);
    } else if (layer.parameters().length > 0) {
      const hint = layer.kind === 'ghost-skip' ? ": a recipe's skip, gone after its finish() (the released skips beside linear layers stay, and such a model cannot be saved)" : '';
      throw new RangeError(`${what}: layer ${i} is a '${layer.kind}' with parameters the model file has no place for${hint}`);
    }
  }
  if (layers.length !== count) throw new RangeError(`${what}: the model has ${layers.length} ${units}, its config describes ${count}`);
  return layers;
}

/** A tensor the file must hold, of the given dtype; a RangeError names it otherwise. */
export function requireTensor<T extends FileTensor>(file: ModelFile, name: string, Kind: new (n: number) => T): T {
  const t = file.tensors.get(name);
  if (!(t instanceof Kind)) throw new RangeError(`model file lacks tensor '${name}' (or it has the wrong dtype)`);
  return t as T;
}

/**
 * A block-sparse layer's blocks, `bytes` at most (a bound from the file's own entry counts: each
 * stored entry opens at most one block, and no more blocks than the padded grid holds), must fit
 * one storage buffer; the layer `what` is refused before its blocks are built on the host.
 */
export function checkBlockStorage(ctx: Context, what: string, bytes: number): void {
  const limit = ctx.limits.maxStorageBufferBindingSize;
  if (bytes > limit) throw new BufferTooLargeError(`${what}'s BSR blocks (at most)`, bytes, 'maxStorageBufferBindingSize', limit);
}
