export function bundle(opts: {
  entry: string;
  outfile?: string;
  platform?: 'node' | 'browser' | 'neutral';
  external?: string[];
  minify?: boolean;
}): Promise<string | undefined>;
