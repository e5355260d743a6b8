import type { CnnConfig } from '../src/nn/cnn.js';

/**
 * The small CNN the layer-contract tests build (init and activation theirs): a stride-2 stem and 2
 * stride-1 circular 3x3 convolutions of 4 channels on a 2 x 9 x 7 image (odd sides), global
 * average pooling, a 3-way classifier.
 */
export const SMALL_CNN: Omit<CnnConfig, 'init' | 'activation'> = {
  inputShape: [2, 9, 7],
  stem: 1,
  depth: 2,
  channels: 4,
  kernel: 3,
  paddingMode: 'circular',
  classes: 3,
  density: 0.5,
  sigmaW: 1,
  sigmaB: 0.1,
  seed: 5,
};
