/**
 * The model-file fuzz run, as a standalone program so that it runs under a small heap
 * (model-files.test.ts bundles it and starts `node --max-old-space-size=512` on it): an oversized
 * allocation aborts the process and fails the test rather than slowing the machine.
 *
 * Every mutated file goes through loadModel (decodeModelFile, then mlpFromFile or cnnFromFile) with a context stand-in that
 * answers `limits` and throws ReachedGpu on any other use. A file is either refused with a typed
 * error (RangeError, TypeError or an OrthosparseError, with a message of ours, not a JavaScript
 * engine's) or reaches the GPU having passed every check; some of the latter are handed back
 * (base64) for the test to load on a real GPU and compare with what they state.
 * Prints one JSON line: counts per outcome and per mutation kind, the GPU subset, peak heap.
 */
import fc from 'fast-check';
import { OrthosparseError } from '../../src/errors.js';
import type { Context } from '../../src/gpu/context.js';
import { loadModel } from '../../src/nn/model.js';
import { decodeModelFile } from '../../src/nn/model-file.js';
import { bitFlipped, csrEdited, headerEdited, truncated } from './mutations.js';

class ReachedGpu extends Error {}

/** WebGPU's default limits: what any device offers at least. */
const LIMITS = { maxStorageBufferBindingSize: 134_217_728, maxBufferSize: 268_435_456, maxComputeWorkgroupsPerDimension: 65_535 };

const probe = new Proxy(
  {},
  {
    get(_target, key) {
      if (key === 'limits') return LIMITS;
      throw new ReachedGpu(String(key));
    },
  },
) as Context;

/** Messages a JavaScript engine writes for a bug rather than a refusal. */
const ENGINE_MESSAGES = /Cannot (read|set) propert|is not a function|is not iterable|is not defined|Invalid array length|Invalid typed array length|Array buffer allocation failed|Maximum call stack|out of memory|undefined \(reading/i;

type Outcome = 'refused' | 'valid';

function outcome(bytes: Uint8Array): Outcome {
  try {
    loadModel(probe, bytes);
  } catch (error) {
    if (error instanceof ReachedGpu) return 'valid';
    const typed = error instanceof RangeError || error instanceof TypeError || error instanceof OrthosparseError;
    if (typed && !ENGINE_MESSAGES.test((error as Error).message)) return 'refused';
    throw error;
  }
  throw new Error('loadModel returned without building a layer on the GPU');
}

const RUNS = Number(process.env.FUZZ_RUNS_PER_KIND ?? 2600);
const SEED = Number(process.env.FUZZ_SEED ?? 15);
const GPU_SUBSET = 24;

const t0 = performance.now();
let peakHeap = 0;
const kinds = { truncated, bitFlipped, headerEdited, csrEdited };
const counts: Record<string, Record<Outcome, number>> = {};
const gpu: string[] = [];
for (const [name, arbitrary] of Object.entries(kinds)) {
  const count = { refused: 0, valid: 0 };
  counts[name] = count;
  fc.assert(
    fc.property(arbitrary, (bytes) => {
      const o = outcome(bytes);
      count[o]++;
      // The GPU check loads MLPs; truncations and bit flips that still load are mostly the base files.
      const mlp = o === 'valid' && (decodeModelFile(bytes).config as { kind?: unknown }).kind === 'mlp';
      if (mlp && gpu.length < GPU_SUBSET && (name === 'headerEdited' || name === 'csrEdited' || gpu.length < 4)) gpu.push(Buffer.from(bytes).toString('base64'));
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }),
    { numRuns: RUNS, seed: SEED },
  );
}
console.log(JSON.stringify({ counts, runs: RUNS * Object.keys(kinds).length, gpu, peakHeapMB: peakHeap / 2 ** 20, ms: performance.now() - t0 }));
