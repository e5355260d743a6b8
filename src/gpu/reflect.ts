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

export interface StructField {
  offset: number;
  kind: ScalarKind;
}

/** Byte layout of a WGSL struct of scalars; `stride` is its size rounded up to its alignment. */
export interface StructLayout {
  name: string;
  size: number;
  stride: number;
  fields: Map<string, StructField>;
  /** Members that are not scalars: such a struct cannot be packed from the host. */
  nonScalar: string[];
}

export interface KernelInterface {
  /** Bindings of group 0, sorted by binding number. */
  bindings: BindingInfo[];
  /** The uniform struct bound at the (single) uniform binding, if any. */
  uniforms?: { binding: string; layout: StructLayout };
  /** Every struct the shader declares, by name (for packing arrays of records into storage buffers). */
  structs: Map<string, StructLayout>;
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
  const structs = new Map<string, StructLayout>();
  for (const s of reflect.structs) structs.set(s.name, structLayout(s));
  const bindings: BindingInfo[] = [];
  let uniforms: KernelInterface['uniforms'];
  for (const v of reflect.uniforms) {
    if (v.group !== 0) throw new Error(`uniform '${v.name}' must be in @group(0)`);
    if (uniforms) throw new Error(`kernels declare one uniform struct; found '${uniforms.binding}' and '${v.name}'`);
    const layout = structs.get(v.type.name);
    if (!layout) throw new Error(`uniform '${v.name}' must be a struct`);
    uniforms = { binding: v.name, layout };
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
    structs,
    entryPoints: reflect.entry.compute.map((e) => e.name),
    overrides: new Set(reflect.overrides.map((o) => o.name)),
  };
}

interface ReflectedStruct {
  name: string;
  size: number;
  align: number;
  members: Array<{ name: string; offset: number; type: { name: string } }>;
}

function structLayout(s: ReflectedStruct): StructLayout {
  const fields = new Map<string, StructField>();
  const nonScalar: string[] = [];
  for (const m of s.members) {
    const kind = m.type.name;
    if (kind === 'u32' || kind === 'i32' || kind === 'f32') fields.set(m.name, { offset: m.offset, kind });
    else nonScalar.push(m.name);
  }
  return { name: s.name, size: s.size, stride: Math.ceil(s.size / s.align) * s.align, fields, nonScalar };
}

/**
 * Pack records into an array of structs at the reflected offsets and stride; every scalar field of
 * every record must be given, and no unknown field.
 */
export function packStructs(layout: StructLayout, records: readonly Record<string, number>[], what: string): ArrayBuffer {
  if (layout.nonScalar.length) {
    throw new Error(`${what}: struct ${layout.name} has non-scalar members (${layout.nonScalar.join(', ')}); host packing takes u32, i32 and f32 fields`);
  }
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((layout.stride * records.length) / 16) * 16));
  const view = new DataView(bytes);
  records.forEach((record, index) => {
    for (const name of Object.keys(record)) {
      if (!layout.fields.has(name)) throw new Error(`${what}: struct ${layout.name} has no field '${name}'`);
    }
    const base = index * layout.stride;
    for (const [name, field] of layout.fields) {
      const value = record[name];
      if (value === undefined) throw new Error(`${what}: field '${layout.name}.${name}' was not given`);
      if (field.kind === 'f32') view.setFloat32(base + field.offset, value, true);
      else if (field.kind === 'u32') view.setUint32(base + field.offset, value, true);
      else view.setInt32(base + field.offset, value, true);
    }
  });
  return bytes;
}
