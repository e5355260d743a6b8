/**
 * Run-time reflection with wgsl_reflect, for WGSL sources that were not reflected when the package
 * was built, synchronously: for the build itself (scripts/wgsl-loader.mjs), tests and callers that
 * want an interface without a Context. The library's runtime does not import this module; it loads
 * wgsl_reflect itself, on first use of such a source (loadKernelInterface).
 */
import { WgslReflect } from './wgsl-parser.js';
import { type KernelInterface, knownKernelInterface, reflectWith, rememberKernelInterface } from './kernel-interface.js';

export { packStructs, type BindingInfo, type BindingKind, type KernelInterface, type ScalarKind, type StructField, type StructLayout } from './kernel-interface.js';
export { interfaceToJson } from './kernel-interface.js';

/**
 * The interface a WGSL source declares (cached by source text; built-in kernels' come from the
 * build). Throws an Error when the source does not parse, a binding is outside @group(0), there is
 * more than one uniform or the uniform is not a struct.
 */
export function reflectKernel(source: string): KernelInterface {
  return knownKernelInterface(source) ?? rememberKernelInterface(source, reflectUncached(source));
}

/** Reflects `source` afresh, ignoring every cache (the build uses this). */
export function reflectUncached(source: string): KernelInterface {
  return reflectWith(WgslReflect, source);
}
