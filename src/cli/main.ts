#!/usr/bin/env node
/** The `orthosparse` command line: `orthosparse <command> [options]`. */
import { COMPARE_USAGE, compareCommand } from './compare-command.js';
import { TRAIN_USAGE, trainCommand } from './train-command.js';

const COMMANDS: Record<string, { usage: string; run: (argv: string[]) => Promise<unknown> }> = {
  train: { usage: TRAIN_USAGE, run: trainCommand },
  compare: { usage: COMPARE_USAGE, run: compareCommand },
};

const [command, ...argv] = process.argv.slice(2);
const entry = command ? COMMANDS[command] : undefined;
if (!entry || argv.includes('--help')) {
  console.log(entry?.usage ?? `usage: orthosparse <${Object.keys(COMMANDS).join(' | ')}> [options]\n\n${Object.values(COMMANDS).map((c) => c.usage).join('\n\n')}`);
  process.exit(entry || command === undefined || command === '--help' ? 0 : 2);
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
