/**
 * `orthosparse train`: train an MLP or a CNN on MNIST in Node (Dawn) or, with --browser, in headless
 * Chromium; progress bar while it runs; final test accuracy and throughput; a JSON log, an SVG
 * plot of the loss/accuracy curves and the trained model (.osm) in --out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from '../gpu/context.js';
import { ACTIVATIONS, type ActivationName } from '../kernels/activation.js';
import { GAUSSIAN_SCALES, type GaussianScale } from '../nn/init.js';
import { CNN_ARCHITECTURES, CNN_INITS, type CnnArchitecture, type CnnInit } from '../nn/cnn.js';
import { MLP_INITS, type MlpInit } from '../nn/mlp.js';
import { describeModel, type ModelConfig, saveModel } from '../nn/model.js';
import { PADDING_MODES, type PaddingMode } from '../sparse/conv-geometry.js';
import { BSR_BLOCK_SIZES, type BsrBlockSize } from '../sparse/bsr.js';
import { lineChart, stackCharts } from '../plot/svg.js';
import { runTraining, type TrainResult, type TrainSpec } from '../train/experiment.js';
import { loadMnistDatasets } from './mnist-node.js';
import { progressBar } from './progress.js';
import { runInBrowser } from './browser-runner.js';

export const TRAIN_USAGE = `orthosparse train [options]
  --model M            mlp | cnn (default mlp)
  --depth N            MLP: linear layers; CNN: stride-1 convolutions after the stem (default 100)
  --width N            MLP: hidden width (default 128)
  --architecture A     CNN: vanilla (stem, then depth convolutions) | vgg (stem, then depth conv-conv-pool
                       stages, channels doubling per stage) (default vanilla)
  --channels N         CNN: channels of every convolution, or of the first VGG stage (default 32)
  --stem N             CNN: stride-2 convolutions first, halving the image each (default 2: 28 -> 7)
  --kernel K           CNN: odd kernel side (default 3)
  --padding P          CNN: circular | zeros (default circular)
  --density D          weight density of sparse inits (default 0.125)
  --init I             MLP: ${MLP_INITS.join(' | ')}
                       CNN: ${CNN_INITS.join(' | ')} (default eoi)
  --weight-scale S     Gaussian inits (uniform, erk, dense-gaussian): fan-in (Kaiming/LeCun) | xavier (default fan-in)
  --format F           how sparse layers are stored: csr | bsr4 | bsr8 | bsr16 | bsr32 (default csr)
  --activation A       ${ACTIVATIONS.join(' | ')} (default tanh)
  --sigma-w S          weight gain (default 1.0247, the paper's tanh value)
  --sigma-b S          bias std (default 0.00448)
  --optimizer O        sgd | adam | adamw (default sgd)
  --lr X               learning rate (default 0.01)
  --momentum M         SGD momentum (default 0.9)
  --schedule S         constant | cosine | step (default constant)
  --label-smoothing A  (default 0)
  --epochs N           (default 1)   --max-steps N   step budget
  --batch N            (default 128)
  --train-limit N      use the first N training images   --test-limit N   likewise for test
  --seed N             (default 0)
  --out DIR            where to write log.json, curves.svg, model.osm (default runs/<init>-d<depth>)
  --browser            run in headless Chromium instead of Node`;

/** train's options, for node:util parseArgs; compare accepts them too. */
export const TRAIN_OPTIONS = {
  model: { type: 'string', default: 'mlp' },
  depth: { type: 'string', default: '100' },
  architecture: { type: 'string', default: 'vanilla' },
  channels: { type: 'string', default: '32' },
  stem: { type: 'string', default: '2' },
  kernel: { type: 'string', default: '3' },
  padding: { type: 'string', default: 'circular' },
  width: { type: 'string', default: '128' },
  density: { type: 'string', default: '0.125' },
  init: { type: 'string', default: 'eoi' },
  format: { type: 'string', default: 'csr' },
  'weight-scale': { type: 'string', default: 'fan-in' },
  activation: { type: 'string', default: 'tanh' },
  'sigma-w': { type: 'string', default: '1.0247' },
  'sigma-b': { type: 'string', default: '0.00448' },
  optimizer: { type: 'string', default: 'sgd' },
  lr: { type: 'string', default: '0.01' },
  momentum: { type: 'string', default: '0.9' },
  schedule: { type: 'string', default: 'constant' },
  'label-smoothing': { type: 'string', default: '0' },
  epochs: { type: 'string', default: '1' },
  'max-steps': { type: 'string' },
  batch: { type: 'string', default: '128' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string' },
  browser: { type: 'boolean', default: false },
} as const;

type TrainValues = { [K in keyof typeof TRAIN_OPTIONS]?: (typeof TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function parseTrainArgs(argv: string[]) {
  return trainSpecFrom(parseArgs({ args: argv, options: TRAIN_OPTIONS, strict: true }).values);
}

/** The run a set of parsed train options describes. */
export function trainSpecFrom(v: TrainValues): { spec: TrainSpec; out: string; browser: boolean; trainLimit?: number; testLimit?: number } {
  const num = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new RangeError(`--${name} must be a number, got '${text}'`);
    return value;
  };
  if (v.model !== 'mlp' && v.model !== 'cnn') throw new RangeError(`--model must be mlp or cnn, got '${v.model}'`);
  const cnn = v.model === 'cnn';
  const inits: readonly string[] = cnn ? CNN_INITS : MLP_INITS;
  if (!inits.includes(v.init!)) throw new RangeError(`--init must be one of ${inits.join(', ')} with --model ${v.model}, got '${v.init}'`);
  const optimizer = v.optimizer as TrainSpec['optimizer']['kind'];
  if (!['sgd', 'adam', 'adamw'].includes(optimizer)) throw new RangeError(`--optimizer must be sgd, adam or adamw, got '${v.optimizer}'`);
  const schedule = v.schedule as NonNullable<TrainSpec['optimizer']['schedule']>;
  if (!['constant', 'cosine', 'step'].includes(schedule)) throw new RangeError(`--schedule must be constant, cosine or step, got '${v.schedule}'`);
  const depth = num('depth', v.depth)!;
  if (!GAUSSIAN_SCALES.includes(v['weight-scale'] as GaussianScale)) throw new RangeError(`--weight-scale must be fan-in or xavier, got '${v['weight-scale']}'`);
  const format = v.format === 'csr' || v.format === undefined ? 'csr' : { bsr: Number(/^bsr(\d+)$/.exec(v.format)?.[1]) as BsrBlockSize };
  if (format !== 'csr' && !BSR_BLOCK_SIZES.includes(format.bsr)) throw new RangeError(`--format must be csr, bsr4, bsr8, bsr16 or bsr32, got '${v.format}'`);
  if (cnn && format !== 'csr') throw new RangeError(`--format must be csr with --model cnn (its convolutions are CSR), got '${v.format}'`);
  if (cnn && !PADDING_MODES.includes(v.padding as PaddingMode)) throw new RangeError(`--padding must be circular or zeros, got '${v.padding}'`);
  if (cnn && !CNN_ARCHITECTURES.includes(v.architecture as CnnArchitecture)) throw new RangeError(`--architecture must be vanilla or vgg, got '${v.architecture}'`);
  const common = {
    depth,
    classes: 10,
    density: num('density', v.density)!,
    activation: v.activation as ActivationName,
    sigmaW: num('sigma-w', v['sigma-w'])!,
    sigmaB: num('sigma-b', v['sigma-b'])!,
    seed: num('seed', v.seed)!,
  };
  const model: ModelConfig = cnn
    ? {
        kind: 'cnn',
        architecture: v.architecture as CnnArchitecture,
        ...common,
        inputShape: [1, 28, 28],
        init: v.init as CnnInit,
        channels: num('channels', v.channels)!,
        stem: num('stem', v.stem)!,
        kernel: num('kernel', v.kernel)!,
        paddingMode: v.padding as PaddingMode,
      }
    : { ...common, inputs: 784, width: num('width', v.width)!, init: v.init as MlpInit, format, weightScale: v['weight-scale'] as GaussianScale };
  const spec: TrainSpec = {
    model,
    optimizer: { kind: optimizer, lr: num('lr', v.lr)!, momentum: optimizer === 'sgd' ? num('momentum', v.momentum) : undefined, schedule },
    loss: { labelSmoothing: num('label-smoothing', v['label-smoothing']) },
    epochs: num('epochs', v.epochs)!,
    maxSteps: num('max-steps', v['max-steps']),
    batchSize: num('batch', v.batch)!,
    seed: num('seed', v.seed)!,
    logEvery: 10,
    evalLimit: 2000,
    jacobian: true,
  };
  return {
    spec,
    out: v.out ?? path.join('runs', `${cnn ? 'cnn-' : ''}${v.init}-d${depth}`),
    browser: v.browser ?? false,
    trainLimit: num('train-limit', v['train-limit']),
    testLimit: num('test-limit', v['test-limit']),
  };
}

export async function trainCommand(argv: string[]): Promise<TrainResult> {
  const { spec, out, browser, trainLimit, testLimit } = parseTrainArgs(argv);
  mkdirSync(out, { recursive: true });
  const data = await loadMnistDatasets({ trainLimit, testLimit });
  console.log(`MNIST: ${data.train.count} training, ${data.test.count} test images`);
  const expected = Math.min(spec.epochs * Math.ceil(data.train.count / spec.batchSize), spec.maxSteps ?? Infinity);
  spec.evalEvery = Math.max(1, Math.ceil(expected / 5)); // five test-accuracy points along the way
  const bar = progressBar(expected, 'train |{bar}| {value}/{total} steps | loss {loss} | acc {acc} | test {test} | ETA {eta_formatted}');
  let testText = '—';
  const hooks = {
    onStage: (stage: string) => process.stderr.write(`${stage}…\n`),
    onProgress: (p: { step: number; loss: number; accuracy: number }) => bar.update(p.step, { loss: p.loss.toFixed(4), acc: p.accuracy.toFixed(3), test: testText }),
    onEval: (e: { accuracy: number }) => (testText = e.accuracy.toFixed(3)),
  };
  let result: TrainResult;
  let model: Uint8Array | undefined;
  if (browser) {
    ({ result, model } = await runInBrowser(spec, data, hooks));
  } else {
    const ctx = await createContext();
    try {
      result = await runTraining(ctx, spec, data, { ...hooks, onTrained: async (m) => void (model = await saveModel(ctx, m, spec.model)) });
    } finally {
      ctx.destroy();
    }
  }
  bar.stop();
  writeOutputs(out, result, model);
  return result;
}

function writeOutputs(out: string, result: TrainResult, model: Uint8Array | undefined): void {
  const { history, test, jacobian } = result;
  console.log(`\nadapter: ${result.adapter}`);
  console.log(`final test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}) after ${history.totalSteps} steps`);
  console.log(`throughput ${history.samplesPerSecond.toFixed(1)} samples/s, ${(result.elapsedMs / 1000).toFixed(1)} s in all`);
  if (jacobian) console.log(`Jacobian singular values at init: mean ${jacobian.mean.toFixed(4)}, min ${jacobian.min.toExponential(2)}, max ${jacobian.max.toFixed(4)}, variance ${jacobian.variance.toExponential(2)}`);
  writeFileSync(path.join(out, 'log.json'), JSON.stringify(result, null, 2));
  const title = describeModel(result.spec.model);
  const charts = [
    lineChart([{ name: 'train loss', points: history.steps.map((s) => [s.step, s.loss]) }], { title: `${title}: loss`, xLabel: 'step', yLabel: 'loss' }),
    lineChart(
      [
        { name: 'train accuracy', points: history.steps.map((s) => [s.step, s.accuracy]) },
        { name: 'test accuracy', points: history.evals.map((e) => [e.step, e.accuracy]) },
      ],
      { title: `${title}: accuracy`, xLabel: 'step', yLabel: 'accuracy' },
    ),
  ];
  writeFileSync(path.join(out, 'curves.svg'), stackCharts(charts));
  if (model) writeFileSync(path.join(out, 'model.osm'), model);
  console.log(`wrote ${path.join(out, 'log.json')}, curves.svg${model ? ', model.osm' : ''}`);
}
