/**
 * The multilayer perceptron of the EOI paper's deep-network experiments: `depth` fully connected
 * layers (inputs -> width, depth-2 times width -> width, width -> classes), an activation after
 * every layer but the last, no residuals, no normalisation. Sparse inits build SparseLinear layers
 * with per-layer densities from a distribution; dense inits build Linear layers.
 */
import type { Context } from '../gpu/context.js';
import { erkDensities, uniformDensities } from '../eoi/layer-densities.js';
import { type Activation, resolveActivation } from '../kernels/activation.js';
import { BSR_BLOCK_SIZES, type BsrBlockSize, checkStorageFormat } from '../sparse/bsr.js';
import { type CsrMatrix, csrToDense } from '../sparse/csr.js';
import { checkFloat32Scale, checkNumberInRange, checkObject, checkPositiveInt, checkSeed } from '../validate.js';
import { ActivationLayer } from './activation-layer.js';
import { blockMaskSize } from './block-mask.js';
import { type GaussianScale, initBias, initWeights, type WeightInit } from './init.js';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import { type SparseFormat, SparseLinear } from './sparse-linear.js';
import { Sequential } from './sequential.js';

/**
 * MLP initialisations: eoi (exact orthogonal sparse), uniform and erk (random masks with Gaussian
 * weights, uniform or ERK densities), dense-orthogonal and dense-gaussian.
 */
export const MLP_INITS = ['eoi', 'uniform', 'erk', 'dense-orthogonal', 'dense-gaussian'] as const;
/** One of MLP_INITS. */
export type MlpInit = (typeof MLP_INITS)[number];

/**
 * An MLP classifier as plain data: `depth` linear layers (inputs -> width -> ... -> classes), its
 * init and density, activation, gains (sigmaW, sigmaB) and seed.
 */
export interface MlpConfig {
  inputs: number;
  width: number;
  /** number of linear layers, >= 2 */
  depth: number;
  classes: number;
  /** global density of the weights (ignored by dense inits) */
  density: number;
  /**
   * eoi: exact orthogonal sparse, uniform per-layer density; uniform: random mask, same density
   * in every layer; erk: random mask, ERK densities; dense-orthogonal / dense-gaussian: dense.
   */
  init: MlpInit;
  activation: Activation;
  /** sigma_w (gain) */
  sigmaW: number;
  /** sigma_b: biases ~ N(0, sigma_b²) */
  sigmaB: number;
  seed: number;
  /** how sparse layers store W on the GPU (default CSR); the mask is the same either way */
  format?: SparseFormat;
  /**
   * uniform and erk with a BSR format: masks of whole blocks of the format's size, each layer
   * round(d·blockRows·blockCols) blocks for its density d (uniform or ERK), so that dynamic sparsity
   * can move them (it moves whole BSR blocks). Ignored by dense inits; refused with eoi.
   */
  blockMask?: boolean;
  /** the mask method (src/masks) that made the sparse weights, when not `init` (a record, for saved models) */
  mask?: string;
  /** Gaussian inits (uniform, erk, dense-gaussian): 'fan-in' (default) or 'xavier' scaling */
  weightScale?: GaussianScale;
}

/** Largest depth and feature count accepted: far past what fits a GPU, yet small enough to check before any layer list is built. */
export const MAX_MLP_DEPTH = 100_000;
export const MAX_MLP_FEATURES = 1 << 20;

export function checkMlpConfig(config: MlpConfig): MlpConfig {
  checkObject('config', config, 'an MLP config');
  checkPositiveInt('inputs', config.inputs, MAX_MLP_FEATURES);
  checkPositiveInt('width', config.width, MAX_MLP_FEATURES);
  checkPositiveInt('classes', config.classes, MAX_MLP_FEATURES);
  checkDepth(config.depth);
  if (!MLP_INITS.includes(config.init)) throw new RangeError(`init must be one of ${MLP_INITS.join(', ')}, got ${String(config.init)}`);
  checkNumberInRange('density', config.density, 0, 1, true);
  checkFloat32Scale('sigmaW', config.sigmaW, false);
  checkNumberInRange('sigmaB', config.sigmaB, 0, Number.MAX_VALUE);
  checkSeed(config.seed);
  resolveActivation(config.activation);
  mlpBlockMaskSize(config);
  return config;
}

/** The layer count: an integer in [2, MAX_MLP_DEPTH], checked before any per-layer list is built. */
function checkDepth(depth: unknown): void {
  if (typeof depth !== 'number' || !Number.isInteger(depth)) throw new TypeError(`depth must be an integer in [2, ${MAX_MLP_DEPTH}], got ${String(depth)}`);
  if (depth < 2 || depth > MAX_MLP_DEPTH) throw new RangeError(`depth must be an integer in [2, ${MAX_MLP_DEPTH}], got ${depth}`);
}

/** [out, in] of each linear layer; throws a TypeError / RangeError for a depth outside [2, MAX_MLP_DEPTH]. */
export function mlpShapes(config: Pick<MlpConfig, 'inputs' | 'width' | 'depth' | 'classes'>): Array<[number, number]> {
  checkDepth(config.depth);
  const shapes: Array<[number, number]> = [[config.width, config.inputs]];
  for (let l = 1; l < config.depth - 1; l++) shapes.push([config.width, config.width]);
  shapes.push([config.classes, config.width]);
  return shapes;
}

/** Per-layer densities: 1 for dense inits, ERK for 'erk', the global density otherwise. */
export function mlpDensities(config: MlpConfig): number[] {
  const shapes = mlpShapes(config);
  if (config.init.startsWith('dense')) return shapes.map(() => 1);
  return config.init === 'erk' ? erkDensities(shapes, config.density) : uniformDensities(shapes, config.density);
}

/** The block size of the MLP's block masks, undefined without them (checks format and blockMask). */
function mlpBlockMaskSize(config: MlpConfig): BsrBlockSize | undefined {
  return blockMaskSize(config.blockMask, checkStorageFormat(config.format, BSR_BLOCK_SIZES), BSR_BLOCK_SIZES, config.init, isSparseInit(config.init));
}

/** Whether an MLP init makes sparse layers (all but the dense- ones). */
export function isSparseInit(init: MlpInit): boolean {
  return !init.startsWith('dense');
}

/** Layer l's seed from the model's: distinct per layer, deterministic per model seed. */
export function layerSeed(seed: number, layer: number): number {
  return seed * 100_003 + layer;
}

/** Build the network on the GPU; seeds per layer derive from config.seed so layers differ. */
export function buildMlp(ctx: Context, config: MlpConfig, onLayer?: (done: number, total: number) => void): Sequential {
  checkMlpConfig(config);
  const shapes = mlpShapes(config);
  const densities = mlpDensities(config);
  const weightInit: Record<MlpInit, WeightInit> = {
    eoi: 'eoi',
    uniform: 'random',
    erk: 'random',
    'dense-orthogonal': 'orthogonal',
    'dense-gaussian': 'gaussian',
  };
  const blockSize = mlpBlockMaskSize(config);
  const weights = shapes.map(([rows, cols], l) => {
    const weight = initWeights({ rows, cols, density: densities[l]!, init: weightInit[config.init], gain: config.sigmaW, seed: layerSeed(config.seed, l), scale: config.weightScale, blockSize });
    onLayer?.(l + 1, shapes.length);
    return weight;
  });
  return assembleMlp(ctx, config, weights, mlpBiases(config));
}

/** Every layer's initial biases, N(0, sigma_b²), seeded per layer (apart from the weights' seeds). */
export function mlpBiases(config: MlpConfig): Float32Array[] {
  return mlpShapes(config).map(([rows], l) => initBias(rows, config.sigmaB, layerSeed(config.seed, l) + 50_000));
}

/**
 * The network from given weights (CSR, one per linear layer, out x in) and biases: SparseLinear
 * layers for sparse inits, Linear for dense ones (whose CSR must store every weight), with the
 * activation between them.
 */
export function assembleMlp(ctx: Context, config: MlpConfig, weights: CsrMatrix[], biases: Float32Array[]): Sequential {
  const shapes = mlpShapes(config);
  if (weights.length !== shapes.length || biases.length !== shapes.length) {
    throw new RangeError(`weights and biases must hold one entry for each of the ${shapes.length} layers, got ${weights.length} and ${biases.length}`);
  }
  shapes.forEach(([rows, cols], l) => {
    const weight = weights[l]!;
    if (weight.rows !== rows || weight.cols !== cols) throw new RangeError(`layer ${l} weight must be ${rows} x ${cols}, got ${weight.rows} x ${weight.cols}`);
    if (!isSparseInit(config.init) && weight.values.length !== rows * cols) throw new RangeError(`layer ${l} is dense: it must store all ${rows * cols} weights`);
  });
  const layers: Layer[] = [];
  try {
    shapes.forEach(([rows, cols], l) => {
      const weight = weights[l]!;
      const bias = biases[l]!;
      if (isSparseInit(config.init)) layers.push(new SparseLinear(ctx, weight, bias, config.format));
      else layers.push(new Linear(ctx, cols, rows, { weight: csrToDense(weight), bias }));
      if (l < shapes.length - 1) layers.push(new ActivationLayer(ctx, rows, config.activation));
    });
  } catch (error) {
    // A layer refused midway: the ones already built are freed, not leaked.
    for (const layer of layers) layer.destroy();
    throw error;
  }
  return new Sequential(layers);
}
