/**
 * Training leaks nothing: many steps of a small sparse MLP keep ctx.liveBuffers exactly flat and
 * the process's resident memory flat (Node; the page reports none), and destroying the model,
 * loss and optimizer brings the count back to where it started (buffers a kernel keeps per
 * context, made on first use, are made by a warm-up step before counting).
 */
import { expect, it } from 'vitest';
import type { MlpConfig } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import { describeGpu } from '../harness/gpu.js';
import { randomFloat32 } from '../harness/tolerance.js';

const CONFIG: MlpConfig = { inputs: 8, width: 8, depth: 3, classes: 3, density: 0.5, init: 'eoi', activation: 'tanh', sigmaW: 1, sigmaB: 0.05, seed: 4 };
const STEPS = 1000;
const CHUNKS = 10;

describeGpu('validation', (run) => {
  it(`${STEPS * CHUNKS} training steps keep the live GPU buffer count and RSS flat`, async () => {
    const rng = new Rng(2);
    const data = { count: 64, features: 8, inputs: randomFloat32(rng, 64 * 8), labels: Uint32Array.from({ length: 64 }, (_, i) => i % 3) };
    const r: { live: number[]; resident: Array<{ rss: number } | null>; losses: number[]; liveAfterDestroy: number } = await run('steadyTraining', { config: CONFIG, data, steps: STEPS, chunks: CHUNKS });
    // Every call of train() ends with the model's, loss's and optimizer's buffers and nothing else.
    expect(new Set(r.live).size).toBe(1);
    expect(r.live[0]).toBeGreaterThan(0);
    expect(r.liveAfterDestroy).toBe(0);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    if (r.resident[0] !== null) {
      // After the first chunk (pipelines compiled, pools warm) the resident size wanders, with
      // single readings up to ~65 MiB above it on a loaded machine (garbage collection comes late);
      // a native buffer made and freed per dispatch (as uniforms once were) grew it by about 10 MiB
      // per 1000 steps, every reading higher than the last. So the least of the last three readings
      // is compared: a leak puts it ~70 MiB up, past 48 MiB; a late collection does not.
      const resident = r.resident.map((m) => m!.rss);
      expect(Math.min(...resident.slice(-3)) - resident[0]!).toBeLessThan(48 * 2 ** 20);
    }
  });
});
