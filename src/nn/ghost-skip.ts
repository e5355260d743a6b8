/**
 * A ghost skip connection (reference/any-mask.md, recipe part 2): y = inner(x) + alpha·x around a
 * square layer, with alpha faded from 1 to 0 by a schedule during early training, after which the
 * wrapper is removed and the original architecture is what remains. The skip adds no parameters.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { axpyInto } from '../kernels/axpy.js';
import type { Layer, Parameter } from './layer.js';
import { Workspace } from './workspace.js';

export class GhostSkip implements Layer {
  readonly kind = 'ghost-skip';
  /** The skip's scale; 0 turns the skip off exactly (the wrapper then passes inner through). */
  alpha = 1;
  private readonly ws: Workspace;

  constructor(
    private readonly ctx: Context,
    readonly inner: Layer,
  ) {
    if (inner.inFeatures !== inner.outFeatures) {
      throw new RangeError(`a ghost skip needs a square layer (identity path); got ${inner.outFeatures} x ${inner.inFeatures}`);
    }
    this.ws = new Workspace(ctx, 'ghostSkip');
  }

  get inFeatures(): number {
    return this.inner.inFeatures;
  }

  get outFeatures(): number {
    return this.inner.outFeatures;
  }

  async forward(x: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const h = await this.inner.forward(x, batch);
    if (this.alpha === 0) return h;
    const y = this.ws.get('y', h.length);
    await axpyInto(this.ctx, this.alpha, x, h, y);
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const dx = await this.inner.backward(dy, batch);
    if (this.alpha === 0) return dx;
    const total = this.ws.get('dx', dx.length);
    await axpyInto(this.ctx, this.alpha, dy, dx, total);
    return total;
  }

  parameters(): Parameter[] {
    return this.inner.parameters();
  }

  /** Removes the ghost: frees the wrapper's buffers and returns the layer it wrapped, unchanged. */
  unwrap(): Layer {
    this.ws.destroy();
    return this.inner;
  }

  destroy(): void {
    this.ws.destroy();
    this.inner.destroy();
  }
}
