/**
 * The network a mask generator prunes, an MLP or a CNN, and the fixed parts that the gradient
 * sources and trainers hold around the pruned weights.
 *
 * An MLP is its layer shapes (mlpShapes): every linear layer is pruned, its weight a rows x cols
 * CSR. A CNN (kind 'cnn') is the part of a CnnConfig that fixes its shapes: its convolutions are
 * pruned, each filter a CSR of cOut rows and cIn·kh·kw columns (OIHW, as the conv layers take
 * it), while pooling and the dense classifier stay as cnn.ts builds them. Density distributions
 * read a convolution as its 4-D shape [cOut, cIn, kh, kw] (ERK's conv formula).
 */
import type { LayerShape } from '../eoi/layer-densities.js';
import type { Activation } from '../kernels/activation.js';
import { type CnnConfig, type CnnConvSpec, checkCnnConfig, cnnConvs, cnnReadoutFeatures } from '../nn/cnn.js';
import { initWeights } from '../nn/init.js';
import { layerSeed } from '../nn/mlp.js';
import { convTaps } from '../sparse/conv-geometry.js';
import { csrToDense } from '../sparse/csr.js';
import { checkLength, checkNumberArray, checkObject } from '../validate.js';
import { checkMlpShapes } from './shapes.js';
import type { MlpShape } from './types.js';

/** The fields of a CnnConfig that fix a CNN's layers and shapes (a whole CnnConfig will do). */
export type CnnNetworkShape = Pick<CnnConfig, 'architecture' | 'inputShape' | 'stem' | 'depth' | 'channels' | 'kernel' | 'paddingMode' | 'readout' | 'classes'>;

export interface CnnNetwork extends CnnNetworkShape {
  kind: 'cnn';
  /**
   * The dense classifier (classes x the readout's features, row-major: the last image's channels,
   * times its pixels when flattened) that SynFlow's flow passes through. Default: the Gaussian
   * N(0, gain² / features) that the dense init draws for the head, seeded as layer L
   * (L convolutions), which is initCnn's classifier for non-orthogonal inits at the same seed and gain.
   */
  classifier?: ArrayLike<number>;
}

/** An MLP by its [out, in] layer shapes, or a CNN. */
export type MaskNetwork = readonly MlpShape[] | CnnNetwork;

/** A CNN's fixed parts around its filters, for the gradient sources and trainers. */
export interface CnnFrame extends CnnNetworkShape {
  /** classes x the readout's features, row-major */
  classifier: ArrayLike<number>;
  /** classes values; zeros when omitted */
  classifierBias?: ArrayLike<number>;
}

/** What a gradient source or trainer holds fixed around the pruned weights. */
export interface NetworkFrame {
  activation: Activation;
  /** one per pruned layer (a convolution's: one per output channel); zeros when omitted */
  biases?: readonly ArrayLike<number>[];
  /** present: the weights are this CNN's convolution filters; absent: they are an MLP's layers */
  cnn?: CnnFrame;
}

/** A checked network, as the generators read it. */
export interface ResolvedNetwork {
  /** each pruned layer's weight dims, for density distributions: [out, in] or [cOut, cIn, kh, kw] */
  dims: LayerShape[];
  /** each pruned layer's CSR shape: [out, in], or [cOut, cIn·kh·kw] */
  matrices: MlpShape[];
  /** the CNN's convolutions and its given classifier; absent for an MLP */
  cnn?: { network: CnnNetwork; convs: CnnConvSpec[]; classes: number; features: number };
}

export function resolveNetwork(network: unknown): ResolvedNetwork {
  if (Array.isArray(network)) {
    const shapes = checkMlpShapes(network);
    return { dims: shapes.map((s) => [...s]), matrices: [...shapes] };
  }
  if ((network as { kind?: unknown } | null)?.kind !== 'cnn') {
    throw new TypeError(`shapes must be a non-empty array of [out, in] layer shapes (mlpShapes) or a CNN { kind: 'cnn', inputShape, stem, depth, channels, kernel, classes }, got ${String(network)}`);
  }
  const cnn = network as CnnNetwork;
  const config = cnnConfigFor(cnn, 'relu'); // the activation plays no part in the shapes
  const convs = cnnConvs(config);
  const features = cnnReadoutFeatures(config);
  if (cnn.classifier !== undefined) checkLength('network.classifier', checkNumberArray('network.classifier', cnn.classifier), config.classes * features, "classes*the readout's features");
  return {
    dims: convs.map(({ cOut, shape }) => [cOut, shape.cIn, shape.kh, shape.kw]),
    matrices: convs.map(({ cOut, shape }) => [cOut, convTaps(shape)] as const),
    cnn: { network: cnn, convs, classes: config.classes, features },
  };
}

/**
 * The CnnConfig of a CNN shape for cnn.ts (checked): init 'uniform' so that every convolution is a
 * SparseConv2d holding exactly the given filter; the fields assembleCnn does not read are neutral.
 */
export function cnnConfigFor(shape: CnnNetworkShape, activation: Activation): CnnConfig {
  const { architecture, inputShape, stem, depth, channels, kernel, paddingMode, readout, classes } = checkObject('network', shape, 'a CNN shape') as unknown as CnnNetworkShape;
  return checkCnnConfig({ architecture, inputShape, stem, depth, channels, kernel, paddingMode, readout, classes, init: 'uniform', density: 1, activation, sigmaW: 1, sigmaB: 0, seed: 0 });
}

/** The CNN's classifier: the given one, or the dense init's (see CnnNetwork.classifier). */
export function cnnClassifier(cnn: NonNullable<ResolvedNetwork['cnn']>, gain: number, seed: number): ArrayLike<number> {
  if (cnn.network.classifier !== undefined) return cnn.network.classifier;
  return csrToDense(initWeights({ rows: cnn.classes, cols: cnn.features, density: 1, init: 'gaussian', gain, seed: layerSeed(seed, cnn.convs.length) }));
}
