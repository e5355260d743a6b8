/**
 * Where the VGG-style CNN's training step spends its GPU time, kernel by kernel: the net of
 * bench/vgg-common.sh (ERK random masks at --density, CSR or --format bsrN with block masks, batch 64, SGD with
 * momentum) stepping as train() steps it (forward, loss, backwardParameters, update) on random
 * data. Prints and writes the median wall time (GPU synced) and, where the adapter has timestamps,
 * the GPU ms per kernel entry point (each dispatch timed alone, the least of `repeats` profiled
 * steps per kernel). Run it on two trees to see what a kernel change moved.
 *
 *   node scripts/run.mjs bench/vgg-step.ts --density 0.1 --repeats 5 --out F.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createContext } from '../src/gpu/context.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { buildModel } from '../src/nn/model.js';
import { Rng } from '../src/random.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { createOptimizer } from '../src/train/optimizer-spec.js';
import { leastDispatchProfile, timeRuns } from './timing.js';
import { vggConfig } from './vgg-net.js';

const BATCH = 64;
const { values } = parseArgs({ options: { density: { type: 'string', default: '0.1' }, format: { type: 'string', default: 'csr' }, repeats: { type: 'string', default: '5' }, out: { type: 'string' } } });
const density = Number(values.density);
const repeats = Number(values.repeats);
if (!(density > 0 && density <= 1)) throw new RangeError(`--density must be a number in (0, 1], got ${values.density}`);
if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be an integer >= 1, got ${values.repeats}`);
const FORMATS = { csr: undefined, bsr4: { bsr: 4 }, bsr8: { bsr: 8 }, bsr16: { bsr: 16 } } as const;
if (!(values.format in FORMATS)) throw new RangeError(`--format must be one of ${Object.keys(FORMATS).join(', ')}, got ${values.format}`);
const blocks = FORMATS[values.format as keyof typeof FORMATS];

const ctx = await createContext();
const model = buildModel(ctx, vggConfig('erk', density, blocks ? { format: blocks, blockMask: true } : {}));
const rng = new Rng(1);
const x = ctx.upload('f32', toActivationLayout(Float32Array.from({ length: BATCH * model.inFeatures }, () => rng.nextNormal()), BATCH, model.inFeatures));
const labels = ctx.upload('u32', Uint32Array.from({ length: BATCH }, (_, i) => i % 10));
const loss = new SoftmaxCrossEntropy(ctx, 10);
const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'sgd', lr: 0.01, momentum: 0.9, schedule: 'constant' }, 1000);
const step = async () => {
  await loss.forward(await model.forward(x, BATCH), labels, BATCH);
  await model.backwardParameters(loss.backward(), BATCH);
  await optimizer.step();
};
const synced = async () => {
  await step();
  await ctx.sync();
};
const { medianMs } = await timeRuns(synced, { warmup: 1, reps: repeats });
const { dispatches, byKernel, gpuMs } = await leastDispatchProfile(ctx, step, repeats);
const report = { adapter: ctx.adapterName, density, format: values.format, batch: BATCH, repeats, wallMs: medianMs, dispatches, gpuMs, byKernel };
const lines = Object.entries(byKernel)
  .sort(([, a], [, b]) => b.ms - a.ms)
  .map(([kernel, { n, ms }]) => `${kernel.padEnd(34)} ${String(n).padStart(3)} dispatches ${ms.toFixed(1).padStart(8)} ms`);
console.log(`${lines.join('\n')}\nstep: ${report.wallMs.toFixed(1)} ms wall (median of ${repeats}), ${gpuMs === undefined ? '—' : gpuMs.toFixed(1)} ms GPU, ${dispatches} dispatches; ${ctx.adapterName}`);
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 1)}\n`);
optimizer.destroy();
loss.destroy();
x.destroy();
labels.destroy();
model.destroy();
ctx.destroy();
