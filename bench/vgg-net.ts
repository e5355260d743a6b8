/**
 * The VGG-style CNN of the any-mask grid (bench/vgg-common.sh's flags) as a model config: three
 * conv-conv-pool stages of 8, 16 and 32 channels on MNIST, zero padding, ReLU, global average
 * pooling, seed 0; `extra` adds the storage format and block masks.
 */
import type { CnnModelConfig } from '../src/nn/model.js';

export function vggConfig(init: CnnModelConfig['init'], density: number, extra: Partial<CnnModelConfig> = {}): CnnModelConfig {
  return {
    kind: 'cnn',
    architecture: 'vgg',
    inputShape: [1, 28, 28],
    depth: 3,
    channels: 8,
    stem: 0,
    kernel: 3,
    paddingMode: 'zeros',
    classes: 10,
    density,
    init,
    activation: 'relu',
    sigmaW: 1.4142,
    sigmaB: 0,
    seed: 0,
    ...extra,
  };
}
