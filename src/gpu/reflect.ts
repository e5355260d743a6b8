/**
 * What a kernel's WGSL says about its own interface, read with wgsl_reflect: the bind-group layout
 * (binding numbers, names, access) and the byte layout of its uniform struct. Nothing here is
 * restated by hand; host code addresses bindings and uniform fields by their WGSL names.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

export type ScalarKind = 'u32' | 'i32' | 'f32';

export interface UniformField {
  offset: number;
  kind: ScalarKind;
}

export interface KernelInterface {
  /** Bindings of group 0, sorted by binding number. */
  bindings: BindingInfo[];
  /** The uniform struct bound at the (single) uniform binding, if any. */
  uniforms?: { binding: string; size: number; fields: Map<string, UniformField> };
  /** Entry point names of the compute stage. */
  entryPoints: string[];
  /** Names of `override` constants a pipeline may specialise. */
  overrides: Set<string>;
}

const cache = new Map<string, KernelInterface>();

/** Reflect a WGSL source once (results are cached by source text). */
export function reflectKernel(source: string): KernelInterface {
  let info = cache.get(source);
  if (!info) {
    info = reflectUncached(source);
    cache.set(source, info);
  }
  return info;
}

function reflectUncached(source: string): KernelInterface {
  const reflect = new WgslReflect(source);
  const bindings: BindingInfo[] = [];
  let uniforms: KernelInterface['uniforms'];
  for (const v of reflect.uniforms) {
    if (v.group !== 0) throw new Error(`uniform '${v.name}' must be in @group(0)`);
    if (uniforms) throw new Error(`kernels declare one uniform struct; found '${uniforms.binding}' and '${v.name}'`);
    const fields = new Map<string, UniformField>();
    for (const m of (v.type as { members?: Array<{ name: string; offset: number; type: { name: string } }> }).members ?? []) {
      const kind = m.type.name;
      if (kind !== 'u32' && kind !== 'i32' && kind !== 'f32') {
        throw new Error(`uniform field '${v.name}.${m.name}' has type ${kind}; only u32, i32 and f32 scalars are packed`);
      }
      fields.set(m.name, { offset: m.offset, kind });
    }
    uniforms = { binding: v.name, size: v.type.size, fields };
    bindings.push({ name: v.name, binding: v.binding, kind: 'uniform' });
  }
  for (const v of reflect.storage) {
    if (v.group !== 0) throw new Error(`storage buffer '${v.name}' must be in @group(0)`);
    bindings.push({ name: v.name, binding: v.binding, kind: v.access === 'read_write' ? 'storage' : 'read-only-storage' });
  }
  bindings.sort((a, b) => a.binding - b.binding);
  return {
    bindings,
    uniforms,
    entryPoints: reflect.entry.compute.map((e) => e.name),
    overrides: new Set(reflect.overrides.map((o) => o.name)),
  };
}

/** Pack uniform values into the struct's bytes at the reflected offsets; every field must be given. */
export function packUniforms(
  layout: NonNullable<KernelInterface['uniforms']>,
  values: Record<string, number>,
  kernel: string,
): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil(layout.size / 16) * 16));
  const view = new DataView(bytes);
  for (const name of Object.keys(values)) {
    if (!layout.fields.has(name)) throw new Error(`kernel '${kernel}' has no uniform field '${name}'`);
  }
  for (const [name, field] of layout.fields) {
    const value = values[name];
    if (value === undefined) throw new Error(`kernel '${kernel}': uniform field '${name}' was not given`);
    if (field.kind === 'f32') view.setFloat32(field.offset, value, true);
    else if (field.kind === 'u32') view.setUint32(field.offset, value, true);
    else view.setInt32(field.offset, value, true);
  }
  return bytes;
}
