export function bundle(opts: {
  entry?: string;
  entries?: Record<string, string>;
  outfile?: string;
  outdir?: string;
  platform?: 'node' | 'browser' | 'neutral';
  external?: string[];
  minify?: boolean;
  sourcemap?: false;
}): Promise<string | undefined>;
