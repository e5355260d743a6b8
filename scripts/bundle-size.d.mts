export function bundleSize(names: string[], entry?: string): Promise<{ whole: number; initial: number; chunks: number }>;
