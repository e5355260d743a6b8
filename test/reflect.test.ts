import { describe, expect, it } from 'vitest';
import { packStructs, reflectKernel } from '../src/gpu/reflect.js';
import { matmulKernel } from '../src/kernels/matmul.js';
import { givensKernel } from '../src/kernels/givens.js';

// Pins what wgsl_reflect derives from our shaders: if a WGSL edit moves a binding or a field, the
// host follows automatically, and this test shows what changed.
describe('layouts derived from the WGSL', () => {
  it('matmul: bindings in order with their access, and the Params offsets', () => {
    const iface = reflectKernel(matmulKernel.source);
    expect(iface.bindings).toEqual([
      { name: 'params', binding: 0, kind: 'uniform' },
      { name: 'a', binding: 1, kind: 'read-only-storage' },
      { name: 'b', binding: 2, kind: 'read-only-storage' },
      { name: 'bias', binding: 3, kind: 'read-only-storage' },
      { name: 'c', binding: 4, kind: 'storage' },
    ]);
    const layout = iface.uniforms!.layout;
    expect(layout.size).toBe(24);
    expect([...layout.fields].map(([name, f]) => [name, f.offset, f.kind])).toEqual([
      ['m', 0, 'u32'],
      ['k', 4, 'u32'],
      ['n', 8, 'u32'],
      ['liveN', 12, 'u32'],
      ['tilesN', 16, 'u32'],
      ['tiles', 20, 'u32'],
    ]);
    expect([...iface.overrides]).toContain('TRANSPOSE_A');
  });

  it('givens: the Layer record is packed at reflected offsets and stride', () => {
    const layout = reflectKernel(givensKernel.source).structs.get('Layer')!;
    expect(layout.stride).toBe(32);
    const record = { m: 1, cols: 2, aOffset: 3, rotationOffset: 4, roundOffset: 5, rounds: 6, rowsPerGroup: 7, rowShift: 8 };
    const words = new Uint32Array(packStructs(layout, [record, { ...record, m: 9 }], 'test'));
    expect(Array.from(words.subarray(0, 16))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('packing refuses unknown and missing fields', () => {
    const layout = reflectKernel(matmulKernel.source).uniforms!.layout;
    expect(() => packStructs(layout, [{ m: 1, k: 2 }], 'matmul uniforms')).toThrow(/field 'Params.n' was not given/);
    expect(() => packStructs(layout, [{ m: 1, k: 2, n: 3, liveN: 3, z: 4 }], 'matmul uniforms')).toThrow(/has no field 'z'/);
  });
});
