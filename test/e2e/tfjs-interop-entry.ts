/** The test page's side of tfjs-interop.test.ts: runs the documented example, returns plain JSON. */
import { sparseLayerOnTfjs } from '../../examples/tfjs-interop.js';

(globalThis as Record<string, unknown>).runTfjsInterop = async () => {
  const { batch, x, weight, gpu, reference } = await sparseLayerOnTfjs();
  const list = (a: ArrayLike<number>) => Array.from(a);
  return {
    batch,
    x: list(x),
    weight: { rows: weight.rows, cols: weight.cols, rowPtr: list(weight.rowPtr), colIdx: list(weight.colIdx), values: list(weight.values) },
    gpu: list(gpu),
    reference: list(reference),
  };
};
