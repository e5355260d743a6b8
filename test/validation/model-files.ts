/**
 * Model files built on the CPU (no GPU needed): the same config, masks, values and biases saveMlp
 * writes, for tests that mutate files and expect loading to refuse or reproduce them.
 */
import type { Context } from '../../src/gpu/context.js';
import { type CnnConfig, initCnn } from '../../src/nn/cnn.js';
import { initBias, initWeights } from '../../src/nn/init.js';
import { type MlpConfig, layerSeed, mlpShapes } from '../../src/nn/mlp.js';
import { encodeModelFile, type FileTensor } from '../../src/nn/model-file.js';

export const SMALL_MLP: MlpConfig = {
  inputs: 6,
  width: 5,
  depth: 3,
  classes: 3,
  density: 0.5,
  init: 'uniform',
  activation: 'tanh',
  sigmaW: 1,
  sigmaB: 0.1,
  seed: 3,
};

/** The tensors of an MLP file for `config`: per layer l, l.rowPtr, l.colIdx, l.values, l.bias. */
export function mlpFileTensors(config: MlpConfig): Map<string, FileTensor> {
  const tensors = new Map<string, FileTensor>();
  const dense = config.init.startsWith('dense');
  mlpShapes(config).forEach(([rows, cols], l) => {
    const w = initWeights({ rows, cols, density: dense ? 1 : config.density, init: dense ? 'gaussian' : 'random', gain: config.sigmaW, seed: layerSeed(config.seed, l) });
    tensors.set(`${l}.rowPtr`, w.rowPtr);
    tensors.set(`${l}.colIdx`, w.colIdx);
    tensors.set(`${l}.values`, w.values);
    tensors.set(`${l}.bias`, initBias(rows, config.sigmaB, l + 1));
  });
  return tensors;
}

/** A model file for `config`, with `edit` applied to the tensors before encoding. */
export function mlpFile(config: MlpConfig, edit?: (tensors: Map<string, FileTensor>) => void, fileConfig: Record<string, unknown> = { kind: 'mlp', ...config }): Uint8Array {
  const tensors = mlpFileTensors(config);
  edit?.(tensors);
  return encodeModelFile({ config: fileConfig, tensors });
}

export const SMALL_CNN: CnnConfig = { inputShape: [1, 6, 6], stem: 1, depth: 1, channels: 4, kernel: 3, classes: 3, density: 0.5, init: 'eoi', activation: 'tanh', sigmaW: 1, sigmaB: 0.05, seed: 2 };

/** A CNN model file for `config`, with the tensors saveCnn writes (CSR filters, biases, the classifier). */
export function cnnFile(config: CnnConfig): Uint8Array {
  const weights = initCnn(config);
  const tensors = new Map<string, FileTensor>();
  weights.filters.forEach((filter, l) => {
    tensors.set(`${l}.rowPtr`, filter.rowPtr);
    tensors.set(`${l}.colIdx`, filter.colIdx);
    tensors.set(`${l}.values`, filter.values);
    tensors.set(`${l}.bias`, weights.biases[l]!);
  });
  tensors.set('classifier.weight', weights.classifier);
  tensors.set('classifier.bias', weights.classifierBias);
  return encodeModelFile({ config: { kind: 'cnn', ...config }, tensors });
}

/** A model file with a hand-written header (JSON text) and data section. */
export function rawModelFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((12 + json.length) / 4) * 4;
  const bytes = new Uint8Array(dataStart + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x4d50534f, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  bytes.set(data, dataStart);
  return bytes;
}

/**
 * A Context stand-in that throws on any use: passing it proves a refusal happened before the
 * first GPU call (no buffer, no limit query).
 */
export const UNTOUCHABLE_CONTEXT = new Proxy(
  {},
  {
    get(_target, key) {
      throw new Error(`the context was used (${String(key)}) before the input was refused`);
    },
  },
) as Context;
