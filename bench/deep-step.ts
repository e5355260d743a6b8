/**
 * Where a deep MLP's training step spends its time:
 * `node scripts/run.mjs bench/deep-step.ts [--depth 1000] [--steps 5] [--out FILE.json]`.
 * For the EOI paper's deep tanh MLP (width 128, density 0.125, batch 128) it measures, per step:
 * wall time; the host's share (JavaScript and WebGPU encoding, until the step's last dispatch is
 * encoded); the wait for the device to finish; dispatches, submits and readbacks (round trips);
 * and, where the adapter has timestamps, GPU time summed over compute passes, by kernel. Both with
 * the activations fused into the sparse passes (Sequential's default) and without (the same layers
 * in a Sequential with fuseActivations: false), steps interleaved. On a software adapter the "device" shares the CPU with the host, so host and device times add
 * up rather than overlap.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as lib from '../src/index.js';

const { values: args } = parseArgs({
  options: { depth: { type: 'string', default: '1000' }, steps: { type: 'string', default: '5' }, out: { type: 'string' } },
});
const DEPTH = Number(args.depth);
const STEPS = Number(args.steps);
const BATCH = 128;
const WIDTH = 128;

const ctx = await lib.createContext();
const model = lib.buildMlp(ctx, { inputs: 784, width: WIDTH, depth: DEPTH, classes: 10, density: 0.125, init: 'eoi', activation: 'tanh', sigmaW: 1.0247, sigmaB: 0.00448, seed: 0 });
const loss = new lib.SoftmaxCrossEntropy(ctx, 10);
const optimizer = new lib.Sgd(ctx, model.parameters(), { lr: 1e-4, momentum: 0.9 });
const x = ctx.upload('f32', new Float32Array(784 * lib.featureMajorStride(BATCH)).fill(0.1), 'x');
const labels = ctx.upload('u32', new Uint32Array(BATCH), 'labels');

const fused = model;
const unfused = new lib.Sequential(model.layers, { fuseActivations: false });

async function step(net: lib.Sequential): Promise<void> {
  const logits = await net.forward(x, BATCH);
  await loss.forward(logits, labels, BATCH);
  await net.backwardParameters(loss.backward(), BATCH);
  await optimizer.step();
}

// Counts of what one step asks of the device, by wrapping the context's entry points.
const counts = { dispatches: 0, submits: 0, reads: 0 };
const queue = ctx.device.queue;
const submit = queue.submit.bind(queue);
queue.submit = (buffers) => {
  counts.submits++;
  submit(buffers);
};
const dispatch = ctx.dispatch.bind(ctx);
ctx.dispatch = (kernel, dispatchArgs) => {
  counts.dispatches++;
  return dispatch(kernel, dispatchArgs);
};
const readAll = ctx.readAll.bind(ctx);
ctx.readAll = (tensors) => {
  counts.reads++;
  return readAll(tensors);
};

interface Totals {
  wallMs: number;
  hostMs: number;
  waitMs: number;
  dispatches: number;
  submits: number;
  reads: number;
}
const zero = (): Totals => ({ wallMs: 0, hostMs: 0, waitMs: 0, dispatches: 0, submits: 0, reads: 0 });
const variants = { unfused: { net: unfused, totals: zero() }, fused: { net: fused, totals: zero() } };

/** One step of `net`, host and device time split at the last encoded dispatch. */
async function timedStep(net: lib.Sequential, totals: Totals): Promise<void> {
  counts.dispatches = counts.submits = counts.reads = 0;
  const tHost = performance.now();
  await step(net);
  ctx.flush();
  const tWait = performance.now();
  await ctx.sync();
  const tEnd = performance.now();
  totals.hostMs += tWait - tHost;
  totals.waitMs += tEnd - tWait;
  totals.wallMs += tEnd - tHost;
  totals.dispatches += counts.dispatches;
  totals.submits += counts.submits;
  totals.reads += counts.reads;
}

for (const { net } of Object.values(variants)) {
  await step(net); // compiles every pipeline
  await ctx.sync();
}
// Interleaved, so a machine whose load changes during the run biases neither variant.
for (let s = 0; s < STEPS; s++) {
  for (const { net, totals } of Object.values(variants)) await timedStep(net, totals);
}

/** GPU time of one more step, every compute pass timed on its own, by kernel. */
async function gpuTimes(net: lib.Sequential): Promise<Record<string, number> | undefined> {
  if (!ctx.hasTimestamps) return undefined;
  const byKernel: Record<string, number> = {};
  ctx.dispatch = async (kernel, dispatchArgs) => {
    const ms = await ctx.timeGpu(() => dispatch(kernel, dispatchArgs));
    byKernel[kernel.name] = (byKernel[kernel.name] ?? 0) + ms;
  };
  try {
    await step(net);
  } finally {
    ctx.dispatch = dispatch;
  }
  return byKernel;
}

const perStep = async (name: keyof typeof variants) => {
  const { net, totals: t } = variants[name];
  const gpuMsByKernel = await gpuTimes(net);
  return {
    wallMsPerStep: t.wallMs / STEPS,
    hostMsPerStep: t.hostMs / STEPS,
    waitMsPerStep: t.waitMs / STEPS,
    samplesPerSecond: (BATCH * 1000 * STEPS) / t.wallMs,
    dispatchesPerStep: t.dispatches / STEPS,
    submitsPerStep: t.submits / STEPS,
    readsPerStep: t.reads / STEPS,
    hostUsPerDispatch: (1000 * t.hostMs) / t.dispatches,
    gpuMsPerStep: gpuMsByKernel && Object.values(gpuMsByKernel).reduce((sum, ms) => sum + ms, 0),
    gpuMsByKernel,
  };
};
const result = {
  adapter: ctx.adapterName,
  date: new Date().toISOString().slice(0, 10),
  model: `${DEPTH}-layer EOI tanh MLP, width ${WIDTH}, density 0.125, batch ${BATCH}`,
  steps: STEPS,
  unfused: await perStep('unfused'),
  fused: await perStep('fused'),
};
console.log(JSON.stringify(result, null, 2));
if (args.out) writeFileSync(args.out, JSON.stringify(result, null, 2));
for (const t of [x, labels]) t.destroy();
optimizer.destroy();
loss.destroy();
model.destroy();
ctx.destroy();
