/**
 * Argument checks shared by every public entry point. Each throws a TypeError (wrong kind of value)
 * or RangeError (value outside the allowed range) whose message names the argument and the range.
 */

export function checkPositiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer in [1, ${max}], got ${String(value)}`);
  }
  if (value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

export function checkNonNegativeInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer in [0, ${max}], got ${String(value)}`);
  }
  if (value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in [0, ${max}], got ${value}`);
  }
  return value;
}

/** A finite number in [min, max] (or (min, max] when `minExclusive`). */
export function checkNumberInRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  minExclusive = false,
): number {
  const range = `${minExclusive ? '(' : '['}${min}, ${max}]`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number in ${range}, got ${String(value)}`);
  if (Number.isNaN(value) || value > max || (minExclusive ? value <= min : value < min)) {
    throw new RangeError(`${name} must be a number in ${range}, got ${value}`);
  }
  return value;
}

/** A typed array of exactly `length` elements. */
export function checkLength(name: string, array: { length: number }, length: number, why: string): void {
  if (array.length !== length) {
    throw new RangeError(`${name} must have length ${length} (${why}), got ${array.length}`);
  }
}

export function checkSeed(value: unknown): number {
  if (value === undefined) return 0;
  return checkNonNegativeInt('seed', value);
}

/**
 * A density in [min, 1], where `min` > 0 is the lowest density the caller can reach and `minWhy`
 * says where it comes from (e.g. "1/max(rows, cols)"). NaN, non-numbers and values outside the
 * range are rejected with the full range in the message; nothing is clamped.
 */
export function checkDensity(name: string, value: unknown, min: number, minWhy: string): number {
  const range = `[${min} (= ${minWhy}), 1]`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number in ${range}, got ${String(value)}`);
  if (Number.isNaN(value) || value < min || value > 1) {
    throw new RangeError(`${name} must be a number in ${range}, got ${value}`);
  }
  return value;
}

/** Names a value's kind in error messages: 'Float64Array', 'an Array', 'undefined'. */
function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (ArrayBuffer.isView(value)) return (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
  return typeof value;
}

/** A non-null object (a record of fields that are checked one by one afterwards). */
export function checkObject(name: string, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new TypeError(`${name} must be ${what} object, got ${describeKind(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * A typed array of exactly the given kind, not backed by a SharedArrayBuffer (another thread could
 * change it while it is read or copied, and WebGPU refuses to copy from one). Compared by tag, not
 * instanceof, so arrays made in another realm (a worker, an iframe) pass.
 */
export function checkTypedArray<T extends ArrayBufferView>(
  name: string,
  value: unknown,
  kind: { readonly name: string; readonly prototype: T },
): T {
  if (!ArrayBuffer.isView(value) || describeKind(value) !== kind.name) {
    throw new TypeError(`${name} must be a ${kind.name}, got ${describeKind(value)}`);
  }
  if (typeof SharedArrayBuffer !== 'undefined' && value.buffer instanceof SharedArrayBuffer) {
    throw new TypeError(`${name} must not be backed by a SharedArrayBuffer (copy it into an ordinary ${kind.name})`);
  }
  return value as T;
}

/** A plain array or a non-BigInt typed array: anything whose elements read as numbers. */
export function checkNumberArray(name: string, value: unknown): ArrayLike<number> {
  const kind = describeKind(value);
  const isNumberTypedArray = ArrayBuffer.isView(value) && kind !== 'DataView' && !kind.startsWith('Big');
  if (!Array.isArray(value) && !isNumberTypedArray) {
    throw new TypeError(`${name} must be a Float32Array, Float64Array or number[], got ${kind}`);
  }
  return value as ArrayLike<number>;
}

/** Every element finite (no NaN, no ±Infinity). */
export function checkFiniteElements(name: string, array: ArrayLike<number>): void {
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i])) throw new RangeError(`${name}[${i}] = ${array[i]} must be finite`);
  }
}

/** One of a short list of allowed numbers. */
export function checkOneOf<T extends number>(name: string, value: unknown, allowed: readonly T[]): T {
  const list = allowed.join(', ');
  if (typeof value !== 'number') throw new TypeError(`${name} must be one of ${list}, got ${String(value)}`);
  if (!allowed.includes(value as T)) throw new RangeError(`${name} must be one of ${list}, got ${value}`);
  return value as T;
}

/** A number in [min, max): a factor that must stay below its bound (a momentum, a smoothing α). */
export function checkNumberBelow(name: string, value: unknown, min: number, max: number): number {
  const range = `[${min}, ${max})`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number in ${range}, got ${String(value)}`);
  if (Number.isNaN(value) || value < min || value >= max) throw new RangeError(`${name} must be a number in ${range}, got ${value}`);
  return value;
}

/** A finite number >= 0 (a learning rate, a weight decay). */
export function checkNonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}

/** Class labels: every element an integer in [0, classes). */
export function checkLabels(name: string, labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`${name}[${i}] = ${label} must be an integer in [0, ${classes - 1}] (classes = ${classes})`);
    }
  }
}

/** A boolean option: true or false only (1, 'false' and the like are refused, not coerced); undefined gives `fallback`. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be true or false, got ${describeKind(value)} ${String(value)}`);
  return value;
}

/**
 * A host array about to be copied to the GPU: exactly the typed-array kind of its element type
 * (the copy is bytewise, so a Float64Array would be read as pairs of floats), as checkTypedArray
 * checks it, and, when `length` is given, exactly that long.
 */
export function checkHostArray<T extends ArrayBufferView>(
  name: string,
  value: unknown,
  kind: { readonly name: string; readonly prototype: T },
  length?: { length: number; why: string },
): T {
  const array = checkTypedArray(name, value, kind);
  if (length) checkLength(name, array as unknown as { length: number }, length.length, length.why);
  return array;
}

/** checkHostArray for float32 values that must also all be finite (weights, biases, inputs). */
export function checkFiniteFloat32(name: string, value: unknown, length?: { length: number; why: string }): Float32Array {
  const array = checkHostArray(name, value, Float32Array, length);
  checkFiniteElements(name, array);
  return array;
}

/** Largest finite float32, and the smallest positive normal one. */
export const FLOAT32_MAX = 3.4028234663852886e38;
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * A multiplier applied to values stored as float32 (a gain, sigma_w): its magnitude in
 * [FLOAT32_MIN_NORMAL, FLOAT32_MAX], so scaled values stay finite and are not flushed to zero.
 * With `allowNegative` the sign is free.
 */
export function checkFloat32Scale(name: string, value: unknown, allowNegative: boolean): number {
  const positive = `[${FLOAT32_MIN_NORMAL}, ${FLOAT32_MAX}]`;
  const range = `${allowNegative ? `[-${FLOAT32_MAX}, -${FLOAT32_MIN_NORMAL}] or ` : ''}${positive} (the float32 range)`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number in ${range}, got ${String(value)}`);
  const magnitude = allowNegative ? Math.abs(value) : value;
  if (!(magnitude >= FLOAT32_MIN_NORMAL && magnitude <= FLOAT32_MAX)) {
    throw new RangeError(`${name} must be a number in ${range}, got ${value}`);
  }
  return value;
}

/** A count of elements (or bytes) a computation would allocate, at most `max`; refused before anything is allocated. */
export function checkSizeLimit(what: string, size: number, max: number, unit: string): void {
  if (!(size <= max)) throw new RangeError(`${what} needs ${size} ${unit}, above the limit of ${max} ${unit}`);
}

/** A number of classes: an integer >= 2 (softmax over one class is constant). */
export function checkClassCount(name: string, value: unknown): number {
  const range = `[2, ${Number.MAX_SAFE_INTEGER}]`;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${name} must be an integer in ${range}, got ${String(value)}`);
  if (value < 2 || value > Number.MAX_SAFE_INTEGER) throw new RangeError(`${name} must be an integer in ${range}, got ${value}`);
  return value;
}
