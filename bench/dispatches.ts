/**
 * Compute dispatches per training step, by kernel, for the 100-layer MLP of the main job and for
 * the deep CNN: `node scripts/run.mjs bench/dispatches.ts [--out bench/results/dispatches.json]`.
 * Counts every ctx.dispatch of a few steps of train() on a synthetic batch (the count does not
 * depend on the values), divided by the steps, with GPU time per kernel where the adapter has
 * timestamps. Only public entry points are used, so the same file measures an older checkout too.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as lib from '../src/index.js';

const { values: args } = parseArgs({ options: { out: { type: 'string' }, steps: { type: 'string', default: '3' } } });
const STEPS = Number(args.steps);
const BATCH = 128;

interface Count {
  model: string;
  layers: number;
  dispatches: number;
  perLayer: number;
  byKernel: Record<string, number>;
  gpuMsPerStep?: number;
  gpuMsByKernel?: Record<string, number>;
}

async function countSteps(ctx: lib.Context, name: string, model: lib.Sequential, features: number, classes: number): Promise<Count> {
  const data = { count: BATCH, features, inputs: new Float32Array(BATCH * features).fill(0.1), labels: new Uint8Array(BATCH) };
  const loss = new lib.SoftmaxCrossEntropy(ctx, classes);
  const optimizer = new lib.Sgd(ctx, model.parameters(), { lr: 0.001, momentum: 0.9 });
  const byKernel: Record<string, number> = {};
  const dispatch = ctx.dispatch.bind(ctx);
  const run = () => lib.train(ctx, { model, loss, optimizer, train: data, batchSize: BATCH, epochs: STEPS, logEvery: 1000 });
  try {
    await run(); // compiles every pipeline
    ctx.dispatch = async (kernel, dispatchArgs) => {
      byKernel[kernel.name] = (byKernel[kernel.name] ?? 0) + 1;
      return dispatch(kernel, dispatchArgs);
    };
    await run();
    ctx.dispatch = dispatch;
    for (const k of Object.keys(byKernel)) byKernel[k]! /= STEPS;
    const dispatches = Object.values(byKernel).reduce((s, n) => s + n, 0);
    const layers = model.layers.filter((l) => l.parameters().length > 0).length;
    const count: Count = { model: name, layers, dispatches, perLayer: dispatches / layers, byKernel };
    if (ctx.hasTimestamps) {
      // One more step with every dispatch timed on its own: GPU time per kernel.
      const gpuMsByKernel: Record<string, number> = {};
      ctx.dispatch = async (kernel, dispatchArgs) => {
        const ms = await ctx.timeGpu(() => dispatch(kernel, dispatchArgs));
        gpuMsByKernel[kernel.name] = (gpuMsByKernel[kernel.name] ?? 0) + ms;
      };
      await lib.train(ctx, { model, loss, optimizer, train: data, batchSize: BATCH, epochs: 1, logEvery: 1000 });
      count.gpuMsByKernel = gpuMsByKernel;
      count.gpuMsPerStep = Object.values(gpuMsByKernel).reduce((s, ms) => s + ms, 0);
    }
    return count;
  } finally {
    ctx.dispatch = dispatch;
    optimizer.destroy();
    loss.destroy();
  }
}

const ctx = await lib.createContext();
const results: Count[] = [];
const mlp = lib.buildMlp(ctx, { inputs: 784, width: 128, depth: 100, classes: 10, density: 0.125, init: 'eoi', activation: 'tanh', sigmaW: 1.0247, sigmaB: 0.00448, seed: 0 });
results.push(await countSteps(ctx, '100-layer EOI MLP, width 128, batch 128', mlp, 784, 10));
mlp.destroy();
const cnnLib = lib as unknown as { buildCnn?: (ctx: lib.Context, config: unknown) => lib.Sequential };
if (cnnLib.buildCnn) {
  const cnn = cnnLib.buildCnn(ctx, { inputShape: [1, 28, 28], stem: 2, depth: 100, channels: 32, kernel: 3, paddingMode: 'circular', classes: 10, density: 0.125, init: 'eoi', activation: 'tanh', sigmaW: 1.0247, sigmaB: 0.00448, seed: 0 });
  results.push(await countSteps(ctx, 'EOI CNN, 2 + 100 convolutions of 32 channels, batch 128', cnn, 784, 10));
  cnn.destroy();
}
console.log(`adapter: ${ctx.adapterName}`);
for (const r of results) {
  console.log(`${r.model}: ${r.dispatches} dispatches per step over ${r.layers} parametrised layers (${r.perLayer.toFixed(2)} per layer)${r.gpuMsPerStep ? `, ${r.gpuMsPerStep.toFixed(0)} ms GPU per step` : ''}`);
  console.log(`  ${Object.entries(r.byKernel).map(([k, n]) => `${k} ${n}${r.gpuMsByKernel ? ` (${r.gpuMsByKernel[k]!.toFixed(0)} ms)` : ''}`).join(', ')}`);
}
if (args.out) writeFileSync(args.out, JSON.stringify({ adapter: ctx.adapterName, date: new Date().toISOString().slice(0, 10), results }, null, 2));
ctx.destroy();
