/**
 * What skipping the bottom layer's input gradient saves per training step, in one run: a step
 * whose backward pass is `backward()` (every layer's dL/dx, the model input's included) against
 * one with `backwardParameters()` (the bottom layer computes its parameter gradients only), as
 * train() now runs it. Nets: LeNet-300-100 (784-300-100-10, ERK random masks, batch 128) at
 * densities 0.1 and 0.02 and dense; the VGG-style CNN of bench/vgg-common.sh (ERK at 0.1, batch
 * 64). The two forms alternate round by round on the same model; per form the median wall time
 * (GPU synced), the dispatch count, and where the adapter has timestamps the GPU time of a step
 * (each dispatch timed alone, the least of `repeats` profiled steps per kernel, summed).
 *
 *   node scripts/run.mjs bench/bottom-grad.ts --repeats 7 --out bench/results/bottom-grad.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createContext } from '../src/gpu/context.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { buildModel } from '../src/nn/model.js';
import type { Sequential } from '../src/nn/sequential.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { createOptimizer } from '../src/train/optimizer-spec.js';
import { Rng } from '../src/random.js';
import { buildNet, denseWeights, sparseWeights } from './dst-net.js';
import { leastDispatchProfile, median } from './timing.js';
import { vggConfig } from './vgg-net.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '7' }, out: { type: 'string' } } });
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be an integer >= 1, got ${values.repeats}`);

const ctx = await createContext();
const FORMS = ['backward', 'backwardParameters'] as const;
const rows: Array<Record<string, unknown>> = [];

/** Times one net's step in both forms, alternating; the model is trained throughout (SGD, momentum 0.9). */
async function measure(name: string, model: Sequential, batch: number): Promise<void> {
  const rng = new Rng(1);
  const x = ctx.upload('f32', toActivationLayout(Float32Array.from({ length: batch * model.inFeatures }, () => rng.nextNormal()), batch, model.inFeatures));
  const labels = ctx.upload('u32', Uint32Array.from({ length: batch }, (_, i) => i % 10));
  const loss = new SoftmaxCrossEntropy(ctx, 10);
  const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'sgd', lr: 0.01, momentum: 0.9, schedule: 'constant' }, 1000);
  const step = (form: (typeof FORMS)[number]) => async () => {
    await loss.forward(await model.forward(x, batch), labels, batch);
    if (form === 'backward') await model.backward(loss.backward(), batch);
    else await model.backwardParameters(loss.backward(), batch);
    await optimizer.step();
  };
  try {
    const wall: Record<string, number[]> = { backward: [], backwardParameters: [] };
    for (const form of FORMS) await step(form)();
    await ctx.sync();
    for (let r = 0; r < repeats; r++) {
      for (const form of FORMS) {
        const t0 = performance.now();
        await step(form)();
        await ctx.sync();
        wall[form]!.push(performance.now() - t0);
      }
    }
    for (const form of FORMS) {
      const { dispatches, gpuMs } = await leastDispatchProfile(ctx, step(form), repeats);
      rows.push({ net: name, batch, form, wallMs: median(wall[form]!), dispatches, gpuMs });
    }
  } finally {
    optimizer.destroy();
    loss.destroy();
    x.destroy();
    labels.destroy();
    model.destroy();
  }
}

try {
  await measure('LeNet-300-100, dense', buildNet(ctx, denseWeights(0), true), 128);
  for (const density of [0.1, 0.02]) await measure(`LeNet-300-100, ERK ${density}, CSR`, buildNet(ctx, await sparseWeights('random', density, 0), false), 128);
  await measure('VGG CNN, ERK 0.1, CSR', buildModel(ctx, vggConfig('erk', 0.1)), 64);
  const lines = ['| net | batch | dL/dx of the input | wall ms (median) | GPU ms | dispatches |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.net} | ${r.batch} | ${r.form === 'backward' ? 'computed (backward)' : 'skipped (backwardParameters)'} | ${(r.wallMs as number).toFixed(1)} | ${r.gpuMs === undefined ? '—' : (r.gpuMs as number).toFixed(1)} | ${r.dispatches} |`);
  const report = { adapter: ctx.adapterName, repeats, rows };
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 1));
  console.log(`${lines.join('\n')}\n\nAdapter: ${ctx.adapterName}; ${repeats} alternating rounds.`);
} finally {
  ctx.destroy();
}
