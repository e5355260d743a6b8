/**
 * A typed GPU array: one storage buffer holding `length` f32 or u32 elements. Buffers are padded to
 * a multiple of 16 bytes so kernels may read any tensor through a vec4 view without going out of
 * bounds. Tensors made by a context own their buffer and free it on destroy(); wrapped host buffers
 * stay the host's.
 */

/** Element type of a GpuTensor: 32-bit float or 32-bit unsigned integer. */
export type DType = 'f32' | 'u32';
/** The host typed array for a dtype: Float32Array for 'f32', Uint32Array for 'u32'. */
export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : Uint32Array;

/** Every element type a tensor can hold. */
export const DTYPES: readonly DType[] = ['f32', 'u32'];

/** The host typed-array kind holding a dtype's elements, byte for byte. */
export function hostArrayKind<D extends DType>(dtype: D): { readonly name: string; readonly prototype: TypedArrayOf<D> } {
  return (dtype === 'f32' ? Float32Array : Uint32Array) as unknown as { readonly name: string; readonly prototype: TypedArrayOf<D> };
}

/** Bytes per element of every dtype (both are 32-bit). */
export const BYTES_PER_ELEMENT = 4;

/** Bytes allocated for `length` elements: padded to 16 for vec4 access, never 0 (bindings need a size). */
export function paddedByteLength(length: number): number {
  return Math.max(16, Math.ceil((length * BYTES_PER_ELEMENT) / 16) * 16);
}

/**
 * A typed array on the GPU: one storage buffer of `length` elements of `dtype`, padded to a
 * multiple of 16 bytes (never empty) so kernels may read it through vec4 views. Made by a Context
 * (`ctx.zeros`, `ctx.upload`), which owns the buffer and frees it on destroy(); `ctx.read(t)` copies
 * it back. A tensor wrapping a host framework's buffer leaves that buffer to its owner. Any use after
 * destroy() throws.
 *
 * @example
 * ```ts
 * const x = ctx.upload('f32', new Float32Array([1, 2, 3]));
 * const back = await ctx.read(x); // Float32Array [1, 2, 3]
 * x.destroy();
 * ```
 */
export class GpuTensor<D extends DType = DType> {
  private destroyed = false;

  constructor(
    readonly buffer: GPUBuffer,
    readonly dtype: D,
    readonly length: number,
    private readonly owned: boolean,
    /**
     * Runs before the buffer is freed: the context submits work already encoded against it and
     * counts the buffer as released.
     */
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
