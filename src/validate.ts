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
