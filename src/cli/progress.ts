/** A terminal progress bar for long work (training, large inits), via cli-progress. */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/** `format` may name payload fields as {field}; {bar}, {value}/{total}, {eta_formatted} are built in. */
export function progressBar(total: number, format: string): ProgressBar {
  const bar = new cliProgress.SingleBar(
    { format, barsize: 24, hideCursor: true, etaBuffer: 50, noTTYOutput: true, notTTYSchedule: 5000, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  // Fields show '—' until the first update gives them values (not the raw {field} placeholder).
  const builtIn = new Set(['bar', 'value', 'total', 'percentage', 'eta', 'eta_formatted', 'duration', 'duration_formatted']);
  const fields = Object.fromEntries([...format.matchAll(/\{(\w+)\}/g)].filter(([, name]) => !builtIn.has(name!)).map(([, name]) => [name, '—']));
  bar.start(total, 0, fields);
  return {
    update: (value, fields) => bar.update(value, fields ?? {}),
    stop: () => bar.stop(),
  };
}
