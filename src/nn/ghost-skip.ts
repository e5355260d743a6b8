/**
 * A skip connection around one layer: y = inner(x) + alpha·S(x), with S the identity around a
 * square layer and a projection (a dense Linear, or a 1x1 Conv2d for a convolution: conv-skip.ts)
 * otherwise; the projection's bias stays at zero, the inner layer has one. The recipe uses it in
 * two ways (src/recipe/recipe.ts): as a ghost (alpha fading 1 -> 0 in early training, then the
 * wrapper removed, the projection trained while it lives but never part of the model), and as the
 * any-mask code's kept 1x1 convolution beside a sparse conv (alpha 1 for the whole run, the
 * projection trained with the model and folded into the conv at the end). Either way the
 * projection's weight is ghostParameters(), apart from the wrapped layer's parameters().
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { axpyInto } from '../kernels/axpy.js';
import type { Conv2d } from './conv2d.js';
import { backwardParametersOf, type Layer, type Parameter } from './layer.js';
import type { Linear } from './linear.js';
import { Workspace } from './workspace.js';

export class GhostSkip implements Layer {
  readonly kind = 'ghost-skip';
  /** The skip's scale; 0 turns the skip off exactly (the wrapper then passes inner through). */
  alpha = 1;
  private readonly ws: Workspace;

  constructor(
    private readonly ctx: Context,
    readonly inner: Layer,
    /** in -> out; required exactly when inner is not square */
    readonly projection?: Linear | Conv2d,
  ) {
    const square = inner.inFeatures === inner.outFeatures;
    if (!projection && !square) {
      throw new RangeError(`a ghost skip around a ${inner.outFeatures} x ${inner.inFeatures} layer needs a projection (the identity path needs a square layer)`);
    }
    if (projection && (projection.inFeatures !== inner.inFeatures || projection.outFeatures !== inner.outFeatures)) {
      throw new RangeError(`projection must be ${inner.outFeatures} x ${inner.inFeatures} like the layer it skips, got ${projection.outFeatures} x ${projection.inFeatures}`);
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
    const skip = this.projection ? await this.projection.forward(x, batch) : x;
    const y = this.ws.get('y', h.length);
    await axpyInto(this.ctx, this.alpha, skip, h, y);
    return y;
  }

  async backward(dy: GpuTensor<'f32'>, batch: number): Promise<GpuTensor<'f32'>> {
    const dx = await this.inner.backward(dy, batch);
    if (this.alpha === 0) return dx;
    const total = this.ws.get('dx', dx.length);
    if (!this.projection) {
      await axpyInto(this.ctx, this.alpha, dy, dx, total);
      return total;
    }
    await axpyInto(this.ctx, 1, await this.projection.backward(await this.projectionDy(dy), batch), dx, total);
    return total;
  }

  async backwardParameters(dy: GpuTensor<'f32'>, batch: number): Promise<void> {
    await backwardParametersOf(this.inner, dy, batch);
    if (this.alpha !== 0 && this.projection) await this.projection.backwardParameters(await this.projectionDy(dy), batch);
  }

  /** The projection sees alpha·dy, so its weight gradient is alpha·dyᵀx; 'zero' is never written. */
  private async projectionDy(dy: GpuTensor<'f32'>): Promise<GpuTensor<'f32'>> {
    if (this.alpha === 1) return dy;
    const scaledDy = this.ws.get('alphaDy', dy.length);
    await axpyInto(this.ctx, this.alpha, dy, this.ws.get('zero', dy.length), scaledDy);
    return scaledDy;
  }

  parameters(): Parameter[] {
    return this.inner.parameters();
  }

  /** The projection's weight (its bias stays at zero: the inner layer has one). */
  ghostParameters(): Parameter[] {
    return this.projection?.parameters().filter((p) => p.name === 'weight') ?? [];
  }

  /** Removes the skip: frees the wrapper and its projection and returns the layer it wrapped, unchanged. */
  unwrap(): Layer {
    this.ws.destroy();
    this.projection?.destroy();
    return this.inner;
  }

  destroy(): void {
    this.unwrap().destroy();
  }
}
