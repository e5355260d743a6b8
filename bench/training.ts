/**
 * Training throughput: a sparse MLP vs the identical dense MLP, one full step (forward,
 * loss, backward, SGD update) at a time, in one run. Widths 256 and 1024, densities 0.1 and 0.05,
 * EOI masks; depth 4 (width -> width layers), batch 128, random inputs.
 */
import type { Context } from '../src/gpu/context.js';
import { SoftmaxCrossEntropy } from '../src/nn/loss.js';
import { buildMlp, type MlpConfig, type MlpInit } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { Sgd } from '../src/train/optimizers.js';
import { type Dataset, train } from '../src/train/trainer.js';

export interface TrainingBenchRow {
  width: number;
  density: number;
  init: MlpInit;
  samplesPerSecond: number;
  adapter: string;
}

const DEPTH = 4;
const BATCH = 128;

function randomData(features: number, count: number): Dataset {
  const rng = new Rng(7);
  return {
    count,
    features,
    inputs: Float32Array.from({ length: count * features }, () => rng.nextNormal()),
    labels: Uint8Array.from({ length: count }, () => rng.nextInt(10)),
  };
}

async function throughput(ctx: Context, config: MlpConfig, data: Dataset, steps: number): Promise<number> {
  const model = buildMlp(ctx, config);
  const loss = new SoftmaxCrossEntropy(ctx, config.classes);
  const optimizer = new Sgd(ctx, model.parameters(), { lr: 0.01 });
  try {
    const run = (maxSteps: number) => train(ctx, { model, loss, optimizer, train: data, batchSize: BATCH, maxSteps, epochs: 1000, logEvery: maxSteps });
    await run(2); // warm-up: pipelines compiled, buffers allocated
    return (await run(steps)).samplesPerSecond;
  } finally {
    optimizer.destroy();
    loss.destroy();
    model.destroy();
  }
}

export async function benchTraining(ctx: Context, opts: { widths: number[]; densities: number[]; steps: number; log: (line: string) => void }): Promise<TrainingBenchRow[]> {
  const rows: TrainingBenchRow[] = [];
  for (const width of opts.widths) {
    const data = randomData(width, BATCH * 4);
    const base = { inputs: width, width, depth: DEPTH, classes: 10, activation: 'relu' as const, sigmaW: 1, sigmaB: 0, seed: 1 };
    const arms: Array<{ init: MlpInit; density: number }> = [{ init: 'dense-gaussian', density: 1 }, ...opts.densities.map((density) => ({ init: 'eoi' as const, density }))];
    for (const arm of arms) {
      const samplesPerSecond = await throughput(ctx, { ...base, ...arm }, data, opts.steps);
      opts.log(`width ${width}, ${arm.init} d=${arm.density}: ${samplesPerSecond.toFixed(1)} samples/s`);
      rows.push({ width, ...arm, samplesPerSecond, adapter: ctx.adapterName });
    }
  }
  return rows;
}

export function trainingMarkdown(rows: TrainingBenchRow[]): string {
  const lines = ['| width | model | density | samples/s | vs dense |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const dense = rows.find((d) => d.width === r.width && d.init === 'dense-gaussian')!;
    lines.push(`| ${r.width} | ${r.init === 'eoi' ? 'sparse (EOI, CSR)' : 'dense'} | ${r.density} | ${r.samplesPerSecond.toFixed(1)} | ${(r.samplesPerSecond / dense.samplesPerSecond).toFixed(2)}× |`);
  }
  return `${lines.join('\n')}\n\nDepth ${DEPTH} (width -> width), batch ${BATCH}, one SGD step = forward + loss + backward + update. Adapter: ${rows[0]?.adapter ?? 'unknown'}\n`;
}
