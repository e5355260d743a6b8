/**
 * Kernel operands fuzzed (fast-check): typed-array kinds, lengths off by one, NaN elements,
 * SharedArrayBuffers, non-boolean flags, invalid batches, strides, paddings and formats at matmul,
 * csrMatmul, ctx.upload, SparseLinear, csrForwardInto and conv2dCsr. A call is accepted exactly when it is valid; a
 * refusal is a typed error naming an argument and leaves no buffer; an accepted call computes
 * what the float64 reference does (dot-product error bound, as in matmul.test.ts).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { csrToDense } from '../../src/sparse/csr.js';
import { fromActivationLayout } from '../../src/sparse/activation-layout.js';
import { featureMajorStride } from '../../src/sparse/activation-layout.js';
import { convForwardRef } from '../../src/sparse/conv-reference.js';
import { matmulRef, spmmForwardRef } from '../../src/sparse/reference.js';
import type { Refusal } from '../harness/refusal.js';
import { describeGpu } from '../harness/gpu.js';
import { worstBoundRatio } from '../harness/tolerance.js';
import { ARRAY_KINDS, type ArraySpec, buildArray, FLAG_SPECS, FUZZ_FILTER, FUZZ_WEIGHT, fuzzConvDims, fuzzValue, isValidCall, type OperandCall, SPARSE_FORMATS } from './operand-specs.js';

// Mostly well-formed, so both outcomes are common.
const arraySpec: fc.Arbitrary<ArraySpec> = fc.record({
  kind: fc.oneof({ weight: 3, arbitrary: fc.constant('Float32Array' as const) }, { weight: 2, arbitrary: fc.constantFrom(...ARRAY_KINDS) }),
  delta: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
  poison: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const flag = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('true' as const, 'false' as const, 'absent' as const) }, { weight: 1, arbitrary: fc.constantFrom(...FLAG_SPECS) });
const batch = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 2.5) });
const delta = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 1 }) });

const call: fc.Arbitrary<OperandCall> = fc.oneof(
  fc.record({ entry: fc.constant('matmul' as const), m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }), transposeA: flag, transposeB: flag, a: arraySpec, b: arraySpec, bias: fc.oneof(fc.constant('absent' as const), arraySpec) }),
  fc.record({ entry: fc.constant('csrMatmul' as const), batch, x: arraySpec, values: arraySpec }),
  fc.record({ entry: fc.constant('upload' as const), dtype: fc.constantFrom('f32' as const, 'u32' as const, 'f64' as const), data: arraySpec }),
  fc.record({ entry: fc.constant('sparseLinear' as const), bias: fc.oneof(fc.constant('absent' as const), arraySpec), format: fc.constantFrom(...SPARSE_FORMATS) }),
  fc.record({ entry: fc.constant('csrForward' as const), batch, xDelta: delta, yDelta: delta, biasDelta: fc.oneof(fc.constant('absent' as const), delta) }),
  fc.record({
    entry: fc.constant('conv2dCsr' as const),
    batch,
    x: arraySpec,
    values: arraySpec,
    stride: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) }),
    padding: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0.5) }),
  }),
);

const CALLS = fc.sample(call, { numRuns: 250, seed: 15 });
const TYPED = ['TypeError', 'RangeError', 'BufferTooLargeError', 'DestroyedError'];

/** What an accepted call must have computed, and the length of its dot products (for the error bound). */
function expected(c: OperandCall): { want: ArrayLike<number>; magnitude: ArrayLike<number>; k: number } | undefined {
  const abs = (a: ArrayLike<number>) => Array.from(a, Math.abs);
  switch (c.entry) {
    case 'matmul': {
      const dims = { m: c.m, k: c.k, n: c.n, transposeA: c.transposeA === 'true', transposeB: c.transposeB === 'true' };
      const a = buildArray(c.a, c.m * c.k) as Float32Array;
      const b = buildArray(c.b, c.k * c.n) as Float32Array;
      const bias = c.bias === 'absent' ? undefined : (buildArray(c.bias, c.n) as Float32Array);
      return { want: matmulRef(a, b, dims, bias), magnitude: matmulRef(abs(a), abs(b), dims, bias && abs(bias)), k: c.k + 1 };
    }
    case 'csrMatmul': {
      const w = { ...FUZZ_WEIGHT, values: Float32Array.from(buildArray(c.values, FUZZ_WEIGHT.values.length) as Float32Array) };
      const x = buildArray(c.x, c.batch * FUZZ_WEIGHT.cols) as Float32Array;
      return { want: spmmForwardRef(w, x, c.batch), magnitude: spmmForwardRef({ ...w, values: Float32Array.from(abs(w.values)) }, abs(x), c.batch), k: FUZZ_WEIGHT.cols };
    }
    case 'csrForward': {
      const stride = featureMajorStride(c.batch);
      const xT = Float32Array.from({ length: stride * FUZZ_WEIGHT.cols }, (_, i) => fuzzValue(i));
      const x = fromActivationLayout(xT, c.batch, FUZZ_WEIGHT.cols);
      const bias = c.biasDelta === 'absent' ? undefined : Float32Array.from({ length: FUZZ_WEIGHT.rows }, (_, i) => fuzzValue(i + 3));
      const w = FUZZ_WEIGHT;
      return { want: spmmForwardRef(w, x, c.batch, bias), magnitude: spmmForwardRef({ ...w, values: Float32Array.from(abs(w.values)) }, abs(x), c.batch, bias && abs(bias)), k: FUZZ_WEIGHT.cols + 1 };
    }
    case 'conv2dCsr': {
      const w = { ...FUZZ_FILTER, values: Float32Array.from(buildArray(c.values, FUZZ_FILTER.values.length) as Float32Array) };
      const x = buildArray(c.x, c.batch * 20) as Float32Array;
      const dims = fuzzConvDims(c);
      // A row's sum has at most its 4 taps.
      return { want: convForwardRef(w, x, dims), magnitude: convForwardRef(w, x, dims, undefined, true), k: 4 };
    }
    default:
      return undefined;
  }
}

describeGpu('validation', (run) => {
  it(`${CALLS.length} fuzzed kernel calls: accepted exactly when valid; refusals typed and leak-free; accepted results match float64`, async () => {
    const { sharedIsPlain, out }: { sharedIsPlain: boolean; out: Array<Refusal & { result?: Float32Array }> } = await run('operandCalls', { calls: CALLS });
    let accepted = 0;
    for (const [i, c] of CALLS.entries()) {
      const r = out[i]!;
      const label = `call ${i}: ${JSON.stringify(c)} -> ${r.name}: ${r.message}`;
      expect(r.leaked, label).toBe(0);
      expect(r.name === 'accepted', label).toBe(isValidCall(c, sharedIsPlain));
      if (r.name !== 'accepted') {
        expect(TYPED, label).toContain(r.name);
        expect(r.message, label).toMatch(/must|overflows|destroyed|needs/);
        continue;
      }
      accepted++;
      const e = expected(c);
      if (e) {
        const got = c.entry === 'csrForward' ? fromActivationLayout(r.result!, c.batch, FUZZ_WEIGHT.rows) : r.result!;
        expect(worstBoundRatio(got, e.want, e.magnitude, e.k), label).toBeLessThanOrEqual(1);
      } else if (c.entry === 'upload') {
        const data = buildArray(c.data, 5) as Float32Array | Uint32Array;
        expect(Array.from(r.result!), label).toEqual(Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length)));
      } else if (c.entry === 'sparseLinear') {
        const bias = c.bias === 'absent' ? new Float32Array(FUZZ_WEIGHT.rows) : (buildArray(c.bias, FUZZ_WEIGHT.rows) as Float32Array);
        expect(Array.from(r.result!), label).toEqual([...csrToDense(FUZZ_WEIGHT), ...bias]);
      }
    }
    // Both outcomes occur often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(CALLS.length / 5);
    expect(accepted).toBeLessThan(CALLS.length * 0.8);
  });
});
