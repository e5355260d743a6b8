/**
 * The convolutional networks of the experiments, two architectures on one config:
 * - 'vanilla' (default), the deep vanilla CNN of the EOI paper: a stem of stride-2 k x k
 *   convolutions that shrinks the image (the first one from the input channels), then `depth`
 *   k x k convolutions of `channels` channels at stride 1;
 * - 'vgg', a small VGG-style network for the any-mask experiments: the stem, then `depth` stages
 *   of two k x k convolutions (conv-conv-pool), `channels` in the first stage and twice as many in
 *   each next one, each stage ended by 2x2 average pooling.
 * Every convolution is "same"-padded (circular by default, under which a delta-orthogonal kernel
 * is exactly orthogonal) and followed by the activation; then the readout, global average pooling
 * (default) or the last image flattened, and a dense linear classifier. No residuals, no
 * normalisation. Sparse inits build SparseConv2d layers with
 * per-layer densities from a distribution (uniform, or ERK over the conv shapes); dense inits
 * build Conv2d layers. The classifier stays dense in every variant, so `density` is the density
 * of the convolutions.
 *
 * `format` picks how every SparseConv2d stores its filter: CSR, or blocks of 4, 8 or 16 output x
 * input channels. The mask is the same either way: a block is stored wherever the mask has a tap,
 * the taps outside the mask held at exact zeros (so blocks pay off for block-structured masks,
 * not for the element masks the inits draw). With blocks every sparse convolution is
 * block-sparse, the stem's included, and a channel count the block size does not divide (the
 * stem's input channels: 1 on MNIST) is padded up to whole blocks, whose padding is exact zeros
 * the weight gradient leaves at zero: the network computes what its CSR twin computes, at the
 * cost of storing and multiplying the padding. No layer falls back to CSR.
 */
import { erkDensities, uniformDensities } from '../eoi/layer-densities.js';
import type { Context } from '../gpu/context.js';
import { type Activation, resolveActivation } from '../kernels/activation.js';
import { checkStorageFormat } from '../sparse/bsr.js';
import { CONV_BSR_BLOCK_SIZES, type ConvBsrBlockSize } from '../sparse/conv-bsr.js';
import { PADDING_MODES, type PaddingMode } from '../sparse/conv-geometry.js';
import { type CsrMatrix, csrToDense } from '../sparse/csr.js';
import { checkFloat32Scale, checkNumberInRange, checkObject, checkPositiveInt, checkSeed } from '../validate.js';
import { ActivationLayer } from './activation-layer.js';
import { blockMaskSize } from './block-mask.js';
import { Conv2d } from './conv2d.js';
import { type ConvInit, initConvFilter } from './conv-init.js';
import { haarOrthogonal, initBias, initWeights } from './init.js';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import { layerSeed } from './mlp.js';
import { AvgPool2d, Flatten, GlobalAvgPool } from './pooling.js';
import { Sequential } from './sequential.js';
import { type ConvShape, SparseConv2d, type SparseConvFormat } from './sparse-conv2d.js';

/**
 * CNN initialisations: eoi (delta-orthogonal EOI filters), uniform / erk (random masks, Gaussian
 * taps), masked-delta-orthogonal (a random mask over a delta-orthogonal kernel), and the dense
 * delta-orthogonal and dense-gaussian.
 */
export const CNN_INITS = ['eoi', 'uniform', 'erk', 'masked-delta-orthogonal', 'delta-orthogonal', 'dense-gaussian'] as const;
/** One of CNN_INITS. */
export type CnnInit = (typeof CNN_INITS)[number];

/** Largest depth, channel count and stem accepted: far past what fits a GPU, yet small enough to check before anything is built. */
export const MAX_CNN_DEPTH = 100_000;
export const MAX_CNN_CHANNELS = 4096;

/**
 * CNN shapes: vanilla (stem, then `depth` stride-1 convolutions) or vgg (stem, then `depth` conv-conv-pool stages, channels doubling).
 */
export const CNN_ARCHITECTURES = ['vanilla', 'vgg'] as const;
/** One of CNN_ARCHITECTURES. */
export type CnnArchitecture = (typeof CNN_ARCHITECTURES)[number];

/**
 * What the classifier reads of the body's last image: 'global-average', one mean per channel (the
 * EOI paper's deep CNN), or 'flatten', every pixel of every channel.
 */
export const CNN_READOUTS = ['global-average', 'flatten'] as const;
/** One of CNN_READOUTS. */
export type CnnReadout = (typeof CNN_READOUTS)[number];

/**
 * A CNN classifier for [channels, h, w] images as plain data: its shape, init, activation, gains and seed.
 */
export interface CnnConfig {
  /** default 'vanilla' */
  architecture?: CnnArchitecture;
  /** the input image: channels, height, width (MNIST: [1, 28, 28]) */
  inputShape: [channels: number, h: number, w: number];
  /** stride-2 convolutions before the body (>= 0) */
  stem: number;
  /** vanilla: stride-1 convolutions of the body, channels -> channels; vgg: conv-conv-pool stages (>= 1) */
  depth: number;
  /** vanilla: every convolution's; vgg: the first stage's, doubled at each next stage */
  channels: number;
  /** odd kernel side (3 in the paper) */
  kernel: number;
  /** default 'circular' */
  paddingMode?: PaddingMode;
  /** default 'global-average' */
  readout?: CnnReadout;
  classes: number;
  /** density of the convolutions (ignored by dense inits) */
  density: number;
  /**
   * eoi: delta-orthogonal EOI filters (exactly orthogonal centre, the mask topped up with
   * trainable zeros), uniform density; uniform / erk: random masks with Gaussian taps scaled to
   * each filter's sparse fan-in, uniform or ERK densities; masked-delta-orthogonal: the EOI
   * paper's sparse baseline, a random mask over a delta-orthogonal kernel with no rescaling;
   * delta-orthogonal / dense-gaussian: dense.
   */
  init: CnnInit;
  activation: Activation;
  /** sigma_w (gain) */
  sigmaW: number;
  /** sigma_b: biases ~ N(0, sigma_b²) */
  sigmaB: number;
  seed: number;
  /**
   * how the sparse convolutions store their filters on the GPU: 'csr' (default) or { bsr: 4 | 8 |
   * 16 }, blocks of that many output x input channels holding every tap, channel counts padded up
   * to whole blocks (dense inits build Conv2d and ignore it); the mask is the same either way
   */
  format?: SparseConvFormat;
  /**
   * init 'uniform' or 'erk' with format { bsr }: masks of whole blocks of that size (every tap of
   * blockSize x blockSize channel pairs), round(density·blocks) per convolution, which dynamic
   * sparsity can move; default false (elementwise masks)
   */
  blockMask?: boolean;
}

/**
 * Checks a CNN config and returns it.
 * @throws RangeError or TypeError naming the field (inputShape, depth, channels, classes, stem, kernel, paddingMode, readout, init, density, sigmaW, sigmaB, seed, activation, architecture, format) and its range
 */
export function checkCnnConfig(config: CnnConfig): CnnConfig {
  checkObject('config', config, 'a CNN config');
  const shape = config.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3) throw new TypeError(`inputShape must be [channels, h, w], got ${String(shape)}`);
  shape.forEach((d, i) => checkPositiveInt(`inputShape[${i}]`, d, 65_535));
  checkPositiveInt('depth', config.depth, MAX_CNN_DEPTH);
  checkPositiveInt('channels', config.channels, MAX_CNN_CHANNELS);
  checkPositiveInt('classes', config.classes, MAX_CNN_CHANNELS);
  if (config.classes < 2) throw new RangeError(`classes must be an integer in [2, ${MAX_CNN_CHANNELS}], got ${config.classes}`);
  if (!Number.isInteger(config.stem) || config.stem < 0 || config.stem > 16) throw new RangeError(`stem must be an integer in [0, 16], got ${String(config.stem)}`);
  checkPositiveInt('kernel', config.kernel, 63);
  if (config.kernel % 2 === 0) throw new RangeError(`kernel must be odd (same padding keeps the image size), got ${config.kernel}`);
  if (config.paddingMode !== undefined && !PADDING_MODES.includes(config.paddingMode)) {
    throw new RangeError(`paddingMode must be one of ${PADDING_MODES.join(', ')}, got ${String(config.paddingMode)}`);
  }
  if (config.readout !== undefined && !CNN_READOUTS.includes(config.readout)) {
    throw new RangeError(`readout must be one of ${CNN_READOUTS.join(', ')}, got ${String(config.readout)}`);
  }
  if (!CNN_INITS.includes(config.init)) throw new RangeError(`init must be one of ${CNN_INITS.join(', ')}, got ${String(config.init)}`);
  checkNumberInRange('density', config.density, 0, 1, true);
  checkFloat32Scale('sigmaW', config.sigmaW, false);
  checkNumberInRange('sigmaB', config.sigmaB, 0, Number.MAX_VALUE);
  checkSeed(config.seed);
  resolveActivation(config.activation);
  const architecture = config.architecture ?? 'vanilla';
  if (!CNN_ARCHITECTURES.includes(architecture)) throw new RangeError(`architecture must be one of ${CNN_ARCHITECTURES.join(', ')}, got ${String(architecture)}`);
  cnnBlockMaskSize(config);
  // Every halving (a stem layer, a VGG stage's pooling) must leave at least one pixel.
  const [, h, w] = shape;
  const halvings = config.stem + (architecture === 'vgg' ? config.depth : 0);
  if (Math.min(h, w) / 2 ** halvings < 1) {
    throw new RangeError(`${architecture === 'vgg' ? 'stem + depth' : 'stem'} must leave at least one pixel: ${halvings} halvings shrink ${h} x ${w} below 1 x 1`);
  }
  if (architecture === 'vgg' && config.channels * 2 ** (config.depth - 1) > MAX_CNN_CHANNELS) {
    throw new RangeError(`channels * 2^(depth - 1) must be at most ${MAX_CNN_CHANNELS} (the last VGG stage's width), got ${config.channels * 2 ** (config.depth - 1)}`);
  }
  return config;
}

/** One convolution of the network: its shape (input image and kernel) and output channels. */
export interface CnnConvSpec {
  cOut: number;
  shape: ConvShape;
}

/** The network's body in order: convolutions, and 2x2 average poolings of a [channels, h, w] image. */
export type CnnStage = { conv: CnnConvSpec } | { pool: [channels: number, h: number, w: number] };

/** The convolutions and poolings of a CNN config in order, with each one's shape. */
export function cnnBody(config: CnnConfig): CnnStage[] {
  const [c0, h0, w0] = config.inputShape;
  const k = config.kernel;
  const padding = (k - 1) / 2;
  const paddingMode = config.paddingMode ?? 'circular';
  const vgg = config.architecture === 'vgg';
  const body: CnnStage[] = [];
  let [c, h, w] = [c0, h0, w0];
  const conv = (cOut: number, stride: number) => {
    body.push({ conv: { cOut, shape: { cIn: c, h, w, kh: k, kw: k, stride, padding, paddingMode } } });
    h = Math.floor((h + 2 * padding - k) / stride) + 1;
    w = Math.floor((w + 2 * padding - k) / stride) + 1;
    c = cOut;
  };
  for (let s = 0; s < config.stem; s++) conv(config.channels, 2);
  for (let d = 0; d < config.depth; d++) {
    if (!vgg) {
      conv(config.channels, 1);
      continue;
    }
    conv(config.channels * 2 ** d, 1);
    conv(config.channels * 2 ** d, 1);
    body.push({ pool: [c, h, w] });
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  return body;
}

/** Every convolution in order: the stem, then the body. */
export function cnnConvs(config: CnnConfig): CnnConvSpec[] {
  return cnnBody(config).flatMap((stage) => ('conv' in stage ? [stage.conv] : []));
}

/** The image the body ends with: [channels, h, w]. */
export function cnnOutputShape(config: CnnConfig): [number, number, number] {
  const last = cnnBody(config).at(-1)!;
  if ('pool' in last) {
    const [channels, h, w] = last.pool;
    return [channels, Math.floor(h / 2), Math.floor(w / 2)];
  }
  const { h, w, kh, kw, stride = 1, padding = 0 } = last.conv.shape;
  return [last.conv.cOut, Math.floor((h + 2 * padding - kh) / stride) + 1, Math.floor((w + 2 * padding - kw) / stride) + 1];
}

/** How many features the classifier reads: the last image's channels, or all of its values when flattened. */
export function cnnReadoutFeatures(config: CnnConfig): number {
  const [channels, h, w] = cnnOutputShape(config);
  return config.readout === 'flatten' ? channels * h * w : channels;
}

/** Per-convolution densities: 1 for dense inits, ERK over [cOut, cIn, k, k] for 'erk', the global density otherwise. */
export function cnnDensities(config: CnnConfig): number[] {
  const shapes = cnnConvs(config).map(({ cOut, shape }) => [cOut, shape.cIn, shape.kh, shape.kw]);
  if (!isSparseCnnInit(config.init)) return shapes.map(() => 1);
  return config.init === 'erk' ? erkDensities(shapes, config.density) : uniformDensities(shapes, config.density);
}

/** The block size of the CNN's block masks, undefined without them (checks format and blockMask). */
function cnnBlockMaskSize(config: CnnConfig): ConvBsrBlockSize | undefined {
  return blockMaskSize(config.blockMask, checkStorageFormat(config.format, CONV_BSR_BLOCK_SIZES), CONV_BSR_BLOCK_SIZES, config.init, isSparseCnnInit(config.init));
}

/** Whether a CNN init makes sparse filters (all but delta-orthogonal and dense-gaussian). */
export function isSparseCnnInit(init: CnnInit): boolean {
  return init !== 'delta-orthogonal' && init !== 'dense-gaussian';
}

const FILTER_INIT: Record<CnnInit, ConvInit> = {
  eoi: 'eoi',
  uniform: 'random',
  erk: 'random',
  'masked-delta-orthogonal': 'masked-delta-orthogonal',
  'delta-orthogonal': 'delta-orthogonal',
  'dense-gaussian': 'gaussian',
};

/** The initial parameters: one CSR filter and bias per convolution, and the classifier's. */
export interface CnnWeights {
  filters: CsrMatrix[];
  biases: Float32Array[];
  /** classes x cnnReadoutFeatures, row-major */
  classifier: Float32Array;
  classifierBias: Float32Array;
}

/** Seeded per layer as buildMlp does; the classifier is orthogonal for orthogonal inits, Gaussian (fan-in) otherwise. */
export function initCnn(config: CnnConfig, onLayer?: (done: number, total: number) => void): CnnWeights {
  checkCnnConfig(config);
  const convs = cnnConvs(config);
  const densities = cnnDensities(config);
  const blockSize = cnnBlockMaskSize(config);
  const filters = convs.map(({ cOut, shape }, l) => {
    const filter = initConvFilter({ cOut, cIn: shape.cIn, kh: shape.kh, kw: shape.kw, density: densities[l]!, init: FILTER_INIT[config.init], gain: config.sigmaW, seed: layerSeed(config.seed, l), blockSize });
    onLayer?.(l + 1, convs.length + 1);
    return filter;
  });
  const biases = convs.map(({ cOut }, l) => initBias(cOut, config.sigmaB, layerSeed(config.seed, l) + 50_000));
  const head = convs.length;
  const seed = layerSeed(config.seed, head);
  const orthogonal = config.init === 'eoi' || config.init.endsWith('delta-orthogonal');
  const features = cnnReadoutFeatures(config);
  const classifier = orthogonal
    ? haarOrthogonal(config.classes, features, seed, config.sigmaW)
    : csrToDense(initWeights({ rows: config.classes, cols: features, density: 1, init: 'gaussian', gain: config.sigmaW, seed }));
  onLayer?.(head + 1, head + 1);
  return { filters, biases, classifier, classifierBias: initBias(config.classes, config.sigmaB, seed + 50_000) };
}

/** The network from given parameters: the convolutions with the activation after each, the readout, the classifier. */
export function assembleCnn(ctx: Context, config: CnnConfig, weights: CnnWeights): Sequential {
  checkCnnConfig(config);
  const body = cnnBody(config);
  const convs = body.length - body.filter((stage) => 'pool' in stage).length;
  const sparse = isSparseCnnInit(config.init);
  const layers: Layer[] = [];
  try {
    let l = 0;
    for (const stage of body) {
      if ('pool' in stage) {
        layers.push(new AvgPool2d(ctx, stage.pool));
        continue;
      }
      const { cOut, shape } = stage.conv;
      const filter = weights.filters[l];
      const bias = weights.biases[l];
      if (!filter || !bias) throw new RangeError(`weights must hold a filter and a bias for each of the ${convs} convolutions, got ${weights.filters.length} and ${weights.biases.length}`);
      if (filter.rows !== cOut) throw new RangeError(`convolution ${l}'s filter must have ${cOut} rows, got ${filter.rows}`);
      if (sparse) {
        layers.push(new SparseConv2d(ctx, filter, shape, bias, config.format ?? 'csr'));
      } else {
        if (filter.values.length !== filter.rows * filter.cols) throw new RangeError(`convolution ${l} is dense: its filter must store all ${filter.rows * filter.cols} taps`);
        layers.push(new Conv2d(ctx, cOut, shape, csrToDense(filter), bias));
      }
      layers.push(new ActivationLayer(ctx, layers.at(-1)!.outFeatures, config.activation));
      l++;
    }
    const [channels, h, w] = cnnOutputShape(config);
    layers.push(config.readout === 'flatten' ? new Flatten([channels, h, w]) : new GlobalAvgPool(ctx, channels, h * w));
    layers.push(new Linear(ctx, cnnReadoutFeatures(config), config.classes, { weight: weights.classifier, bias: weights.classifierBias }));
    return new Sequential(layers);
  } catch (error) {
    for (const layer of layers) layer.destroy();
    throw error;
  }
}

/**
 * A CNN on the GPU from its config: initCnn's weights in assembleCnn's layers (SparseConv2d in
 * config.format, or Conv2d; activations, pooling, the readout, a dense classifier).
 * @throws RangeError or TypeError naming the config field when checkCnnConfig refuses it
 */
export function buildCnn(ctx: Context, config: CnnConfig, onLayer?: (done: number, total: number) => void): Sequential {
  return assembleCnn(ctx, config, initCnn(config, onLayer));
}
