/**
 * Bad inputs at the GPU entry points, on both backends: each refused at the call with a typed
 * error naming the argument and its range, leaving no GPU buffer behind (ctx.liveBuffers).
 */
import { expect, it } from 'vitest';
import { matmulRef } from '../../src/sparse/reference.js';
import type { MlpConfig } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import type { Refusal } from '../harness/refusal.js';
import { describeGpu } from '../harness/gpu.js';
import { randomFloat32, worstBoundRatio } from '../harness/tolerance.js';
import { mlpFile, SMALL_MLP } from './model-files.js';

function expectRefused(r: Refusal | null, name: string, pattern: RegExp): void {
  expect(r).not.toBeNull();
  expect(r!.name).toBe(name);
  expect(r!.message).toMatch(pattern);
  expect(r!.leaked).toBe(0);
}

describeGpu('validation', (run) => {
  it('host operands must be exactly the kind of their element type (was: Float64Array read as float pairs)', async () => {
    const r = await run('operandKinds');
    for (const [key, value] of Object.entries(r)) if ((value as Refusal | null)?.name === 'accepted') console.log('accepted:', key);
    expectRefused(r.csrMatmulFloat64, 'TypeError', /x must be a Float32Array, got Float64Array/);
    expect(r.csrMatmulFloat32).toEqual([7]);
    expectRefused(r.matmulFloat64, 'TypeError', /^a must be a Float32Array, got Float64Array/);
    expectRefused(r.matmulUint32, 'TypeError', /^a must be a Float32Array, got Uint32Array/);
    expect(r.matmulFloat32).toEqual([3]);
    expectRefused(r.matmulNaN, 'RangeError', /a\[1\] = NaN must be finite/);
    expectRefused(r.sparseLinearFloat64Bias, 'TypeError', /bias must be a Float32Array, got Float64Array/);
    expectRefused(r.uploadFloat64, 'TypeError', /tensor data must be a Float32Array, got Float64Array/);
    expectRefused(r.uploadFloat32AsU32, 'TypeError', /must be a Uint32Array, got Float32Array/);
    expectRefused(r.writeInt32, 'TypeError', /data must be a Uint32Array, got Int32Array/);
    expectRefused(r.zerosF64, 'TypeError', /dtype must be one of f32, u32, got f64/);
    if (r.sharedAvailable) {
      expectRefused(r.uploadShared, 'TypeError', /must not be backed by a SharedArrayBuffer/);
      expectRefused(r.csrMatmulShared, 'TypeError', /x must not be backed by a SharedArrayBuffer/);
    }
  });

  it('sparse layers refuse non-finite biases and weights, CSR and BSR alike, before allocating', async () => {
    const r = await run('sparseLinearValues');
    expectRefused(r.csrNaNBias, 'RangeError', /bias\[1\] = NaN must be finite/);
    expectRefused(r.bsrNaNBias, 'RangeError', /bias\[0\] = Infinity must be finite/);
    expectRefused(r.badFormat, 'RangeError', /format must be 'csr' or \{ bsr: 4 \| 8 \| 16 \| 32 \}/);
    expectRefused(r.csrWriteNaN, 'RangeError', /values\[0\] = NaN must be finite/);
  });

  it('eoiBatch refuses a gain past float32 and a layer above one buffer (BufferTooLargeError)', async () => {
    const r = await run('eoiBatchLimits');
    expectRefused(r.hugeGain, 'RangeError', /opts\.gain must be a number in .*float32 range\), got 1e\+300/);
    expectRefused(r.tinyGain, 'RangeError', /opts\.gain must be a number in .*got 1e-46/);
    expectRefused(r.tooBig, 'BufferTooLargeError', /layers\[1\]: its 8200 x 8200 matrix needs 268960000 bytes/);
  });

  it('givensBatch validates every rotation (was: wrong matrices returned silently)', async () => {
    const r = await run('givensLayers');
    expectRefused(r.pairOutside, 'RangeError', /layers\[0\]\.pairs\[1\] = 5 must be a column index in \[0, 1\]/);
    expectRefused(r.roundsPastEnd, 'RangeError', /layers\[0\]\.roundPtr must start at 0 and end at the rotation count 1/);
    expectRefused(r.sameColumnTwice, 'RangeError', /column 1 is rotated twice in round 0/);
    expectRefused(r.mPastCols, 'RangeError', /layers\[0\]\.m must be an integer in \[1, 2\], got 3/);
    expectRefused(r.float64CosSin, 'TypeError', /layers\[0\]\.cosSin must be a Float32Array/);
    // cos 0, sin 1: col0 <- col1, col1 <- -col0.
    expect(r.valid.map((v: number) => Math.round(v))).toEqual([0, -1, 1, 0]);
  });

  it('matmul options are strictly boolean, and an output sharing an input buffer is refused at the call', async () => {
    const r = await run('matmulOptions');
    expectRefused(r.transposeOne, 'TypeError', /dims\.transposeA must be true or false, got number 1/);
    expectRefused(r.transposeString, 'TypeError', /dims\.transposeB must be true or false, got string false/);
    expect(r.biasPerRowOne.name).toBe('TypeError');
    expect(r.biasPerRowOne.message).toMatch(/epilogue\.biasPerRow must be true or false/);
    expectRefused(r.outputIsA, 'RangeError', /c must be a different tensor from a/);
    expectRefused(r.outputIsB, 'RangeError', /c must be a different tensor from b/);
  });

  it('dispatch refuses a writable binding bound twice, whatever the kernel checks', async () => {
    expectRefused(await run('dispatchAliasing'), 'RangeError', /kernel 'copy': buffer 'dst' is written, so it must be a different tensor from 'src'/);
  });

  // Error bound as in matmul.test.ts: |c - c64| <= k·u·(|A|·|B|) with unit roundoff u.
  for (const [m, k, n] of [
    [17, 33, 65],
    [70, 9, 1],
    [1, 5, 300],
  ]) {
    it(`matmul folds its grid: ${m}x${k}x${n} with grid rows of 2 workgroups matches float64`, async () => {
      const rng = new Rng(m + k + n);
      const dims = { m, k, n };
      const a = randomFloat32(rng, m * k);
      const b = randomFloat32(rng, k * n);
      const c: Float32Array = await run('matmulFolded', { dims, a, b, maxGroupsX: 2 });
      const magnitude = matmulRef(a.map(Math.abs), b.map(Math.abs), dims);
      expect(worstBoundRatio(c, matmulRef(a, b, dims), magnitude, k)).toBeLessThanOrEqual(1);
    });
  }

  it('matmul with more than 65535 workgroups along n runs, folded at the device limit (was: refused)', async () => {
    // One-invocation workgroups of 4 x 4 outputs: 65537 of them for n = 262148, one past the limit.
    const n = 4 * 65_537;
    const r = await run('matmulFoldedLong', { n, config: { wgX: 1, wgY: 1, tileK: 32 } });
    expect(r.n).toBe(n);
    // One float32 product per element: exact.
    expect(r.maxError).toBe(0);
    expect(r.last).toBe(r.wantLast);
  });

  it('uniform buffers reused across submits keep each dispatch its own values', async () => {
    expect(await run('uniformReuse')).toEqual(Array.from({ length: 16 }, (_, i) => 10 + i));
  });

  it('calls in the same tick after ctx.destroy() are refused with DestroyedError', async () => {
    const r = await run('destroyedContext', { file: mlpFile(SMALL_MLP) });
    for (const key of ['zeros', 'upload', 'write', 'loadMlp', 'read', 'sync']) {
      expect(r[key].name, key).toBe('DestroyedError');
      expect(r[key].message).toMatch(/this Context was destroyed/);
    }
  });

  it('a write to a destroyed tensor is reported at that write, not at the next call', async () => {
    const r = await run('destroyedTensor');
    expectRefused(r.write, 'DestroyedError', /write to a destroyed tensor/);
    expect(r.next).toEqual([7, 8]);
  });

  it('train() refuses labels >= classes, maxSteps 0 / -1 / NaN and NaN inputs; classes must be an integer >= 2', async () => {
    const config: MlpConfig = { ...SMALL_MLP, inputs: 4, width: 4 };
    const rng = new Rng(1);
    const data = { count: 8, features: 4, inputs: randomFloat32(rng, 32), labels: Uint32Array.from({ length: 8 }, (_, i) => i % 3) };
    const r = await run('trainingInputs', { config, data });
    expectRefused(r.labelPastClasses, 'RangeError', /train\.labels\[3\] = 3 must be an integer in \[0, 2\] \(classes = 3\)/);
    expectRefused(r.maxStepsZero, 'RangeError', /maxSteps must be an integer in \[1, /);
    expectRefused(r.maxStepsNegative, 'RangeError', /maxSteps must be an integer in \[1, /);
    expectRefused(r.maxStepsNaN, 'TypeError', /maxSteps must be an integer in \[1, /);
    expectRefused(r.inputsNaN, 'RangeError', /train\.inputs\[5\] = NaN must be finite/);
    expectRefused(r.classesZero, 'RangeError', /classes must be an integer in \[2, /);
    expectRefused(r.classesOne, 'RangeError', /classes must be an integer in \[2, /);
    expectRefused(r.classesFraction, 'TypeError', /classes must be an integer in \[2, /);
    expect(r.valid).toBe(2);
  });

  it('bad model files leave no GPU buffer behind; a valid one frees everything it made', async () => {
    const dense: MlpConfig = { ...SMALL_MLP, init: 'dense-gaussian', density: 1 };
    const files = {
      depth: mlpFile(SMALL_MLP, undefined, { kind: 'mlp', ...SMALL_MLP, depth: 1e8 }),
      denseLayer1Short: mlpFile(dense, (t) => t.set('1.values', new Float32Array(24))),
      nanBias: mlpFile(SMALL_MLP, (t) => ((t.get('2.bias') as Float32Array)[0] = Number.NaN)),
    };
    const r = await run('modelFiles', { files, valid: mlpFile(SMALL_MLP) });
    expectRefused(r.refusals.depth, 'RangeError', /depth must be an integer in \[2, 100000\]/);
    expectRefused(r.refusals.denseLayer1Short, 'RangeError', /layer 1 weight\.values must have length 25/);
    expectRefused(r.refusals.nanBias, 'RangeError', /layer 2 bias\[0\] = NaN must be finite/);
    expect(r.made).toBeGreaterThan(0);
    expect(r.leftAfterDestroy).toBe(0);
  });
});
