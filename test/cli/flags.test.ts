// The command line as a user meets it, no GPU needed: every flag is checked (message naming the flag
// and its range, exit status 2, no stack trace) before any data loads or any folder is made; help
// and --version exit 0; an unknown command says so. The CLI runs as one bundled process per case.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.mjs';
import { MNIST_FILES } from '../../src/cli/mnist-node.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-flags-'));
// Next to the scripts, so node_modules resolves from the bundle (the name is git-ignored).
const cli = path.resolve(`scripts/.cli-flags.${process.pid}.tmp.mjs`);
beforeAll(async () => {
  await bundle({ entry: 'src/cli/main.ts', outfile: cli, platform: 'node', external: ['wgsl_reflect', 'webgpu', 'puppeteer-core', 'cli-progress'] });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cli, { force: true });
  rmSync(`${cli}.map`, { force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A data folder without the IDX files: a flag error must come before the data check. */
const noData = path.join(dir, 'no-data');
mkdirSync(noData);

function expectRefused(args: string[], message: RegExp, env: Record<string, string> = {}) {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = run([...args, ...(args.includes('--out') ? [] : ['--out', out]), ...(args.includes('--data-dir') ? [] : ['--data-dir', noData])], env);
  expect(r.signal).toBeNull();
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stdout).not.toContain('MNIST:');
  expect(existsSync(out)).toBe(false);
}

describe('orthosparse (no command, help, version)', () => {
  it('--version prints the package version and exits 0', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('-h, --help and no command print the usage of every command and exit 0', () => {
    for (const args of [['-h'], ['--help'], []]) {
      const r = run(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('orthosparse train [options]');
      expect(r.stdout).toContain('orthosparse compare');
    }
  });

  it('train -h and compare --help print that command usage and exit 0', () => {
    expect(run(['train', '-h'])).toMatchObject({ status: 0, stdout: expect.stringContaining('--max-steps N') });
    expect(run(['compare', '--help'])).toMatchObject({ status: 0, stdout: expect.stringContaining('--densities LIST') });
  });

  it('an unknown command gets an "unknown command" line and exit 2', () => {
    const r = run(['trian', '--depth', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^orthosparse: unknown command 'trian'$/m);
  });
});

describe('orthosparse train: every flag checked before any data or folder', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--density', '2'], /--density must be a number in \(0, 1\], got '2'/],
    [['--density', '0'], /--density must be a number in \(0, 1\], got '0'/],
    [['--density', '0.001'], /--density must be a number in \[0\.0078125, 1\] with --init eoi/],
    // The MLP's depth counts linear layers (at least 2); a CNN's counts convolutions (at least 1).
    [['--depth', '0'], /--depth must be an integer in \[2, \d+\] with --model mlp/],
    [['--depth', '1'], /--depth must be an integer in \[2, \d+\] with --model mlp/],
    [['--model', 'cnn', '--depth', '0'], /--depth must be an integer in \[1, 100000\] with --model cnn/],
    [['--depth', '2.5'], /--depth must be an integer/],
    [['--width', 'wide'], /--width must be an integer in \[1, \d+\], got 'wide'/],
    [['--batch', '0'], /--batch must be an integer in \[1, \d+\], got '0'/],
    [['--batch', '300', '--train-limit', '256'], /--batch must be an integer in \[1, 256\] \(at most --train-limit\), got '300'/],
    [['--max-steps', '0'], /--max-steps must be an integer in \[1, \d+\], got '0'/],
    [['--epochs', '-2'], /--epochs must be an integer in \[1, \d+\], got '-2'/],
    // A negative value is read as the flag's value (node's parseArgs alone calls it ambiguous).
    [['--lr', '-1'], /--lr must be a number in \(0, ∞\), got '-1'/],
    [['--lr', 'fast'], /--lr must be a number in \(0, ∞\), got 'fast'/],
    [['--sigma-b', '-0.5'], /--sigma-b must be a number in \[0, ∞\), got '-0.5'/],
    [['--sigma-w', '0'], /--sigma-w must be a number in \(0, ∞\), got '0'/],
    [['--momentum', '1'], /--momentum must be a number in \[0, 1\), got '1'/],
    [['--label-smoothing', '1.5'], /--label-smoothing must be a number in \[0, 1\), got '1.5'/],
    [['--seed', '-1'], /--seed must be an integer in \[0, \d+\], got '-1'/],
    [['--train-limit', '0'], /--train-limit must be an integer in \[1, \d+\], got '0'/],
    [['--test-limit', 'all'], /--test-limit must be an integer in \[1, \d+\], got 'all'/],
    [['--model', 'rnn'], /--model must be one of mlp, cnn, got 'rnn'/],
    [['--init', 'zeros'], /--init must be one of eoi, .* with --model mlp, got 'zeros'/],
    [['--activation', 'gelu2'], /--activation must be one of .*tanh.*, got 'gelu2'/],
    [['--optimizer', 'lamb'], /--optimizer must be one of sgd, adam, adamw, got 'lamb'/],
    [['--schedule', 'linear'], /--schedule must be one of constant, cosine, step, got 'linear'/],
    [['--format', 'bsr3'], /--format must be one of csr, bsr4, .*, got 'bsr3'/],
    [['--weight-scale', 'he'], /--weight-scale must be one of fan-in, xavier, got 'he'/],
    [['--model', 'cnn', '--kernel', '4'], /--kernel must be odd/],
    [['--model', 'cnn', '--channels', '0'], /--channels must be an integer in \[1, 4096\], got '0'/],
    [['--model', 'cnn', '--stem', '17'], /--stem must be an integer in \[0, 16\], got '17'/],
    [['--model', 'cnn', '--stem', '6'], /--model cnn: stem must leave at least one pixel/],
    [['--model', 'cnn', '--padding', 'reflect'], /--padding must be one of zeros, circular, got 'reflect'/],
    [['--model', 'cnn', '--architecture', 'resnet'], /--architecture must be one of vanilla, vgg, got 'resnet'/],
    [['--model', 'cnn', '--readout', 'max'], /--readout must be one of global-average, flatten, got 'max'/],
    [['--model', 'cnn', '--format', 'bsr32'], /--format must be one of csr, bsr4, bsr8, bsr16 with --model cnn, got 'bsr32'/],
    [['--lr'], /--lr needs a value/],
    [['--browser=yes'], /--browser takes no value/],
    [['--bogus', '1'], /unknown option '--bogus'/],
    [['extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of cases) {
    it(`refuses ${args.join(' ')}`, () => expectRefused(['train', ...args], message));
  }

  it('refuses an --out it cannot create as a directory, quickly and without a stack trace', () => {
    expectRefused(['train', '--out', '/proc/orthosparse-x'], /--out must be a directory .* got '\/proc\/orthosparse-x' \(\/proc is a kernel pseudo file system\)/);
    expectRefused(['train', '--out', '/dev/null'], /--out must be a directory .* got '\/dev\/null' \(\/dev\/null exists and is not a directory\)/);
    expectRefused(['train', '--out', '/dev/null/sub'], /\/dev\/null exists and is not a directory/);
  });

  it('names what is missing from a --data-dir, before making --out', () => {
    expectRefused(['train', '--data-dir', path.join(dir, 'absent')], /--data-dir must be a folder holding train-images-idx3-ubyte, .* \(not a folder\)/);
    expectRefused(['train'], new RegExp(`--data-dir '${noData.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' lacks ${MNIST_FILES.join(', ')}`));
  });

  it('--browser says what it lacks (here: a Chromium binary and the page bundle), before any data loads', () => {
    const out = path.join(dir, 'browser-out');
    const r = run(['train', '--browser', '--out', out], { CHROMIUM_PATH: path.join(dir, 'no-chromium') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--browser needs a Chromium at .*no-chromium \(apt-get install chromium, or set CHROMIUM_PATH\) and the page bundle .*browser-train\.js/);
    expect(r.stdout).not.toContain('MNIST:');
    expect(existsSync(out)).toBe(false);
  });
});

describe('orthosparse compare: its lists checked too', () => {
  it('refuses bad --densities and --seeds entries and train flags, naming them', () => {
    expectRefused(['compare', '--densities', '0.1,0'], /--densities must be a number in \(0, 1\] \(each\), got '0'/);
    expectRefused(['compare', '--seeds', '1,-1'], /--seeds must be an integer in \[0, \d+\] \(each\), got '-1'/);
    expectRefused(['compare', '--batch', '0'], /--batch must be an integer/);
    expectRefused(['compare', '--browser'], /--browser is a train option/);
  });
});
