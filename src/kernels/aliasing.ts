/**
 * WebGPU refuses a dispatch that binds one buffer both as a writable storage binding and as any
 * other binding, but reports it only at the next sync, far from the call. Kernels that write an
 * output check it up front instead, naming the arguments.
 */
import type { GpuTensor } from '../gpu/tensor.js';

/** Throws a RangeError when a written tensor shares its buffer with another argument. */
export function checkNoAliasing(written: Record<string, GpuTensor>, others: Record<string, GpuTensor>): void {
  const all = Object.entries({ ...others, ...written });
  for (const [name, tensor] of Object.entries(written)) {
    const twin = all.find(([other, t]) => other !== name && t.buffer === tensor.buffer);
    if (twin) throw new RangeError(`${name} must be a different tensor from ${twin[0]}: a kernel cannot write a buffer it also reads`);
  }
}
