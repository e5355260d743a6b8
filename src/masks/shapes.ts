/** Checks on the MLP layer shapes the generators take, and the MlpConfig that the GPU paths rebuild from them. */
import type { LayerShape } from '../eoi/layer-densities.js';
import type { Activation } from '../kernels/activation.js';
import type { MlpConfig } from '../nn/mlp.js';
import { checkPositiveInt } from '../validate.js';
import type { MlpShape } from './types.js';

/** A non-empty chain of [out, in] shapes, each layer taking what the previous one gives. */
export function checkMlpShapes(shapes: unknown): readonly MlpShape[] {
  if (!Array.isArray(shapes) || shapes.length === 0) throw new TypeError('shapes must be a non-empty array of [out, in] layer shapes (mlpShapes)');
  shapes.forEach((s: unknown, l) => {
    if (!Array.isArray(s) || s.length !== 2) throw new TypeError(`shapes[${l}] must be an [out, in] pair of positive integers, got ${String(s)}`);
    checkPositiveInt(`shapes[${l}][0]`, s[0]);
    checkPositiveInt(`shapes[${l}][1]`, s[1]);
    if (l > 0 && s[1] !== shapes[l - 1][0]) {
      throw new RangeError(`shapes[${l}][1] must equal shapes[${l - 1}][0] = ${shapes[l - 1][0]} (each layer takes the previous one's outputs), got ${s[1]}`);
    }
  });
  return shapes as MlpShape[];
}

/** Weights per layer: the product of its dims ([out, in] or [cOut, cIn, kh, kw]). */
export function layerSizes(dims: readonly LayerShape[]): number[] {
  return dims.map((d) => d.reduce((a, b) => a * b, 1));
}

/**
 * The MlpConfig whose mlpShapes are these shapes, for assembleMlp. The init is a sparse one so
 * every layer is a SparseLinear holding exactly the given pattern (a dense layer is density 1);
 * the fields assembleMlp does not read (density, gains, seed) are neutral.
 */
export function mlpConfigFor(shapes: readonly MlpShape[], activation: Activation): MlpConfig {
  checkMlpShapes(shapes);
  const [first] = shapes;
  const width = first![0];
  shapes.slice(0, -1).forEach(([rows], l) => {
    if (rows !== width) throw new RangeError(`shapes[${l}][0] must equal the MLP width ${width} (every hidden layer is width x width), got ${rows}`);
  });
  if (shapes.length < 2) throw new RangeError(`shapes must describe an MLP of depth in [2, ${Number.MAX_SAFE_INTEGER}], got ${shapes.length} layer`);
  return {
    inputs: first![1],
    width,
    depth: shapes.length,
    classes: shapes[shapes.length - 1]![0],
    density: 1,
    init: 'uniform',
    activation,
    sigmaW: 1,
    sigmaB: 0,
    seed: 0,
  };
}
