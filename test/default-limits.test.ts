// A host framework hands in a GPUDevice made with WebGPU's default limits (8 storage buffers per
// stage, 16 KiB workgroup memory, 256 invocations per workgroup) and no optional features. Every
// layer kind (sparse linear CSR and BSR, dense linear, sparse and dense convolution, pooling) and
// the optimizer must run there, and give what they give on the library's own device.
import { expect, it } from 'vitest';
import type { CnnModelConfig, ModelConfig } from '../src/nn/model.js';
import type { MlpConfig } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import type { Dataset } from '../src/train/trainer.js';
import { describeGpu } from './harness/gpu.js';

const MLP: Omit<MlpConfig, 'init'> = { inputs: 16, width: 12, depth: 3, classes: 4, density: 0.3, activation: 'tanh', sigmaW: 1, sigmaB: 0.05, seed: 1 };
const CNN: Omit<CnnModelConfig, 'init'> = { kind: 'cnn', inputShape: [2, 7, 6], stem: 1, depth: 2, channels: 4, kernel: 3, classes: 4, density: 0.5, activation: 'tanh', sigmaW: 1, sigmaB: 0.05, seed: 1 };

const mlp = (name: string, config: MlpConfig): [string, ModelConfig] => [name, config];
const cnn = (name: string, config: CnnModelConfig): [string, ModelConfig] => [name, config];
const MODELS = [
  mlp('EOI MLP (CSR)', { ...MLP, init: 'eoi' }),
  mlp('random-mask MLP in BSR-4', { ...MLP, init: 'uniform', format: { bsr: 4 } }),
  mlp('dense MLP', { ...MLP, init: 'dense-orthogonal' }),
  cnn('EOI CNN, circular padding (CSR convolutions)', { ...CNN, init: 'eoi', paddingMode: 'circular' }),
  cnn('VGG-style CNN with 2x2 pooling', { ...CNN, architecture: 'vgg', stem: 0, inputShape: [2, 9, 7], init: 'uniform', activation: 'relu', paddingMode: 'zeros' }),
  cnn('dense delta-orthogonal CNN', { ...CNN, init: 'delta-orthogonal', paddingMode: 'circular' }),
];

function dataset(features: number, count: number, classes: number): Dataset {
  const rng = new Rng(23);
  return { count, features, inputs: Float32Array.from({ length: count * features }, () => rng.nextNormal()), labels: Uint32Array.from({ length: count }, () => rng.nextInt(classes)) };
}

describeGpu('defaultLimits', (run) => {
  it.each(MODELS)('%s trains on a default-limits device as on the library’s own', async (_, config) => {
    const features = 'kind' in config && config.kind === 'cnn' ? config.inputShape[0] * config.inputShape[1] * config.inputShape[2] : (config as { inputs: number }).inputs;
    const out: { maxStorageBuffersPerShaderStage: number; own: Float32Array; defaults: Float32Array } = await run('trainOnDefaultLimits', {
      config,
      data: dataset(features, 20, config.classes),
      steps: 3,
      batch: 5,
    });
    // The second device really has the default limit (so this test would catch a kernel above it).
    expect(out.maxStorageBuffersPerShaderStage).toBe(8);
    expect(out.own.length).toBe(5 * config.classes);
    // The same kernels with the same tile choices run on both devices: the same float32 results,
    // to the last bit, after three Adam steps.
    expect(Array.from(out.defaults)).toEqual(Array.from(out.own));
  });
});
