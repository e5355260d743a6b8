/**
 * The CSR sparse conv's two backward-data walks against each other and against the forward pass,
 * in one run: at stride 1 (zero padding up to kernel - 1, or size-keeping circular padding)
 * convCsrBackwardDataInto runs the flipped walk, the forward convolution of dy with the flipped,
 * transposed filter, which walks each input channel's stored entries once per pixel block; with
 * `flipped: false` it runs the general walk, which steps through all kh·kw taps per pixel block
 * and walks each tap's short row of Wᵀ. Shapes: the VGG-style CNN's convolutions (bench/vgg-net.ts:
 * 8, 16 and 32 channels at 28, 14 and 7 pixels, zero padding, batch 64) and the deep CNN's body
 * (32 channels at 7x7, 16 at 14x14, circular padding, batch 128 and 32), 3x3, uniform-random masks.
 * Per shape the three passes alternate `reps` times; GPU ms from timestamp queries (each call
 * timed alone), medians; wall ms where the adapter has no timestamps.
 *
 *   node scripts/run.mjs bench/conv-walks.ts --reps 9 --out bench/results/conv-walks.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createContext } from '../src/gpu/context.js';
import { chooseConvCsrConfig, convCsrBackwardDataInto, convCsrForwardInto, GpuConvFilter } from '../src/kernels/conv-csr.js';
import { featureMajorStride } from '../src/kernels/feature-major.js';
import { initConvFilter } from '../src/nn/conv-init.js';
import { type ConvDims, convGeometry } from '../src/sparse/conv-geometry.js';
import { median, randomValues, timeRuns } from './timing.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '9' }, out: { type: 'string' } } });
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`--reps must be an integer >= 1, got ${values.reps}`);

const vgg = (cIn: number, cOut: number, side: number, density: number) => ({ net: 'VGG', cOut, density, dims: { batch: 64, cIn, h: side, w: side, kh: 3, kw: 3, padding: 1 } });
const deep = (c: number, side: number, batch: number) => ({ net: 'deep CNN', cOut: c, density: 0.125, dims: { batch, cIn: c, h: side, w: side, kh: 3, kw: 3, padding: 1, paddingMode: 'circular' as const } });
const SHAPES: Array<{ net: string; cOut: number; density: number; dims: ConvDims }> = [
  vgg(8, 8, 28, 0.3),
  vgg(8, 16, 14, 0.3),
  vgg(16, 16, 14, 0.2),
  vgg(16, 32, 7, 0.1),
  vgg(32, 32, 7, 0.1),
  deep(32, 7, 128),
  deep(16, 14, 32),
];

const ctx = await createContext();
const adapter = ctx.adapterName;
const rows: Array<Record<string, string | number>> = [];
for (const [i, { net, cOut, density, dims }] of SHAPES.entries()) {
  const g = convGeometry(dims);
  const filter = GpuConvFilter.upload(ctx, initConvFilter({ cOut, cIn: g.cIn, kh: 3, kw: 3, density, init: 'random', gain: 1, seed: 7 + i }), g);
  const stride = featureMajorStride(g.batch);
  const x = ctx.upload('f32', randomValues(g.cIn * g.h * g.w * stride, 11 + i));
  const y = ctx.upload('f32', randomValues(cOut * g.ho * g.wo * stride, 13 + i));
  const config = chooseConvCsrConfig(g.batch);
  const passes = {
    forward: () => convCsrForwardInto(ctx, filter, x, y, g),
    flipped: () => convCsrBackwardDataInto(ctx, filter, y, x, g),
    general: () => convCsrBackwardDataInto(ctx, filter, y, x, g, { ...config, flipped: false }),
  };
  const samples: Record<keyof typeof passes, number[]> = { forward: [], flipped: [], general: [] };
  for (const run of Object.values(passes)) {
    await run();
    await ctx.sync();
  }
  for (let r = 0; r < reps; r++) {
    for (const [name, run] of Object.entries(passes) as Array<[keyof typeof passes, () => Promise<void>]>) {
      if (ctx.hasTimestamps) samples[name].push(await ctx.timeGpu(run));
      else {
        const synced = async () => {
          await run();
          await ctx.sync();
        };
        samples[name].push((await timeRuns(synced, { warmup: 0, reps: 1 })).medianMs);
      }
    }
  }
  const ms = { forward: median(samples.forward), flipped: median(samples.flipped), general: median(samples.general) };
  const shape = `${g.cIn}→${cOut} ${g.h}x${g.w} b${g.batch} ${g.paddingMode}`;
  rows.push({ net, shape, density, forwardMs: ms.forward, flippedMs: ms.flipped, generalMs: ms.general, generalOverFlipped: ms.general / ms.flipped, flippedOverForward: ms.flipped / ms.forward });
  console.log(`${net} ${shape} d=${density}: forward ${ms.forward.toFixed(2)} · backward-data flipped ${ms.flipped.toFixed(2)} · general ${ms.general.toFixed(2)} ms`);
  filter.destroy();
  x.destroy();
  y.destroy();
}
const unit = ctx.hasTimestamps ? 'GPU ms' : 'wall ms';
const table = [
  `Adapter: ${adapter}; ${unit}, medians of ${reps}, the three passes alternating.`,
  '',
  `| net | shape (cIn→cOut, image, batch, padding) | density | forward | backward-data, flipped walk | backward-data, general walk | general / flipped | flipped / forward |`,
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.net} | ${r.shape} | ${r.density} | ${(r.forwardMs as number).toFixed(2)} | ${(r.flippedMs as number).toFixed(2)} | ${(r.generalMs as number).toFixed(2)} | ${(r.generalOverFlipped as number).toFixed(2)} | ${(r.flippedOverForward as number).toFixed(2)} |`),
].join('\n');
console.log(`\n${table}`);
if (values.out) writeFileSync(values.out, `${JSON.stringify({ adapter, unit, reps, rows }, null, 2)}\n`);
ctx.destroy();
