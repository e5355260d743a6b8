export function wgslModule(file: string): Promise<string>;
export const wgslEsbuildPlugin: import('esbuild').Plugin;
export const wgslVitePlugin: { name: string; load(id: string): Promise<string | null> };
