/**
 * Dynamic sparse training on MNIST, LeNet-300-100 (784-300-100-10, ReLU): static random, static EOI,
 * SET and RigL at a given global density (ERK per-layer densities, the RigL default), and the dense
 * net, each arm one process so that a GPU lock can be taken per arm:
 *
 *   node scripts/run.mjs bench/dst.ts train --arm rigl --density 0.1 --steps 1400 --out bench/dst/rigl-0.1.json
 *   node scripts/run.mjs bench/dst.ts timing --density 0.1 --out bench/dst/timing-0.1.json
 *   node scripts/run.mjs bench/dst.ts timing --density 0.1 --format bsr8 --out bench/dst/timing-bsr8-0.1.json
 *   node scripts/run.mjs bench/dst.ts throughput --density 0.1 --out bench/dst/throughput-0.1.json
 *   node scripts/run.mjs bench/dst.ts report bench/dst
 *   node scripts/run.mjs bench/dst.ts seeds bench/dst-20ep-seeds bench/dst-20ep
 *
 * train: SGD with momentum 0.9, lr 0.05 on a cosine schedule, batch 128, ΔT = 100, alpha = 0.3,
 * T_end = 0.75 of the steps (RigL's defaults); test accuracy on the full test set at the end;
 * --seed S (default 0) seeds the mask, the weights, the batch order and the updates, and
 * --label-smoothing A (default 0) trains against targets 1 - A / A/9 (the test loss too).
 * timing: medians (and least) of wall time (GPU synced) of one training step, one SET update and one RigL
 * update, sparse vs dense, in one run; GPU time per kernel entry point of an update (the least of
 * `repeats` profiled updates); with --format bsrN the sparse net is stored in N x N blocks
 * on random block masks (ERK densities rounded to whole blocks) and the updates move blocks. throughput: samples/s on random data of ours (dense, static,
 * SET, RigL) in Node and in Chromium, and TF.js's masked dense net in the same page.
 * report: results.md and curves.svg from the JSON files. seeds: means over seeds of the arm files in
 * several folders, seeds.md.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMnistDatasets } from '../src/cli/mnist-node.js';
import { DynamicSparsity } from '../src/dst/dynamic.js';
import { DstWorkspace, dstGradientChunk, dstGrid } from '../src/kernels/dst.js';
import { featureMajorStride } from '../src/kernels/feature-major.js';
import { matmulInto } from '../src/kernels/matmul.js';
import type { DstMethod } from '../src/dst/schedule.js';
import { createContext } from '../src/gpu/context.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { SparseLinear } from '../src/nn/sparse-linear.js';
import { bundle } from '../scripts/bundle.mjs';
import { type StaticFile, withChromiumPage } from '../src/node/chromium.js';
import { lineChart, stackCharts } from '../src/plot/svg.js';
import { toActivationLayout } from '../src/sparse/activation-layout.js';
import { BSR_BLOCK_SIZES, type BsrBlockSize } from '../src/sparse/bsr.js';
import type { CsrMatrix } from '../src/sparse/csr.js';
import { erkDensities } from '../src/eoi/layer-densities.js';
import { initWeights } from '../src/nn/init.js';
import { BATCH, buildNet, denseWeights, ourThroughput, SHAPES, sparseWeights, type ThroughputRow } from './dst-net.js';
import { dispatchProfile, leastDispatchProfile } from './timing.js';
import { createOptimizer } from '../src/train/optimizer-spec.js';
import { evaluate, train } from '../src/train/trainer.js';

const ARMS = ['dense', 'static-random', 'static-eoi', 'set', 'rigl'] as const;
type Arm = (typeof ARMS)[number];

interface ArmResult {
  arm: Arm;
  density: number;
  steps: number;
  /** Absent in files written before these were recorded: seed 0, no label smoothing. */
  seed?: number;
  labelSmoothing?: number;
  testAccuracy: number;
  testLoss: number;
  evals: Array<{ step: number; accuracy: number }>;
  samplesPerSecond: number;
  layerDensities: number[];
  dstUpdates: number;
  /**
   * Weights moved per layer at each update. Absent in files written before it was recorded: then
   * a layer storing every position (ERK's dense output layer) was updated too, its smallest
   * weights dropped and regrown at 0; since, such a layer is left as it is.
   */
  dstMoved?: number[][];
  adapter: string;
  elapsedMs: number;
}

function flag(args: string[], name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : fallback;
  if (value === undefined) throw new RangeError(`--${name} is required`);
  return value;
}

async function weightsFor(arm: Arm, density: number, seed: number): Promise<CsrMatrix[]> {
  if (arm === 'dense') return denseWeights(seed);
  return sparseWeights(arm === 'static-eoi' ? 'eoi' : 'random', density, seed);
}

async function trainArm(args: string[]): Promise<void> {
  const arm = flag(args, 'arm') as Arm;
  if (!ARMS.includes(arm)) throw new RangeError(`--arm must be one of ${ARMS.join(', ')}`);
  const density = Number(flag(args, 'density', '0.1'));
  const steps = Number(flag(args, 'steps', '1400'));
  const seed = Number(flag(args, 'seed', '0'));
  const labelSmoothing = Number(flag(args, 'label-smoothing', '0'));
  const out = flag(args, 'out');
  const t0 = performance.now();
  const data = await loadMnistDatasets();
  const ctx = await createContext();
  const weights = await weightsFor(arm, density, seed);
  const model = buildNet(ctx, weights, arm === 'dense');
  const loss = new SoftmaxCrossEntropy(ctx, 10, { labelSmoothing });
  const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'sgd', lr: 0.05, momentum: 0.9, schedule: 'cosine' }, steps);
  const dynamic = arm === 'set' || arm === 'rigl';
  const evals: ArmResult['evals'] = [];
  try {
    const history = await train(ctx, {
      model,
      loss,
      optimizer,
      train: data.train,
      test: data.test,
      epochs: 1000,
      maxSteps: steps,
      batchSize: BATCH,
      seed,
      logEvery: 100,
      evalEvery: 200,
      evalLimit: 2000,
      dst: dynamic ? { method: arm as DstMethod, every: 100, fraction: 0.3, until: Math.floor(0.75 * steps), seed } : undefined,
      onEval: (e) => {
        evals.push({ step: e.step, accuracy: e.accuracy });
        console.log(`${arm} d=${density} step ${e.step}: accuracy ${e.accuracy.toFixed(4)} (first 2000 test images)`);
      },
    });
    const test = await evaluate(ctx, model, loss, data.test, BATCH);
    const layerDensities = weights.map((w) => w.colIdx.length / (w.rows * w.cols));
    const result: ArmResult = {
      arm,
      density,
      steps,
      seed,
      labelSmoothing,
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      evals,
      samplesPerSecond: history.samplesPerSecond,
      layerDensities,
      dstUpdates: history.dst?.length ?? 0,
      dstMoved: history.dst?.map((u) => u.moved),
      adapter: ctx.adapterName,
      elapsedMs: performance.now() - t0,
    };
    writeFileSync(out, JSON.stringify(result, null, 1));
    console.log(`${arm} d=${density}: test accuracy ${test.accuracy.toFixed(4)}, ${history.samplesPerSecond.toFixed(0)} samples/s`);
  } finally {
    optimizer.destroy();
    loss.destroy();
    model.destroy();
    ctx.destroy();
  }
}

/** LeNet-300-100's sparse weights on random block masks: ERK densities, each layer's block count rounded. */
function blockMaskWeights(density: number, blockSize: BsrBlockSize): CsrMatrix[] {
  const densities = erkDensities(SHAPES, density);
  return SHAPES.map(([rows, cols], l) => initWeights({ rows, cols, density: densities[l]!, init: 'random', gain: Math.SQRT2, seed: l, blockSize }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timing(args: string[]): Promise<void> {
  const density = Number(flag(args, 'density', '0.1'));
  const formatName = flag(args, 'format', 'csr');
  const blockSize = formatName === 'csr' ? undefined : (Number(formatName.replace(/^bsr/, '')) as BsrBlockSize);
  if (blockSize !== undefined && !BSR_BLOCK_SIZES.includes(blockSize)) throw new RangeError(`--format must be csr or bsr${BSR_BLOCK_SIZES.join(' | bsr')}, got ${formatName}`);
  const repeats = Number(flag(args, 'repeats', '9'));
  const out = flag(args, 'out');
  const ctx = await createContext();
  const data = await loadMnistDatasets({ trainLimit: BATCH });
  const x = ctx.upload('f32', toActivationLayout(data.train.inputs, BATCH, 784));
  const labels = ctx.upload('u32', Uint32Array.from(data.train.labels));
  const rows: Record<string, unknown> = {};
  const timeIt = async (work: () => Promise<void>) => {
    await work(); // warm-up: pipelines compiled
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await work();
      await ctx.sync();
      ms.push(performance.now() - t);
    }
    return { median: median(ms), min: Math.min(...ms) };
  };
  // Dispatches of `work` and, with timestamps, its GPU time per kernel and in all: per kernel the
  // least over `repeats` profiled runs, which load on a shared machine only adds to.
  const profileInto = async (name: string, work: () => Promise<void>) => {
    const { dispatches, byKernel, gpuMs } = await leastDispatchProfile(ctx, work, repeats);
    rows[`${name}Dispatches`] = dispatches;
    if (gpuMs === undefined) return;
    rows[`${name}GpuMsByKernel`] = byKernel;
    rows[`${name}GpuMs`] = gpuMs;
  };
  // Median and least of the repeats (load on a shared machine only adds to the least).
  const record = (name: string, t: { median: number; min: number }) => {
    rows[`${name}Ms`] = t.median;
    rows[`${name}MinMs`] = t.min;
  };
  try {
    for (const arm of ['dense', 'sparse'] as const) {
      const sparse = blockSize === undefined ? await sparseWeights('random', density, 0) : blockMaskWeights(density, blockSize);
      const weights = arm === 'dense' ? denseWeights(0) : sparse;
      const model = buildNet(ctx, weights, arm === 'dense', blockSize === undefined || arm === 'dense' ? 'csr' : { bsr: blockSize });
      const loss = new SoftmaxCrossEntropy(ctx, 10);
      const optimizer = createOptimizer(ctx, model.parameters(), { kind: 'sgd', lr: 0.01, momentum: 0.9, schedule: 'constant' }, 1000);
      const step = async () => {
        const logits = await model.forward(x, BATCH);
        await loss.forward(logits, labels, BATCH);
        await model.backwardParameters(loss.backward(), BATCH);
        await optimizer.step();
      };
      record(`${arm}Step`, await timeIt(step));
      if (arm === 'dense') rows.denseStepDispatches = (await dispatchProfile(ctx, step, false)).dispatches;
      else await profileInto('sparseStep', step);
      if (arm === 'sparse') {
        const layers = model.layers.filter((l): l is SparseLinear => l instanceof SparseLinear);
        rows.layers = layers.map((l) => ({ rows: l.outFeatures, cols: l.inFeatures, nnz: dstGrid(l.dynamicWeight()).nnz }));
        const wss = layers.map((l) => new DstWorkspace(ctx, l.dynamicWeight()));
        record('riglGradient', await timeIt(async () => {
          for (const [j, l] of layers.entries()) await dstGradientChunk(ctx, wss[j]!, { method: 'rigl', dyT: l.lastOutputGrad!.dy, xT: l.lastInput!, batch: BATCH }, 0, l.outFeatures);
        }));
        for (const ws of wss) ws.destroy();
        // The same products on the dense matmul's other tile shapes, to see whether dst's choice is the fastest here.
        const sweep: Record<string, number> = {};
        for (const [wgX, wgY, tileK] of [[8, 8, 32], [16, 8, 32], [8, 16, 32], [16, 16, 32], [16, 4, 32], [8, 8, 16], [16, 16, 16]] as const) {
          const outs = layers.map((l) => ctx.zeros('f32', l.outFeatures * l.inFeatures));
          sweep[`${wgX}x${wgY}/${tileK}`] = (await timeIt(async () => {
            for (const [j, l] of layers.entries()) {
              await matmulInto(ctx, l.lastOutputGrad!.dy, l.lastInput!, outs[j]!, { m: l.outFeatures, k: featureMajorStride(BATCH), n: l.inFeatures, transposeB: true }, {}, { wgX, wgY, tileK });
            }
          })).median;
          for (const o of outs) o.destroy();
        }
        rows.riglGradientByTile = sweep;
        for (const method of ['set', 'rigl'] as const) {
          const dst = new DynamicSparsity(ctx, layers, { method, every: 1, fraction: 0.3, until: 1000 }, (v) => optimizer.stateOf(v));
          let i = 0;
          const update = async () => void (await dst.update(0.3, ++i));
          record(`${method}Update`, await timeIt(update));
          await profileInto(method, update);
          dst.destroy();
        }
      }
      optimizer.destroy();
      loss.destroy();
      model.destroy();
    }
    const result = { density, format: formatName, batch: BATCH, repeats, adapter: ctx.adapterName, ...rows };
    writeFileSync(out, JSON.stringify(result, null, 1));
    console.log(JSON.stringify(result, null, 1));
  } finally {
    x.destroy();
    labels.destroy();
    ctx.destroy();
  }
}

/**
 * Training throughput of the same net on random data, in one run: ours in Node (Dawn) and, in one
 * headless Chromium page, ours again and TF.js's masked dense one (its WebGPU backend).
 */
async function throughput(args: string[]): Promise<void> {
  const density = Number(flag(args, 'density', '0.1'));
  const steps = Number(flag(args, 'steps', '100'));
  const every = Number(flag(args, 'every', '50'));
  const out = flag(args, 'out');
  const rows: Array<ThroughputRow & { backend: string }> = [];
  const ctx = await createContext();
  try {
    for (const arm of ['dense', 'static', 'set', 'rigl'] as const) {
      rows.push({ backend: 'node', ...(await ourThroughput(ctx, arm, density, steps, every)) });
      console.log(JSON.stringify(rows.at(-1)));
    }
  } finally {
    ctx.destroy();
  }
  const code = (await bundle({ entry: 'bench/dst-browser.ts', platform: 'browser' })) as string;
  const files = new Map<string, StaticFile>([['/bundle.js', { type: 'text/javascript', body: code }]]);
  const browserRows = await withChromiumPage(
    { title: 'dst throughput', files, readyGlobal: 'dstBench', prepare: (page) => void page.on('console', (m) => console.log(`  chromium: ${m.text()}`)) },
    async (page) => {
      await page.evaluate((o) => {
        const g = globalThis as any;
        g.dstResult = undefined;
        g.dstBench.throughput(o).then((value: unknown) => (g.dstResult = { value }), (e: unknown) => (g.dstResult = { error: String((e as Error)?.stack ?? e) }));
      }, { density, steps, every });
      // Polled: one evaluate awaiting the whole run could outlive the protocol's timeout.
      for (;;) {
        const r = (await page.evaluate(() => (globalThis as any).dstResult)) as { value?: ThroughputRow[]; error?: string } | undefined;
        if (r?.error !== undefined) throw new Error(`in Chromium: ${r.error}`);
        if (r) return r.value!;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    },
  );
  rows.push(...browserRows.map((r) => ({ backend: 'chromium', ...r })));
  writeFileSync(out, JSON.stringify({ density, steps, every, batch: BATCH, rows }, null, 1));
}

/** A folder's training-arm JSON files (every one but the timing and throughput runs), with their names. */
function armFiles(dir: string): Array<{ file: string; arm: ArmResult }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('timing') && !f.startsWith('throughput'))
    .map((file) => ({ file, arm: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as ArmResult }));
}

function report(args: string[]): void {
  const dir = args[0] ?? 'bench/dst';
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const arms = armFiles(dir).map((a) => a.arm);
  const timings = files.filter((f) => f.startsWith('timing')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  const order = (a: ArmResult) => ARMS.indexOf(a.arm);
  arms.sort((a, b) => b.density - a.density || order(a) - order(b));
  const dense = arms.find((a) => a.arm === 'dense');
  const lines = [
    '| arm | density | steps | test accuracy | vs dense (points) | samples/s | vs dense | mask updates |',
    '|---|---|---|---|---|---|---|---|',
    ...arms.map((a) => {
      const gap = dense ? ((a.testAccuracy - dense.testAccuracy) * 100).toFixed(2) : '';
      const speed = dense ? `${(a.samplesPerSecond / dense.samplesPerSecond).toFixed(2)}x` : '';
      return `| ${a.arm} | ${a.arm === 'dense' ? 1 : a.density} | ${a.steps} | ${(a.testAccuracy * 100).toFixed(2)}% | ${a.arm === 'dense' ? '' : gap} | ${a.samplesPerSecond.toFixed(0)} | ${a.arm === 'dense' ? '' : speed} | ${a.dstUpdates} |`;
    }),
  ];
  if (timings.length) {
    lines.push('', '| density | format | dense step (ms) | sparse step (ms) | SET update (ms) | RigL update (ms) | SET / step | RigL / step |', '|---|---|---|---|---|---|---|---|');
    for (const t of timings.sort((a, b) => b.density - a.density)) {
      lines.push(
        `| ${t.density} | ${t.format ?? 'csr'} | ${t.denseStepMs.toFixed(1)} | ${t.sparseStepMs.toFixed(1)} | ${t.setUpdateMs.toFixed(1)} | ${t.riglUpdateMs.toFixed(1)} | ${(t.setUpdateMs / t.sparseStepMs).toFixed(2)} | ${(t.riglUpdateMs / t.sparseStepMs).toFixed(2)} |`,
      );
    }
  }
  for (const t of files.filter((f) => f.startsWith('throughput')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))) {
    lines.push('', `Throughput, random data, batch ${t.batch}, ${t.steps} timed steps, density ${t.density} (SET / RigL: an update every ${t.every} steps, included):`, '');
    lines.push('| backend | implementation | arm | samples/s | vs ours dense | vs TF.js masked dense |', '|---|---|---|---|---|---|');
    for (const r of t.rows as Array<ThroughputRow & { backend: string }>) {
      const same = (x: ThroughputRow & { backend: string }) => x.backend === r.backend;
      const dense = t.rows.find((x: ThroughputRow & { backend: string }) => same(x) && x.arm === 'dense');
      const tfjs = t.rows.find((x: ThroughputRow & { backend: string }) => same(x) && x.arm === 'masked-dense');
      const vs = (x: ThroughputRow | undefined) => (x && x !== r ? `${(r.samplesPerSecond / x.samplesPerSecond).toFixed(2)}x` : '');
      lines.push(`| ${r.backend} | ${r.impl} | ${r.arm} | ${r.samplesPerSecond.toFixed(0)} | ${vs(dense)} | ${vs(tfjs)} |`);
    }
  }
  const adapters = [...new Set([...arms, ...timings].map((a) => a.adapter))];
  lines.push('', `Adapter: ${adapters.join(', ')}.`);
  writeFileSync(path.join(dir, 'results.md'), lines.join('\n') + '\n');
  const charts = [...new Set(arms.map((a) => a.density))].map((density) =>
    lineChart(
      arms.filter((a) => a.density === density || a.arm === 'dense').map((a) => ({ name: a.arm, points: a.evals.map((e) => [e.step, e.accuracy] as const) })),
      { title: `LeNet-300-100 on MNIST, density ${density} (ERK)`, xLabel: 'step', yLabel: 'test accuracy (first 2000)' },
    ),
  );
  writeFileSync(path.join(dir, 'curves.svg'), stackCharts(charts));
  console.log(lines.join('\n'));
}

/** An arm file's seed: recorded in it, else a `-sN.json` name (files written before it was recorded), else 0. */
function seedOf(file: string, arm: ArmResult): number {
  return arm.seed ?? Number(/-s(\d+)\.json$/.exec(file)?.[1] ?? 0);
}

function meanAndSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/**
 * Test accuracy over seeds: the arm files of the given folders grouped by arm, density, steps and
 * label smoothing; mean and sample standard deviation, and the mean's gap to the dense mean at the
 * same steps with its standard error (the two means' errors combined). Writes seeds.md in the first folder.
 */
function seedReport(dirs: string[]): void {
  if (dirs.length === 0) throw new RangeError('seeds needs at least one folder');
  // A DST run from before dstMoved was recorded also updated its dense layers: a group of its own.
  const runs = dirs.flatMap((dir) =>
    armFiles(dir).map(({ file, arm }) => ({ ...arm, seed: seedOf(file, arm), labelSmoothing: arm.labelSmoothing ?? 0, label: arm.dstUpdates > 0 && !arm.dstMoved ? `${arm.arm} (dense layers updated too)` : arm.arm })),
  );
  const groups = new Map<string, typeof runs>();
  for (const r of runs) {
    const key = `${r.label}|${r.arm === 'dense' ? 1 : r.density}|${r.steps}|${r.labelSmoothing}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows = [...groups.values()].map((g) => ({ ...g[0]!, seeds: g.map((r) => r.seed).sort((a, b) => a - b), ...meanAndSd(g.map((r) => r.testAccuracy * 100)), n: g.length }));
  rows.sort((a, b) => a.steps - b.steps || b.density - a.density || ARMS.indexOf(a.arm) - ARMS.indexOf(b.arm) || a.labelSmoothing - b.labelSmoothing || a.label.localeCompare(b.label));
  const lines = ['| arm | density | steps | label smoothing | seeds | test accuracy, mean ± sd | vs dense mean (points) ± s.e. |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const dense = rows.find((d) => d.arm === 'dense' && d.steps === r.steps && d.labelSmoothing === 0);
    // One seed has no spread to report, so neither its sd nor the gap's error is shown.
    const error = r.n > 1 && dense ? ` ± ${Math.sqrt(r.sd ** 2 / r.n + dense.sd ** 2 / dense.n).toFixed(2)}` : '';
    const gap = dense && r !== dense ? `${(r.mean - dense.mean).toFixed(2)}${error}` : '';
    lines.push(`| ${r.label} | ${r.arm === 'dense' ? 1 : r.density} | ${r.steps} | ${r.labelSmoothing} | ${r.seeds.join(', ')} | ${r.mean.toFixed(2)}%${r.n > 1 ? ` ± ${r.sd.toFixed(2)}` : ''} | ${gap} |`);
  }
  lines.push('', `Adapter: ${[...new Set(runs.map((r) => r.adapter))].join(', ')}.`);
  writeFileSync(path.join(dirs[0]!, 'seeds.md'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'train') await trainArm(rest);
else if (mode === 'timing') await timing(rest);
else if (mode === 'throughput') await throughput(rest);
else if (mode === 'report') report(rest);
else if (mode === 'seeds') seedReport(rest);
else throw new RangeError('usage: bench/dst.ts train|timing|throughput|report|seeds ...');
