/**
 * Bad inputs that need no GPU: model files, EOI sizes and gains, densities, model configs. Each is
 * refused at the call by a TypeError or RangeError naming the argument and its range; model files
 * are refused before the context is touched (UNTOUCHABLE_CONTEXT throws on any use).
 */
import { describe, expect, it } from 'vitest';
import { eoi } from '../../src/eoi/eoi.js';
import { eoiConv } from '../../src/eoi/conv.js';
import { overallDensity } from '../../src/eoi/layer-densities.js';
import { buildMlp, checkMlpConfig, type MlpConfig, mlpShapes } from '../../src/nn/mlp.js';
import { loadMlp } from '../../src/nn/mlp-file.js';
import { loadModel } from '../../src/nn/model.js';
import { decodeModelFile, encodeModelFile, MAX_HEADER_BYTES } from '../../src/nn/model-file.js';
import { mlpFile, rawModelFile, SMALL_MLP, UNTOUCHABLE_CONTEXT } from './model-files.js';

const quickly = (call: () => unknown, pattern: RegExp, Kind: ErrorConstructor = RangeError) => {
  const t0 = performance.now();
  expect(call).toThrow(Kind);
  expect(call).toThrow(pattern);
  return performance.now() - t0;
};

describe('model files are refused before anything is allocated', () => {
  it('a huge depth in a 1.6 KB file is refused at once, naming depth (was: V8 heap out of memory)', () => {
    for (const depth of [1e7, 1e8, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const bytes = mlpFile(SMALL_MLP, undefined, { kind: 'mlp', ...SMALL_MLP, depth });
      expect(bytes.length).toBeLessThan(2000);
      expect(quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, bytes), /depth must be an integer in \[2, 100000\]/)).toBeLessThan(100);
    }
    // Within the range but more layers than the file lists tensors for.
    const bytes = mlpFile(SMALL_MLP, undefined, { kind: 'mlp', ...SMALL_MLP, depth: 90_000 });
    quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, bytes), /declares 90000 layers but lists only 12 tensors/);
  });

  it('buildMlp refuses depth 1e8 and sigmaW 1e39 by name, before building anything', () => {
    quickly(() => buildMlp(UNTOUCHABLE_CONTEXT, { ...SMALL_MLP, depth: 1e8 }), /depth must be an integer in \[2, 100000\], got 100000000/);
    quickly(() => buildMlp(UNTOUCHABLE_CONTEXT, { ...SMALL_MLP, sigmaW: 1e39 }), /sigmaW must be a number in \[1\.17.*e-38, 3\.40.*e\+38\] \(the float32 range\), got 1e\+39/);
    quickly(() => checkMlpConfig({ ...SMALL_MLP, depth: 2.5 }), /depth must be an integer in \[2, 100000\]/, TypeError);
    quickly(() => checkMlpConfig({ ...SMALL_MLP, width: 1e9 }), /width must be an integer in \[1, 1048576\]/);
    // mlpShapes itself (the CLI asks it for layer shapes before the config check): no 1e9-entry list.
    expect(quickly(() => mlpShapes({ ...SMALL_MLP, depth: 1e9 }), /depth must be an integer in \[2, 100000\], got 1000000000/)).toBeLessThan(100);
  });

  it('overlapping tensor entries are refused, not copied once per entry (was: 4.2 GB from 1.28 MB)', () => {
    const data = new Uint8Array(1024 * 1024);
    const tensors = Array.from({ length: 4000 }, (_, i) => ({ name: `t${i}`, dtype: 'f32', offset: 0, length: 262_144 }));
    const bytes = rawModelFile({ config: { kind: 'mlp' }, tensors }, data);
    quickly(() => decodeModelFile(bytes), /tensors 't\d+' and 't\d+' overlap in the data section/);
    const partly = rawModelFile({ config: {}, tensors: [{ name: 'a', dtype: 'f32', offset: 0, length: 3 }, { name: 'b', dtype: 'u32', offset: 8, length: 1 }] }, new Uint8Array(16));
    quickly(() => decodeModelFile(partly), /tensors 'a' and 'b' overlap/);
    const twice = rawModelFile({ config: {}, tensors: [{ name: 'a', dtype: 'f32', offset: 0, length: 1 }, { name: 'a', dtype: 'f32', offset: 4, length: 1 }] }, new Uint8Array(8));
    quickly(() => decodeModelFile(twice), /lists tensor 'a' twice/);
    // Disjoint neighbours, and empty tensors anywhere, are fine.
    const ok = rawModelFile({ config: {}, tensors: [{ name: 'a', dtype: 'f32', offset: 0, length: 1 }, { name: 'b', dtype: 'u32', offset: 4, length: 1 }, { name: 'c', dtype: 'f32', offset: 0, length: 0 }] }, new Uint8Array([0, 0, 128, 63, 7, 0, 0, 0]));
    const file = decodeModelFile(ok);
    expect(Array.from(file.tensors.get('a')!)).toEqual([1]);
    expect(Array.from(file.tensors.get('b')!)).toEqual([7]);
  });

  it('a tensor entry of null, or of the wrong shape, is a TypeError naming it (was: "Cannot read properties of null")', () => {
    quickly(() => decodeModelFile(rawModelFile({ config: {}, tensors: [null] })), /model file tensors\[0\] must be a \{ name, dtype, offset, length \} object, got null/, TypeError);
    quickly(() => decodeModelFile(rawModelFile({ config: {}, tensors: [{ name: 7, dtype: 'f32', offset: 0, length: 0 }] })), /tensors\[0\]\.name must be a non-empty string/, TypeError);
    quickly(() => decodeModelFile(rawModelFile({ config: {}, tensors: [{ name: 'x', dtype: 'f32', offset: 0, length: 2 }] }, new Uint8Array(4))), /tensor 'x' .* runs past the end/);
    quickly(() => decodeModelFile(rawModelFile({ config: {}, tensors: [{ name: 'x', dtype: 'f64', offset: 0, length: 0 }] })), /dtype must be f32 or u32, got f64/);
    quickly(() => decodeModelFile(rawModelFile(null)), /lacks its tensor list/);
  });

  it('the header length is bounded, and must lie inside the file', () => {
    const bytes = rawModelFile({ config: {}, tensors: [] });
    new DataView(bytes.buffer).setUint32(8, MAX_HEADER_BYTES + 1, true);
    quickly(() => decodeModelFile(bytes), /header length must be at most 16777216 bytes, got 16777217/);
    new DataView(bytes.buffer).setUint32(8, 1000, true);
    quickly(() => decodeModelFile(bytes), /header \(1000 bytes\) runs past the end of the file/);
  });

  it('a BSR model with config.inputs = 1e9 is refused by name (was: loaded, 2 GB)', () => {
    const config: MlpConfig = { ...SMALL_MLP, format: { bsr: 4 } };
    const bytes = mlpFile(config, undefined, { kind: 'mlp', ...config, inputs: 1e9 });
    expect(bytes.length).toBeLessThan(2000);
    quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, bytes), /inputs must be an integer in \[1, 1048576\], got 1000000000/);
  });

  it('NaN and ±Infinity biases and weights in a model file are refused, in every format (was: 6 of 6 accepted)', () => {
    for (const format of [undefined, { bsr: 4 as const }]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const config = { ...SMALL_MLP, ...(format && { format }) };
        const biasFile = mlpFile(config, (t) => ((t.get('1.bias') as Float32Array)[2] = bad));
        quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, biasFile), new RegExp(`layer 1 bias\\[2\\] = ${bad} must be finite`));
        const valueFile = mlpFile(config, (t) => ((t.get('0.values') as Float32Array)[0] = bad));
        quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, valueFile), /layer 0 weight\.values\[0\] = .* must be finite/);
      }
    }
  });

  it('a dense-init file whose layer 1 is bad is refused before layer 0 is built (was: layer 0 buffers leaked)', () => {
    const config: MlpConfig = { ...SMALL_MLP, init: 'dense-gaussian', density: 1 };
    const bytes = mlpFile(config, (t) => {
      // Layer 1 stores one weight fewer than a dense 5 x 5 layer needs (a valid CSR otherwise).
      const rowPtr = (t.get('1.rowPtr') as Uint32Array).map((p) => Math.max(0, p - 1));
      rowPtr[0] = 0;
      t.set('1.rowPtr', rowPtr);
      t.set('1.colIdx', (t.get('1.colIdx') as Uint32Array).subarray(1));
      t.set('1.values', (t.get('1.values') as Float32Array).subarray(1));
    });
    quickly(() => loadMlp(UNTOUCHABLE_CONTEXT, bytes), /layer 1 is dense: it must store all 25 weights, got 24/);
    quickly(() => loadModel(UNTOUCHABLE_CONTEXT, bytes), /layer 1 is dense/);
  });

  it('a CNN file declaring more convolutions than it lists is refused before any layer list is built', () => {
    const config = { kind: 'cnn', inputShape: [1, 8, 8], stem: 1, depth: 99_999, channels: 4, kernel: 3, classes: 2, density: 0.5, init: 'eoi', activation: 'tanh', sigmaW: 1, sigmaB: 0, seed: 0 };
    const bytes = encodeModelFile({ config, tensors: new Map([['0.bias', new Float32Array(4)]]) });
    quickly(() => loadModel(UNTOUCHABLE_CONTEXT, bytes), /declares 100000 convolutions but lists only 1 tensors/);
  });
});

describe('EOI gains and sizes', () => {
  it('a gain whose values would overflow or underflow float32 is refused (was: Infinity values, or all zeros)', () => {
    for (const gain of [1e39, -1e39, 1e300, 1e-46, 0, Number.NaN]) {
      quickly(() => eoi(16, 32, { density: 0.25, gain }), /gain must be a number in \[-3\.40.*e\+38, -1\.17.*e-38\] or \[1\.17.*e-38, 3\.40.*e\+38\] \(the float32 range\)/);
      quickly(() => eoiConv(4, 4, 3, { density: 0.5, gain }), /gain must be a number in/);
    }
    const w = eoi(16, 32, { density: 0.25, gain: -3e38 });
    expect(w.values.every(Number.isFinite)).toBe(true);
    expect(w.values.some((v) => v !== 0)).toBe(true);
  });

  it('sizes past the limits are refused up front and quickly (was: allocation failure, or > 60 s toward 5e9 nonzeros)', () => {
    expect(quickly(() => eoi(1e9, 1, { density: 1e-9 }), /an EOI matrix of 1000000000 x 1 at density 1e-9 needs 1000000000 columns of per-column state .*above the limit of 16777216/)).toBeLessThan(100);
    expect(quickly(() => eoi(1e5, 1e5, { density: 0.5 }), /an EOI matrix of 100000 x 100000 at density 0\.5 needs 312500000 mask words .*above the limit of 134217728/)).toBeLessThan(100);
    quickly(() => eoi(2 ** 24, 16, { density: 1 }), /needs 268435456 nonzeros \(density·rows·cols\), above the limit of 134217728/);
    quickly(() => eoiConv(4096, 4096, 63, { density: 1 }), /an EOI kernel of 4096 x 4096 x 63 x 63 at density 1 needs \d+ nonzeros/);
  });
});

describe('overallDensity', () => {
  it('refuses NaN and densities outside (0, 1] (was: NaN, and 1.25)', () => {
    const shapes = [
      [4, 4],
      [4, 4],
    ];
    quickly(() => overallDensity(shapes, [0.5, Number.NaN]), /densities\[1\] must be a number in \(0, 1\], got NaN/);
    quickly(() => overallDensity(shapes, [0.5, 2]), /densities\[1\] must be a number in \(0, 1\], got 2/);
    quickly(() => overallDensity(shapes, [0, 1]), /densities\[0\]/);
    expect(overallDensity(shapes, [0.5, 1])).toBe(0.75);
  });
});
