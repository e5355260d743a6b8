/**
 * wgsl_reflect's parser alone, for the run-time reflection's dynamic import: importing this module
 * rather than the package namespace lets bundlers drop the rest of wgsl_reflect.
 */
export { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
