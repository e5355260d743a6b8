declare module '*.wgsl' {
  const source: string;
  export default source;
}

// wgsl_reflect's CommonJS main fails to load as ESM on Node 20, so the ESM build is imported by path.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
