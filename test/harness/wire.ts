/**
 * The wire format between a GPU test case and vitest. Cases run in Node (Dawn) or in Chromium and
 * return plain data; typed arrays are tagged so both backends hand vitest the same values, and
 * errors keep their name and message so tests can assert on them either way.
 */

export type Tagged =
  | { $typed: 'f32' | 'u32' | 'i32' | 'u8'; data: number[] }
  | { $error: string; message: string }
  | Tagged[]
  | { [key: string]: Tagged }
  | number
  | string
  | boolean
  | null;

const typedKinds = [
  ['f32', Float32Array],
  ['u32', Uint32Array],
  ['i32', Int32Array],
  ['u8', Uint8Array],
] as const;

export function encode(value: unknown): Tagged {
  for (const [tag, Kind] of typedKinds) {
    if (value instanceof Kind) return { $typed: tag, data: Array.from(value) };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  if (value === undefined) return null;
  return value as Tagged;
}

export function decode(value: Tagged): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    if ('$typed' in value && Array.isArray(value.data)) {
      const Kind = typedKinds.find(([tag]) => tag === value.$typed)![1];
      return Kind.from(value.data as number[]);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v as Tagged)]));
  }
  return value;
}

export function encodeError(error: unknown): { $error: string; message: string } {
  const e = error as Error;
  return { $error: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

/** Rebuild an error thrown on either backend, keeping its name (RangeError, ShaderCompileError...). */
export function decodeError(tagged: { $error: string; message: string }, backend: string): Error {
  const error = tagged.$error === 'RangeError' ? new RangeError(tagged.message) : tagged.$error === 'TypeError' ? new TypeError(tagged.message) : new Error(tagged.message);
  error.name = tagged.$error;
  (error as Error & { backend: string }).backend = backend;
  return error;
}
