/**
 * One entry point for every mask method: generateMasks('snip+eoi', mlpShapes(config), { density, … })
 * for an MLP, or generateMasks('snip+eoi', { kind: 'cnn', ...cnnConfig }, { … }) for a CNN's convolutions.
 */
import type { Activation } from '../kernels/activation.js';
import { eoiMasks, eoiOnTop } from './eoi-masks.js';
import { type GraspSettings, graspMasks, graspV2Masks } from './grasp.js';
import type { DataScoreOptions } from './gradients.js';
import { type IsometryOptions, isometryOnTop } from './isometry.js';
import { type LotteryOptions, lotteryLayerMasks, lotteryMasks } from './lottery.js';
import { magnitudeMasks } from './magnitude.js';
import { type BaseMaskMethod, type MaskMethod, parseMaskMethod } from './method.js';
import type { CommonMaskOptions } from './options.js';
import { randomMasks } from './random.js';
import { saoCodeMasks, saoMasks } from './sao.js';
import { snip128Masks, snipMasks } from './snip.js';
import { synflowMasks, synflowNetMasks } from './synflow.js';
import { taylorMasks } from './taylor.js';
import type { MaskNetwork } from './network.js';
import type { GradientSource, MaskResult, TrainFn } from './types.js';

/** Every method's options; each method reads its own (and checks that the ones it needs are there). */
export interface MaskOptions extends CommonMaskOptions, GraspSettings {
  /** sao: its lowest degree (4 for relu, else 2); sao-code: relu builds [[A, −A], [−A, A]]; synflow-net: the network's (default tanh); SAO refuses CNNs */
  activation?: Activation;
  /** synflow-net: one bias per pruned layer, whose magnitudes join the flow; default zeros */
  biases?: readonly ArrayLike<number>[];
  /** snip, grasp, taylor: gpuGradientSource(ctx, …) or referenceGradientSource(…), for the same network (`cnn` in its frame for a CNN) */
  gradients?: GradientSource;
  /** lottery (required): trains each round; taylor (optional): trains before scoring */
  train?: TrainFn;
  /** lottery: fraction of the remaining weights pruned per round; default 0.2 (lottery-layer 0.1) */
  pruneFraction?: number;
  /** synflow: pruning rounds; default 100 */
  iterations?: number;
  /** +ai: steps (default 1000) and lr (default 0.1); the target is `gain` */
  isometry?: Omit<IsometryOptions, 'gain'>;
}

// Casts: the data-driven generators check at run time that their required options are present.
const BASES: Record<BaseMaskMethod, (network: MaskNetwork, opts: MaskOptions) => MaskResult | Promise<MaskResult>> = {
  random: randomMasks,
  magnitude: magnitudeMasks,
  lottery: (network, opts) => lotteryMasks(network, opts as LotteryOptions),
  'lottery-layer': (network, opts) => lotteryLayerMasks(network, opts as LotteryOptions),
  snip: (network, opts) => snipMasks(network, opts as DataScoreOptions),
  'snip-128': (network, opts) => snip128Masks(network, opts as DataScoreOptions),
  grasp: (network, opts) => graspMasks(network, opts as DataScoreOptions),
  'grasp-v2': (network, opts) => graspV2Masks(network, opts as DataScoreOptions),
  synflow: synflowMasks,
  'synflow-net': synflowNetMasks,
  taylor: (network, opts) => taylorMasks(network, opts as DataScoreOptions),
  sao: saoMasks,
  'sao-code': saoCodeMasks,
  eoi: eoiMasks,
};

export async function generateMasks(method: MaskMethod, network: MaskNetwork, opts: MaskOptions): Promise<MaskResult> {
  const { base, refinement } = parseMaskMethod(method);
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`opts must be a mask options object, got ${String(opts)}`);
  const result = await BASES[base](network, opts);
  if (refinement === 'eoi') return eoiOnTop(result, { seed: opts.seed, gain: opts.gain, network });
  if (refinement === 'ai') return isometryOnTop(result, { ...opts.isometry, gain: opts.gain });
  return result;
}
