#!/usr/bin/env node
/** The `orthosparse` command line: `orthosparse <command> [options]`. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPARE_USAGE, compareCommand } from './compare-command.js';
import { TRAIN_USAGE, trainCommand } from './train-command.js';

const COMMANDS: Record<string, { usage: string; run: (argv: string[]) => Promise<unknown> }> = {
  train: { usage: TRAIN_USAGE, run: trainCommand },
  compare: { usage: COMPARE_USAGE, run: compareCommand },
};
const USAGE = `usage: orthosparse <${Object.keys(COMMANDS).join(' | ')}> [options]   (orthosparse <command> --help, orthosparse --version)`;
/** The version in the package.json of the orthosparse package this file belongs to (dist/cli.js or a source run). */
function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'orthosparse') return pkg.version ?? 'unknown';
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
const isHelp = (arg: string) => arg === '--help' || arg === '-h';

const [command, ...argv] = process.argv.slice(2);
if (command === undefined || isHelp(command)) {
  console.log(`${USAGE}\n\n${Object.values(COMMANDS).map((c) => c.usage).join('\n\n')}`);
  process.exit(0);
}
if (command === '--version' || command === '-v') {
  console.log(packageVersion());
  process.exit(0);
}
const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]! : undefined;
if (!entry) {
  console.error(`orthosparse: unknown command '${command}'\n${USAGE}`);
  process.exit(2);
}
if (argv.some(isHelp)) {
  console.log(entry.usage);
  process.exit(0);
}
try {
  await entry.run(argv);
} catch (error) {
  // Argument errors are the user's to fix: the message alone says what and where.
  if (error instanceof RangeError || error instanceof TypeError) {
    console.error(`orthosparse ${command}: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
