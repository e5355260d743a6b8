/**
 * The checks on GPU tensor operands that kernels make at the call, naming their arguments (the
 * context's dispatch repeats the binding rules for any kernel, by binding name). WebGPU refuses a
 * dispatch that binds one buffer both as a writable storage binding and as any other binding, but
 * reports it only at the next sync, far from the call; a tensor of the wrong element type would be
 * read bit for bit as the other.
 */
import { DestroyedError } from '../errors.js';
import { type DType, GpuTensor } from '../gpu/tensor.js';
import { checkLength } from '../validate.js';

/**
 * `t` is a live GpuTensor of `dtype` with exactly `length` elements (`why` names the formula):
 * a TypeError for anything else or the other dtype, a DestroyedError after destroy(), a RangeError
 * for the length.
 */
export function checkTensor(name: string, t: unknown, dtype: DType, length: number, why: string): void {
  checkTensorKind(name, t, dtype);
  checkLength(name, t, length, why);
}

/** `t` is a live GpuTensor of `dtype`, of any length (the errors of checkTensor). */
export function checkTensorKind<D extends DType>(name: string, t: unknown, dtype: D): asserts t is GpuTensor<D> {
  if (!(t instanceof GpuTensor)) throw new TypeError(`${name} must be a GpuTensor of ${dtype}, got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== dtype) throw new TypeError(`${name} must be a GpuTensor of ${dtype}, got one of ${t.dtype}`);
  if (t.isDestroyed) throw new DestroyedError(`${name} was destroyed`);
}

/** Throws a RangeError when a written tensor shares its buffer with another argument. */
export function checkNoAliasing(written: Record<string, GpuTensor>, others: Record<string, GpuTensor>): void {
  const all = Object.entries({ ...others, ...written });
  for (const [name, tensor] of Object.entries(written)) {
    const twin = all.find(([other, t]) => other !== name && t.buffer === tensor.buffer);
    if (twin) throw new RangeError(`${name} must be a different tensor from ${twin[0]}: a kernel cannot write a buffer it also reads`);
  }
}
