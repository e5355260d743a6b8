import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type ActivationSpec, resolveActivation } from '../src/kernels/activation.js';
import { Rng } from '../src/random.js';
import { activationGradRef, activationRef } from '../src/train/activation-reference.js';
import { describeGpu } from './harness/gpu.js';
import { ACTIVATION_ULPS as ULPS, worstUlps } from './harness/tolerance.js';

/**
 * Every activation once, non-default parameters where there are some, and the ghost-soft-neuron
 * blend at an interior point and at its relu end. Parameters and blend are uniforms, so only the
 * 11 kernel ids x 2 entry points are compiled.
 */
const SPECS: ActivationSpec[] = [
  ...ACTIVATIONS.map((name) => ({ name })),
  { name: 'leakyRelu', negativeSlope: 0.2 },
  { name: 'elu', alpha: 0.7 },
  { name: 'pswish', beta: 1.5 },
  { name: 'swish', blend: 0.3 },
  { name: 'mish', blend: 1 },
];

const label = (a: ActivationSpec) => Object.entries(a).map(([k, v]) => (k === 'name' ? v : `${k}=${v}`)).join(' ');

/**
 * Inputs that probe each formula's weak spots: kinks (0, ±1), tiny |x| (tanh's linear branch,
 * e^x - 1 cancellation), the clamps (GELU at 12, mish at 20) and magnitudes where a naive formula
 * overflows (e^x, x³, beta·x, z·n in mish), then uniform values in [-6, 6].
 */
const SPECIAL = [-0.5, 0, 1, -1, 1e-6, -1e-6, 2e-4, -3e-4, 0.5, 11.9, -12.1, 20, -20, 50, -50, 100, -100, 1e4, -1e4, 1e38, -1e38];

function inputs(n: number, seed: number): { x: Float32Array; dy: Float32Array } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n }, (_, i) => (i < SPECIAL.length ? SPECIAL[i]! : (rng.nextFloat() * 2 - 1) * 6));
  const dy = Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
  return { x, dy };
}

describe('activation references (float64)', () => {
  // Away from the kinks of relu, leaky relu, hard-tanh, ELU and SELU (0 and ±1).
  const POINTS = [-5.3, -2.1, -0.9, -0.37, -0.05, 0.04, 0.3, 0.8, 1.7, 4.2, 9.5];

  for (const spec of SPECS) {
    it(`${label(spec)}: the derivative matches central finite differences`, () => {
      const h = 1e-6;
      const dy = POINTS.map(() => 1);
      const slopes = activationGradRef(spec, POINTS, dy);
      const plus = activationRef(spec, POINTS.map((x) => x + h));
      const minus = activationRef(spec, POINTS.map((x) => x - h));
      POINTS.forEach((_, i) => {
        // Truncation ~h²·f''' and rounding ~1e-16·|f|/h, both far below 1e-7.
        expect(Math.abs((plus[i]! - minus[i]!) / (2 * h) - slopes[i]!)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(slopes[i]!)));
      });
    });
  }

  it('keeps the documented conventions at kinks and the named special cases', () => {
    const at = (spec: ActivationSpec | ActivationSpec['name'], x: number) => activationGradRef(spec, [x], [1])[0];
    expect([at('relu', 0), at({ name: 'leakyRelu', negativeSlope: 0.1 }, 0), at('hardTanh', 1), at('hardTanh', -1), at({ name: 'elu', alpha: 0.5 }, 0)]).toEqual([
      0, 0.1, 0, 0, 0.5,
    ]);
    // swish is x·sigmoid(x); pswish defaults to x·sigmoid(2x); GELU is the tanh approximation.
    expect(activationRef('swish', [1.5])[0]).toBeCloseTo(1.5 / (1 + Math.exp(-1.5)), 14);
    expect(activationRef('pswish', [1.5])[0]).toBeCloseTo(1.5 / (1 + Math.exp(-3)), 14);
    const u = Math.sqrt(2 / Math.PI) * (0.7 + 0.044715 * 0.7 ** 3);
    expect(activationRef('gelu', [0.7])[0]).toBeCloseTo(0.5 * 0.7 * (1 + Math.tanh(u)), 14);
    // blend 1 is relu whatever the soft activation.
    expect(Array.from(activationRef({ name: 'mish', blend: 1 }, [-2, 3]))).toEqual([0, 3]);
  });
});

describe('resolveActivation', () => {
  it('fills in defaults: leaky slope 0.01, elu alpha 1, swish beta 1, pswish beta 2, blend 0', () => {
    expect(resolveActivation('leakyRelu')).toMatchObject({ negativeSlope: 0.01, blend: 0 });
    expect(resolveActivation('elu').alpha).toBe(1);
    expect(resolveActivation('swish').beta).toBe(1);
    expect(resolveActivation('pswish').beta).toBe(2);
  });

  it('refuses unknown names, parameters of another activation and values out of range, naming them', () => {
    expect(() => resolveActivation('sigmoid' as never)).toThrow(/activation: name must be one of relu, leakyRelu, .*got sigmoid/);
    expect(() => resolveActivation({ name: 'relu', negativeSlope: 0.1 })).toThrow(/activation.negativeSlope applies to leakyRelu only, not relu/);
    expect(() => resolveActivation({ name: 'swish', beta: 3 })).toThrow(/beta applies to pswish only/);
    expect(() => resolveActivation({ name: 'tanh', blend: 1.5 })).toThrow(/activation.blend must be a number in \[0, 1\], got 1.5/);
    expect(() => resolveActivation({ name: 'elu', alpha: 0 })).toThrow(/activation.alpha must be a number in \(0, 10\]/);
    expect(() => resolveActivation({ name: 'leakyRelu', negativeSlope: Number.NaN })).toThrow(RangeError);
    expect(() => resolveActivation({ name: 'gelu', approximate: 'none' } as never)).toThrow(/unknown parameter 'approximate'/);
    expect(() => resolveActivation(null as never)).toThrow(TypeError);
  });
});

describeGpu('trainingOps', (run) => {
  for (const [n, maxGroupsX] of [
    [1, undefined],
    [5, undefined],
    [4096, undefined],
    [4099, 3],
  ] as const) {
    it(`n = ${n}${maxGroupsX ? ', grid folded' : ''}: every activation, forward and backward, within ${ULPS} ulps of float64`, async () => {
      const { x, dy } = inputs(n, n);
      const results: Array<{ y: Float32Array; dx: Float32Array }> = await run('activations', { x, dy, activations: SPECS, maxGroupsX });
      SPECS.forEach((spec, s) => {
        const { y, dx } = results[s]!;
        expect(y.length, label(spec)).toBe(n);
        expect(worstUlps(y, activationRef(spec, x), () => 1), `${label(spec)} forward`).toBeLessThanOrEqual(ULPS);
        expect(worstUlps(dx, activationGradRef(spec, x, dy), (i) => Math.abs(dy[i]!)), `${label(spec)} backward`).toBeLessThanOrEqual(ULPS);
      });
    });
  }

  it('in the activation layout (batch 5: 3 padding columns per row) every lane past the batch is written 0, softplus included', async () => {
    const batch = 5;
    const stride = 8;
    const features = 3;
    const { x, dy } = inputs(features * stride, 11);
    // Padding that is not 0 on input: the kernel must still write 0 there, whatever act(x) is.
    const results: Array<{ y: Float32Array; dx: Float32Array }> = await run('activations', { x, dy, activations: SPECS, batch });
    SPECS.forEach((spec, s) => {
      const { y, dx } = results[s]!;
      const wantY = activationRef(spec, x);
      const wantDx = activationGradRef(spec, x, dy);
      for (let i = 0; i < x.length; i++) {
        if (i % stride >= batch) {
          expect(Object.is(y[i], 0) && Object.is(dx[i], 0), `${label(spec)} padding at ${i}`).toBe(true);
        } else {
          expect(worstUlps([y[i]!], [wantY[i]!], () => 1), `${label(spec)} forward at ${i}`).toBeLessThanOrEqual(ULPS);
          expect(worstUlps([dx[i]!], [wantDx[i]!], () => Math.abs(dy[i]!)), `${label(spec)} backward at ${i}`).toBeLessThanOrEqual(ULPS);
        }
      }
    });
    await expect(run('activations', { x: x.slice(0, 20), dy: dy.slice(0, 20), activations: ['tanh'], batch })).rejects.toThrow(
      /x\.length must be a multiple of featureMajorStride\(batch\) = 8 \(the activation layout\), got 20/,
    );
  });

  it('refuses in-place use, mismatched lengths and a bad spec before dispatching', async () => {
    await expect(run('activationMisuse', { misuse: 'inPlace', activation: 'tanh' })).rejects.toThrow(/y must be a different tensor from x/);
    await expect(run('activationMisuse', { misuse: 'shortY', activation: 'tanh' })).rejects.toThrow(/dx must have length 8 \(x.length\), got 7/);
    await expect(run('activationMisuse', { misuse: 'badSpec', activation: { name: 'tanh', blend: -0.1 } })).rejects.toThrow(/blend must be a number in \[0, 1\]/);
  });
});
