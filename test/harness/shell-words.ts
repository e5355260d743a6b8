/** The words bash makes of `text` (quotes, escapes and variables as `eval "set -- …"` expands them). */
import { execFileSync } from 'node:child_process';

export function shellWords(text: string): string[] {
  const out = execFileSync('bash', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', '_', text], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}
