/**
 * Command-line parsing shared by the commands: node:util's parseArgs with negative numbers accepted
 * as option values, its errors reworded to name the flag, and checks of number flags against their
 * ranges. Everything here runs before any data loads or any folder is created.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The option table parseArgs takes: every option is a string or a boolean flag. */
export type FlagTable = Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>;

/** Parsed values by flag name (strings for string flags, booleans for boolean flags). */
export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Parse `argv` against `options`. `--lr -1` is read as `--lr=-1` (parseArgs alone calls it
 * ambiguous). Throws a TypeError naming the flag for an unknown option, a missing value or a
 * positional argument.
 */
export function parseFlags(argv: readonly string[], options: FlagTable): FlagValues {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    const message = (error as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new TypeError(`unknown option '${flag}' (see --help)`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new TypeError(`unexpected argument ${/'[^']*'/.exec(message)?.[0]} (options take the form --name value)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      throw new TypeError(options[flag.replace(/^-+/, '')]?.type === 'boolean' ? `${flag} takes no value` : `${flag} needs a value`);
    }
    throw new TypeError(message.split('\n')[0]);
  }
}

/** A closed or open end of a number flag's range. */
export interface FlagRange {
  min: number;
  max?: number;
  /** the minimum itself is not allowed */
  minOpen?: boolean;
  /** the maximum itself is not allowed */
  maxOpen?: boolean;
}

function rangeText({ min, max = Infinity, minOpen = false, maxOpen = false }: FlagRange): string {
  return `${minOpen ? '(' : '['}${min}, ${max === Infinity ? '∞)' : `${max}${maxOpen ? ')' : ']'}`}`;
}

/**
 * A number flag's value, or undefined when the flag was not given. Throws a RangeError naming the
 * flag and its range when the text is not a finite number in the range; `why` follows the range in
 * the message (what the range depends on).
 */
export function numberFlag(name: string, text: string | boolean | undefined, range: FlagRange, why = ''): number | undefined {
  if (text === undefined) return undefined;
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  const { min, max = Infinity, minOpen = false, maxOpen = false } = range;
  if (!Number.isFinite(value) || (minOpen ? value <= min : value < min) || (maxOpen ? value >= max : value > max)) {
    throw new RangeError(`--${name} must be a number in ${rangeText(range)}${why ? ` ${why}` : ''}, got '${String(text)}'`);
  }
  return value;
}

/** An integer flag in [min, max] (default max: Number.MAX_SAFE_INTEGER); undefined when not given. */
export function intFlag(name: string, text: string | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER, why = ''): number | undefined {
  if (text === undefined) return undefined;
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer in [${min}, ${max}]${why ? ` ${why}` : ''}, got '${String(text)}'`);
  }
  return value;
}

/** A flag's value that must be one of `allowed`. */
export function choiceFlag<T extends string>(name: string, text: string | boolean | undefined, allowed: readonly T[], why = ''): T {
  if (typeof text !== 'string' || !allowed.includes(text as T)) {
    throw new RangeError(`--${name} must be one of ${allowed.join(', ')}${why ? ` ${why}` : ''}, got '${String(text)}'`);
  }
  return text as T;
}

/**
 * Checks that the output folder `dir` (flag `--name`) exists as a writable directory or can be made
 * one, without creating anything: a path under an existing file, a device (/dev/null) or a
 * read-only or pseudo file system (/proc) is refused with a RangeError.
 */
export function checkOutputDir(name: string, dir: string): void {
  const full = path.resolve(dir);
  let existing = full;
  while (!existsSync(existing)) existing = path.dirname(existing);
  const refuse = (why: string) => new RangeError(`--${name} must be a directory this process can create or write, got '${dir}' (${why})`);
  if (!statSync(existing).isDirectory()) throw refuse(`${existing} exists and is not a directory`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw refuse(`${existing} is not writable`);
  }
  // procfs and sysfs accept no new entries, whatever their permission bits say.
  if (existing !== full && /^\/(proc|sys)(\/|$)/.test(existing)) throw refuse(`${existing} is a kernel pseudo file system`);
}

/**
 * Creates the output folder one level at a time (a recursive mkdir loops forever on some pseudo
 * file systems); throws a RangeError naming the flag when a level cannot be made.
 */
export function makeOutputDir(name: string, dir: string): void {
  const full = path.resolve(dir);
  const missing: string[] = [];
  for (let p = full; !existsSync(p); p = path.dirname(p)) missing.unshift(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (cause) {
      throw new RangeError(`--${name}: cannot create directory ${p} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
    }
  }
  if (!statSync(full).isDirectory()) throw new RangeError(`--${name}: ${dir} is not a directory`);
}
