/**
 * What a kernel's WGSL says about its own interface: the bind-group layout (binding numbers, names,
 * access) and the byte layout of its structs. The built-in kernels' interfaces are reflected from
 * their WGSL with wgsl_reflect when the package is built (the .wgsl loader of scripts/wgsl-loader.mjs
 * registers them here), so a bundle that uses only built-in kernels carries no WGSL parser; any
 * other source (a user's kernel) is reflected at run time, wgsl_reflect being loaded on first use.
 * Nothing here is restated by hand; host code addresses bindings and struct fields by their WGSL names.
 */

/** How a binding is accessed: a uniform buffer, a read-only or a read-write storage buffer. */
export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

/** One buffer binding of group 0, as the WGSL declares it. */
export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

/** The scalar types host code can pack into a struct. */
export type ScalarKind = 'u32' | 'i32' | 'f32';

/** One scalar member of a struct: its byte offset and type. */
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

/** Everything the host needs to bind and specialise one WGSL kernel family. */
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

/** A KernelInterface as JSON (what the build writes into the bundle): Maps and Sets as arrays. */
export interface KernelInterfaceJson {
  bindings: BindingInfo[];
  /** the uniform binding's name and its struct's name */
  uniforms?: { binding: string; struct: string };
  structs: Array<{ name: string; size: number; stride: number; fields: Array<[string, number, ScalarKind]>; nonScalar: string[] }>;
  entryPoints: string[];
  overrides: string[];
}

/** The JSON form of an interface (inverse of interfaceFromJson). */
export function interfaceToJson(iface: KernelInterface): KernelInterfaceJson {
  return {
    bindings: iface.bindings.map((b) => ({ ...b })),
    uniforms: iface.uniforms && { binding: iface.uniforms.binding, struct: iface.uniforms.layout.name },
    structs: [...iface.structs.values()].map((s) => ({
      name: s.name,
      size: s.size,
      stride: s.stride,
      fields: [...s.fields].map(([name, f]): [string, number, ScalarKind] => [name, f.offset, f.kind]),
      nonScalar: [...s.nonScalar],
    })),
    entryPoints: [...iface.entryPoints],
    overrides: [...iface.overrides],
  };
}

/** The interface a JSON form describes (inverse of interfaceToJson). */
export function interfaceFromJson(json: KernelInterfaceJson): KernelInterface {
  const structs = new Map<string, StructLayout>();
  for (const s of json.structs) {
    const fields = new Map(s.fields.map(([name, offset, kind]) => [name, { offset, kind }]));
    structs.set(s.name, { name: s.name, size: s.size, stride: s.stride, fields, nonScalar: [...s.nonScalar] });
  }
  const uniforms = json.uniforms && { binding: json.uniforms.binding, layout: structs.get(json.uniforms.struct)! };
  return { bindings: json.bindings.map((b) => ({ ...b })), uniforms, structs, entryPoints: [...json.entryPoints], overrides: new Set(json.overrides) };
}

/** Interfaces by WGSL source text: the built-in kernels' (registered at load) and every source reflected so far. */
const known = new Map<string, KernelInterface>();

/**
 * Records the build-time reflection of a built-in kernel's source and returns the source (each
 * bundled .wgsl module's default export is this call, marked pure so that unused shaders drop out).
 */
export function registeredSource(source: string, json: KernelInterfaceJson): string {
  known.set(source, interfaceFromJson(json));
  return source;
}

/**
 * A kernel source made of built-in parts joined in order (a function library in front of a kernel),
 * registered with the union of the parts' build-time interfaces: what wgsl_reflect reads from the
 * joined text, since WGSL declarations do not depend on their order. At most one part may declare
 * the uniform; bindings, structs and overrides must not clash. Throws an Error otherwise, or when a
 * part is not a built-in source.
 */
export function composedSource(parts: string[]): string {
  const source = parts.join('\n');
  if (known.has(source)) return source;
  const ifaces = parts.map(builtinKernelInterface);
  const merged: KernelInterface = { bindings: [], structs: new Map(), entryPoints: [], overrides: new Set() };
  for (const iface of ifaces) {
    if (iface.uniforms) {
      if (merged.uniforms) throw new Error(`composed kernel: two parts declare a uniform ('${merged.uniforms.binding}', '${iface.uniforms.binding}')`);
      merged.uniforms = iface.uniforms;
    }
    for (const b of iface.bindings) {
      if (merged.bindings.some((m) => m.binding === b.binding || m.name === b.name)) throw new Error(`composed kernel: binding '${b.name}' (@binding(${b.binding})) declared twice`);
      merged.bindings.push(b);
    }
    for (const [name, layout] of iface.structs) {
      if (merged.structs.has(name)) throw new Error(`composed kernel: struct '${name}' declared twice`);
      merged.structs.set(name, layout);
    }
    for (const o of iface.overrides) {
      if (merged.overrides.has(o)) throw new Error(`composed kernel: override '${o}' declared twice`);
      merged.overrides.add(o);
    }
    merged.entryPoints.push(...iface.entryPoints);
  }
  merged.bindings.sort((a, b) => a.binding - b.binding);
  known.set(source, merged);
  return source;
}

/** Records an interface reflected at run time, so later lookups of that source are synchronous. */
export function rememberKernelInterface(source: string, iface: KernelInterface): KernelInterface {
  known.set(source, iface);
  return iface;
}

/** The interface of a source that is built in or was reflected before; undefined otherwise. */
export function knownKernelInterface(source: string): KernelInterface | undefined {
  return known.get(source);
}

/**
 * The interface of a built-in kernel's source, reflected when the package was built. Throws an
 * Error when the source is not one (a user's kernel goes through loadKernelInterface).
 */
export function builtinKernelInterface(source: string): KernelInterface {
  const iface = known.get(source);
  if (!iface) throw new Error('not a built-in kernel source: its interface was not reflected at build time (use loadKernelInterface)');
  return iface;
}

/**
 * The interface of any WGSL source: the build-time one for built-in kernels, otherwise reflected
 * with wgsl_reflect, which is loaded (a dynamic import, so bundlers that split keep it in its own
 * chunk) the first time a source needs it. Rejects with an Error when the source does not parse or
 * breaks a rule of reflectWith.
 */
export async function loadKernelInterface(source: string): Promise<KernelInterface> {
  const iface = known.get(source);
  if (iface) return iface;
  const { WgslReflect } = await import('./wgsl-parser.js');
  return rememberKernelInterface(source, reflectWith(WgslReflect, source));
}

/**
 * The interface wgsl_reflect's parser (the WgslReflect class, passed in so that only callers that
 * reflect at run time load it) reads from `source`. Throws an Error when the source does not parse,
 * a binding is outside @group(0), there is more than one uniform, or the uniform is not a struct.
 */
export function reflectWith(Parser: new (source: string) => ReflectedShader, source: string): KernelInterface {
  const reflect = new Parser(source);
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

/** The part of a wgsl_reflect WgslReflect that reflectWith reads. */
export interface ReflectedShader {
  structs: ReflectedStruct[];
  uniforms: Array<{ name: string; group: number; binding: number; type: { name: string } }>;
  storage: Array<{ name: string; group: number; binding: number; access: string }>;
  entry: { compute: Array<{ name: string }> };
  overrides: Array<{ name: string }>;
}

/** A struct as wgsl_reflect describes it. */
export interface ReflectedStruct {
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
 * every record must be given, and no unknown field. Throws an Error naming `what` and the field.
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
