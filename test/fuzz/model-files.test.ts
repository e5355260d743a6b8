/**
 * Model-file fuzzing: over 10,000 mutated files (model-files.fuzz.ts) through decodeModelFile and
 * mlpFromFile in a child process with a 512 MB heap, each refused with a typed error or valid;
 * then a subset of the valid ones loaded on the GPU (both backends) and compared with what they state.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../scripts/bundle.mjs';
import { describeGpu } from '../harness/gpu.js';

interface FuzzResult {
  counts: Record<string, { refused: number; valid: number }>;
  runs: number;
  gpu: string[];
  peakHeapMB: number;
  ms: number;
}

let result: FuzzResult;
let childError = '';

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orthosparse-fuzz-'));
  try {
    const file = path.join(dir, 'model-files.fuzz.mjs');
    writeFileSync(file, (await bundle({ entry: path.resolve('test/fuzz/model-files.fuzz.ts'), platform: 'node', sourcemap: false })) as string);
    const child = spawnSync(process.execPath, ['--max-old-space-size=512', file], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 2 ** 20 });
    childError = `status ${child.status}, signal ${child.signal}\n${child.stderr.slice(-4000)}`;
    if (child.status === 0) result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as FuzzResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

describe('model-file fuzz', () => {
  it('10,000+ mutated files under a 512 MB heap: each refused with a typed error, or valid in every check', () => {
    expect(result, childError).toBeDefined();
    expect(result.runs).toBeGreaterThanOrEqual(10_000);
    let total = 0;
    for (const [kind, count] of Object.entries(result.counts)) {
      total += count.refused + count.valid;
      // Every kind both refuses and (from unharmed bytes) accepts something: the mutations reach the checks.
      expect(count.refused, kind).toBeGreaterThan(0);
    }
    expect(total).toBe(result.runs);
    expect(result.counts.headerEdited!.valid + result.counts.csrEdited!.valid).toBeGreaterThan(0);
    expect(result.peakHeapMB).toBeLessThan(512);
    console.log(`model-file fuzz: ${result.runs} files in ${(result.ms / 1000).toFixed(1)} s, peak heap ${result.peakHeapMB.toFixed(0)} MB`, JSON.stringify(result.counts));
  });
});

describeGpu('validation', (run) => {
  it('fuzzed files that pass every check load on the GPU equal to what they state, and free every buffer', async () => {
    expect(result, childError).toBeDefined();
    const files = result.gpu.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
    expect(files.length).toBeGreaterThan(4);
    const loads: Array<{ loaded: boolean; mismatch: string; leaked: number; refusal?: string }> = await run('loadStated', { files });
    for (const [i, r] of loads.entries()) {
      expect(r.leaked, `file ${i}`).toBe(0);
      if (r.loaded) expect(r.mismatch, `file ${i}`).toBe('');
      else expect(r.refusal, `file ${i}`).toMatch(/^BufferTooLargeError/);
    }
  });
});
