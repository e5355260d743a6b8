import { expect, it } from 'vitest';
import { singularValues } from '../../src/linalg.js';
import { checkJacobianProtocol, JACOBIAN_PROTOCOLS } from '../../src/nn/jacobian.js';
import { randomMasks } from '../../src/masks/random.js';
import { referenceJacobians } from '../../src/masks/reference-mlp.js';
import { mlpShapes } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import { describeGpu } from '../harness/gpu.js';
import { cnnFrame, TINY_CNN, TINY_CNN_FEATURES } from './fixtures.js';

// The EOI paper's Jacobian protocol on the GPU (d logits / d input per example, singular values
// pooled) against the float64 reference, on an MLP with odd sizes and a tiny CNN.
const rng = new Rng(11);
const gaussian = (n: number) => Float32Array.from({ length: n }, () => rng.nextNormal());
const shapes = mlpShapes({ inputs: 7, width: 5, depth: 3, classes: 3 });
const mlp = { weights: randomMasks(shapes, { density: 0.6, seed: 2, gain: 1.3 }).weights, biases: shapes.map(([rows]) => gaussian(rows).map((b) => 0.1 * b)) };
const cnn = cnnFrame(TINY_CNN, 'tanh');
const filters = randomMasks(TINY_CNN, { density: 0.5, seed: 3 }).weights;

/** float32 through a few layers vs float64: 1e-4 of the largest entry plus 1e-3 relative. */
function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const scale = Math.max(...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!), `${what} [${i}]: GPU ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(1e-4 * scale + 1e-3 * Math.abs(expected[i]!));
}

describeGpu('masks', (run) => {
  // 171 examples of 3 logits need two passes of at most 512 rows: the grouping is exercised.
  for (const [activation, count] of [['tanh', 3], ['relu', 1], ['hardTanh', 171]] as const) {
    it(`MLP ${activation}, ${count} example(s): every Jacobian and the pooled singular values equal the float64 reference`, async () => {
      const inputs = gaussian(count * 7);
      const got = await run('jacobians', { ...mlp, activation, inputs, count });
      const expected = referenceJacobians({ weights: mlp.weights, biases: mlp.biases, activation }, inputs, count);
      expect(got.jacobians).toHaveLength(count);
      expected.forEach((j, e) => expectNear(got.jacobians[e], j, `example ${e}`));
      const pooled = expected.flatMap((j) => singularValues(j, 3, 7)).sort((a, b) => a - b);
      expect(got.values).toHaveLength(3 * count);
      expectNear(got.values, pooled, 'singular value');
      expect(got.stats.mean).toBeCloseTo(pooled.reduce((s, v) => s + v, 0) / pooled.length, 4);
    });
  }

  it('CNN (stem, two convolutions, pooling, classifier), 2 examples: the Jacobians equal the float64 reference', async () => {
    const inputs = gaussian(2 * TINY_CNN_FEATURES);
    const got = await run('jacobians', { weights: filters, biases: cnn.biases as Float32Array[], activation: 'tanh', cnn: cnn.cnn, inputs, count: 2 });
    const expected = referenceJacobians({ ...cnn, weights: filters }, inputs, 2);
    expected.forEach((j, e) => expectNear(got.jacobians[e], j, `example ${e}`));
  });
});

it("a Jacobian protocol is one of the named ones, the EOI paper's by default", () => {
  expect(checkJacobianProtocol(undefined)).toBe('logits-train-batch');
  expect(checkJacobianProtocol('hidden-test-example')).toBe('hidden-test-example');
  expect(() => checkJacobianProtocol('logits')).toThrow(new RangeError(`jacobianProtocol must be one of ${JACOBIAN_PROTOCOLS.join(', ')}, got logits`));
});
