/** Which GPU backends the suite runs: ORTHOSPARSE_BACKENDS=node,chromium (the default) or one of them. */
export type BackendName = 'node' | 'chromium';

export const BACKENDS: BackendName[] = (process.env.ORTHOSPARSE_BACKENDS ?? 'node,chromium')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is BackendName => {
    if (s !== 'node' && s !== 'chromium') throw new Error(`ORTHOSPARSE_BACKENDS: unknown backend '${s}' (node, chromium)`);
    return true;
  });
