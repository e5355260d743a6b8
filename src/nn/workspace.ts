/**
 * Scratch tensors a layer reuses across steps: `get(name, length)` returns the same tensor while
 * the length stays the same (a training loop's batches) and reallocates when it changes.
 */
import type { Context } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';

export class Workspace {
  private readonly tensors = new Map<string, GpuTensor<'f32'>>();

  constructor(
    private readonly ctx: Context,
    private readonly label: string,
  ) {}

  get(name: string, length: number): GpuTensor<'f32'> {
    let tensor = this.tensors.get(name);
    if (!tensor || tensor.length !== length) {
      tensor?.destroy();
      tensor = this.ctx.zeros('f32', length, `${this.label}.${name}`);
      this.tensors.set(name, tensor);
    }
    return tensor;
  }

  destroy(): void {
    for (const tensor of this.tensors.values()) tensor.destroy();
    this.tensors.clear();
  }
}
