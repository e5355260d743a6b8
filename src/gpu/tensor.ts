/**
 * A typed GPU array: one storage buffer holding `length` f32 or u32 elements. Buffers are padded to
 * a multiple of 16 bytes so kernels may read any tensor through a vec4 view without going out of
 * bounds. Tensors made by a context own their buffer and free it on destroy(); wrapped host buffers
 * stay the host's.
 */
export type DType = 'f32' | 'u32';
export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : Uint32Array;

export const BYTES_PER_ELEMENT = 4;

/** Bytes allocated for `length` elements: padded to 16 for vec4 access, never 0 (bindings need a size). */
export function paddedByteLength(length: number): number {
  return Math.max(16, Math.ceil((length * BYTES_PER_ELEMENT) / 16) * 16);
}

export class GpuTensor<D extends DType = DType> {
  private destroyed = false;

  constructor(
    readonly buffer: GPUBuffer,
    readonly dtype: D,
    readonly length: number,
    private readonly owned: boolean,
    /** Runs before the buffer is freed: the context submits work already encoded against it. */
    private readonly beforeDestroy?: () => void,
  ) {}

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Frees the buffer now (if this tensor owns it) rather than waiting for garbage collection. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.owned) return;
    this.beforeDestroy?.();
    this.buffer.destroy();
  }
}
