// The built-in kernels' interfaces come from the build (scripts/wgsl-loader.mjs), not from a WGSL
// parser at run time: every shader module registers exactly what wgsl_reflect reads from its text,
// under vitest's loader as under esbuild's; a source the build never saw (a user's kernel) is
// reflected on first use.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.mjs';
import { knownKernelInterface, loadKernelInterface } from '../../src/gpu/kernel-interface.js';
import { reflectUncached } from '../../src/gpu/reflect.js';
import type { KernelSource } from '../../src/gpu/context.js';

const shaders = readdirSync('shaders').filter((f) => f.endsWith('.wgsl'));
const shaderSources = new Set(shaders.map((file) => readFileSync(`shaders/${file}`, 'utf8')));
// Every KernelSource the kernel modules export, found rather than listed, so a newly composed one is covered.
const isKernelSource = (x: unknown): x is KernelSource => typeof x === 'object' && x !== null && typeof (x as KernelSource).name === 'string' && typeof (x as KernelSource).source === 'string';
const kernelModules = readdirSync('src/kernels').filter((f) => f.endsWith('.ts'));
const kernels = (await Promise.all(kernelModules.map((f) => import(`../../src/kernels/${f}`) as Promise<Record<string, unknown>>))).flatMap((m) => Object.values(m).filter(isKernelSource));
const composed = kernels.filter((k) => !shaderSources.has(k.source));

describe('build-time kernel interfaces', () => {
  it.each(shaders)('%s: the loaded module registers what wgsl_reflect reads from it', async (file) => {
    const { default: source } = (await import(`../../shaders/${file}`)) as { default: string };
    expect(source.length).toBeGreaterThan(0);
    expect(knownKernelInterface(source)).toEqual(reflectUncached(source));
  });

  // Kernels whose WGSL is several shader files joined (function libraries in front) register the
  // union of the parts' interfaces; it must be what wgsl_reflect reads from the joined text.
  it('finds the composed kernels', () => expect(composed.map((k) => k.name)).toEqual(expect.arrayContaining(['activation', 'spmm_csr', 'conv_csr', 'conv_bsr', 'matmul', 'dst_select'])));

  it.each(composed)('$name: the interface of the joined source is known and equals its reflection', (kernel) => {
    expect(knownKernelInterface(kernel.source)).toEqual(reflectUncached(kernel.source));
  });

  // WebGPU's default maxStorageBuffersPerShaderStage: a device made without raised limits (TF.js's,
  // for one) refuses a pipeline layout with more.
  it.each([...shaders.map((file) => ({ name: file, source: readFileSync(`shaders/${file}`, 'utf8') })), ...composed])(
    '$name: at most 8 storage buffers, the default limit',
    ({ source }) => {
      const storage = reflectUncached(source).bindings.filter((b) => b.kind !== 'uniform');
      expect(storage.length).toBeLessThanOrEqual(8);
    },
  );

  it('a source the build did not see is unknown until reflected at run time, then cached', async () => {
    const source = '@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = 1.0; }';
    expect(knownKernelInterface(source)).toBeUndefined();
    const iface = await loadKernelInterface(source);
    expect(iface.bindings).toEqual([{ name: 'out', binding: 0, kind: 'storage' }]);
    expect(knownKernelInterface(source)).toBe(iface);
  });

  it('esbuild bundles carry the interfaces the build reflected (the published one: test/package/install.test.ts)', async () => {
    const code = (await bundle({ entry: 'src/kernels/spmm-csr.ts', platform: 'neutral', external: ['wgsl_reflect', 'webgpu'] }))!;
    expect(code.match(/registeredSource\(/g)?.length).toBeGreaterThanOrEqual(2); // the definition and spmm_csr.wgsl
    expect(code).toContain('"bindings": [{ "name": "params", "binding": 0, "kind": "uniform" }');
  });
});
