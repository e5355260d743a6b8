/**
 * The cost of one mask update of a CNN against one training step of the same net, in one run: the
 * VGG-style CNN of bench/vgg-common.sh (three conv-conv-pool stages of 8, 16 and 32 channels, zero
 * padding, ReLU, global average pooling; ERK masks at --density, Adam, batch 64) on one MNIST batch.
 * Medians (and least) of wall time, GPU synced, of a sparse training step, a dense one (the same net
 * with dense Gaussian filters), a SET update and a RigL update of every sparse convolution
 * (fraction 0.3), and RigL's dense conv weight gradients alone (of the convolutions an update
 * moves). Where the adapter has timestamps, also the GPU time of a step and of each update by
 * kernel entry point (each dispatch timed alone; the least over `repeats` profiled runs), which
 * splits RigL's update into its dense gradients and the rest without the wall clock's noise.
 * With --format bsrN the sparse net stores its convolutions in blocks of N, its ERK masks drawn as
 * whole blocks (blockMask), and the updates move whole blocks.
 *
 *   node scripts/run.mjs bench/dst-conv-timing.ts --density 0.1 --repeats 5 --out bench/vgg-dst/timing-0.1.json
 *   node scripts/run.mjs bench/dst-conv-timing.ts --density 0.1 --format bsr4 --repeats 5 --out bench/vgg-dst/timing-0.1-bsr4.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMnistDatasets } from '../src/cli/mnist-node.js';
import { dstLayers, DynamicSparsity } from '../src/dst/dynamic.js';
import { createContext } from '../src/gpu/context.js';
import { channelSumsKernel } from '../src/kernels/channel-sums.js';
import { convDenseKernel } from '../src/kernels/conv-dense.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { buildModel, type CnnModelConfig } from '../src/nn/model.js';
import type { SparseConv2d } from '../src/nn/sparse-conv2d.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { createOptimizer } from '../src/train/optimizer-spec.js';
import { leastDispatchProfile, timeRuns } from './timing.js';
import { vggConfig } from './vgg-net.js';

const BATCH = 64;
const { values } = parseArgs({ options: { density: { type: 'string', default: '0.1' }, format: { type: 'string', default: 'csr' }, repeats: { type: 'string', default: '5' }, out: { type: 'string' } } });
const density = Number(values.density);
const repeats = Number(values.repeats);
if (!(density > 0 && density < 1)) throw new RangeError(`--density must be a number in (0, 1), got ${values.density}`);
if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`--repeats must be an integer >= 1, got ${values.repeats}`);
const FORMATS = { csr: undefined, bsr4: { bsr: 4 }, bsr8: { bsr: 8 }, bsr16: { bsr: 16 } } as const;
if (!(values.format in FORMATS)) throw new RangeError(`--format must be one of ${Object.keys(FORMATS).join(', ')}, got ${values.format}`);
const blocks = FORMATS[values.format as keyof typeof FORMATS];

const vgg = (init: CnnModelConfig['init']) => vggConfig(init, density, blocks && init !== 'dense-gaussian' ? { format: blocks, blockMask: true } : {});

const ctx = await createContext();
const data = await loadMnistDatasets({ trainLimit: BATCH });
const x = ctx.upload('f32', toActivationLayout(data.train.inputs, BATCH, 784));
const labels = ctx.upload('u32', Uint32Array.from(data.train.labels));
const rows: Record<string, unknown> = {};
/** Median and least of `repeats` runs, GPU synced, after a warm-up one (pipelines compiled); load on a shared machine only adds to the least. */
async function record(name: string, work: () => Promise<void>): Promise<number> {
  const { medianMs, samplesMs } = await timeRuns(async () => {
    await work();
    await ctx.sync();
  }, { reps: repeats });
  rows[`${name}Ms`] = medianMs;
  rows[`${name}MinMs`] = Math.min(...samplesMs);
  return medianMs;
}

/** GPU ms of `work` per kernel entry point (the least over `repeats` profiled runs) and in all, where the adapter has timestamps. */
async function profile(name: string, work: () => Promise<void>): Promise<Record<string, number> | undefined> {
  if (!ctx.hasTimestamps) return undefined;
  const least = await leastDispatchProfile(ctx, work, repeats);
  const byKernel = Object.fromEntries(Object.entries(least.byKernel).map(([key, { ms }]) => [key, ms]));
  rows[`${name}GpuMsByKernel`] = byKernel;
  rows[`${name}GpuMs`] = least.gpuMs;
  return byKernel;
}

try {
  const steps: Record<string, number> = {};
  for (const arm of ['sparse', 'dense'] as const) {
    const model = buildModel(ctx, vgg(arm === 'dense' ? 'dense-gaussian' : 'erk'));
    const loss = new SoftmaxCrossEntropy(ctx, 10);
    const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'adam', lr: 0.005, schedule: 'constant' }, 1000);
    const step = async () => {
      const logits = await model.forward(x, BATCH);
      await loss.forward(logits, labels, BATCH);
      await model.backwardParameters(loss.backward(), BATCH);
      await optimizer.step();
    };
    steps[arm] = await record(`${arm}Step`, step);
    if (arm === 'sparse') await profile('sparseStep', step);
    if (arm === 'sparse') {
      const layers = dstLayers(model) as SparseConv2d[];
      rows.layers = layers.map((l) => ({ cOut: l.cOut, ...l.shape, nnz: l.mask.colIdx.length, density: l.density }));
      // The gradients RigL computes: those of the layers it moves (ERK keeps the first one dense, which an update leaves as it is).
      const moving = layers.filter((l) => l.density < 1);
      const gradients = moving.map((l) => ctx.zeros('f32', l.cOut * l.shape.cIn * l.shape.kh * l.shape.kw));
      const gradient = await record('riglGradient', async () => {
        for (const [i, l] of moving.entries()) await l.denseWeightGradInto(gradients[i]!);
      });
      for (const g of gradients) g.destroy();
      for (const method of ['set', 'rigl'] as const) {
        const dst = new DynamicSparsity(ctx, layers, { method, every: 1, fraction: 0.3, until: 1000 }, (v) => optimizer.stateOf(v));
        let i = 0;
        const work = async () => void (await dst.update(0.3, ++i));
        const update = await record(`${method}Update`, work);
        rows[`${method}UpdatePerStep`] = update / steps.sparse!;
        if (method === 'rigl') rows.riglOutsideGradientPerStep = (update - gradient) / steps.sparse!;
        const gpu = await profile(`${method}Update`, work);
        if (gpu && method === 'rigl') {
          // The dense conv weight gradient's passes (its products, and the sums of their split
          // partials), and everything else the update dispatches.
          const dense = Object.entries(gpu).filter(([key]) => [convDenseKernel, channelSumsKernel].some((k) => key.startsWith(`${k.name}:`)));
          const gradientMs = dense.reduce((a, [, ms]) => a + ms, 0);
          rows.riglGradientGpuMs = gradientMs;
          rows.riglOutsideGradientGpuPerStep = ((rows.riglUpdateGpuMs as number) - gradientMs) / (rows.sparseStepGpuMs as number);
          rows.riglGradientGpuPerStep = gradientMs / (rows.sparseStepGpuMs as number);
        }
        dst.destroy();
      }
    }
    optimizer.destroy();
    loss.destroy();
    model.destroy();
  }
  rows.sparseStepSpeedup = steps.dense! / steps.sparse!;
  const result = { density, format: values.format, batch: BATCH, repeats, adapter: ctx.adapterName, ...rows };
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 1));
  console.log(JSON.stringify(result, null, 1));
} finally {
  x.destroy();
  labels.destroy();
  ctx.destroy();
}
