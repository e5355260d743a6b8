/**
 * The two model families the training layer builds, behind one config type: the deep MLP
 * (mlp.ts) and the deep vanilla CNN (cnn.ts, config.kind 'cnn'). Building, labelling, saving and
 * loading dispatch on the kind here, so the trainer, the CLI and the page handle both alike.
 */
import type { Context } from '../gpu/context.js';
import { decodeModelFile } from './model-file.js';
import { buildCnn, type CnnConfig, isSparseCnnInit } from './cnn.js';
import { cnnFromFile, saveCnn } from './cnn-file.js';
import { buildMlp, isSparseInit, type MlpConfig } from './mlp.js';
import { mlpFromFile, saveMlp } from './mlp-file.js';
import type { Sequential } from './sequential.js';

/** A CNN config tagged kind 'cnn', as ModelConfig and model files hold it. */
export type CnnModelConfig = CnnConfig & { kind: 'cnn' };
/** An MLP config (kind absent or 'mlp') or a CNN config (kind 'cnn'). */
export type ModelConfig = (MlpConfig & { kind?: 'mlp' }) | CnnModelConfig;

/** Whether a model config is a CNN's. */
export function isCnnConfig(config: ModelConfig): config is CnnModelConfig {
  return config.kind === 'cnn';
}

/** Whether the config's init builds sparse layers (so its density means something). */
export function isSparseModel(config: ModelConfig): boolean {
  return isCnnConfig(config) ? isSparseCnnInit(config.init) : isSparseInit(config.init);
}

/**
 * The MLP or CNN a config describes, on the GPU (buildMlp or buildCnn).
 * @throws RangeError or TypeError naming the config field when it is out of range
 */
export function buildModel(ctx: Context, config: ModelConfig, onLayer?: (done: number, total: number) => void): Sequential {
  return isCnnConfig(config) ? buildCnn(ctx, config, onLayer) : buildMlp(ctx, config, onLayer);
}

/** "100-layer eoi MLP, width 128" or "eoi CNN, 2 + 100 convolutions of 32 channels". */
export function describeModel(config: ModelConfig): string {
  if (isCnnConfig(config)) {
    const readout = config.readout === 'flatten' ? ', flattened readout' : '';
    if (config.architecture === 'vgg') return `${config.init} VGG-style CNN, ${config.depth} conv-conv-pool stages from ${config.channels} channels${readout}`;
    return `${config.init} CNN, ${config.stem} + ${config.depth} convolutions of ${config.channels} channels${readout}`;
  }
  return `${config.depth}-layer ${config.init} MLP, width ${config.width}`;
}

/**
 * A model built from `config` as .osm bytes (saveMlp or saveCnn).
 * @throws RangeError when the model's layers do not match the config
 */
export function saveModel(ctx: Context, model: Sequential, config: ModelConfig): Promise<Uint8Array> {
  if (isCnnConfig(config)) {
    const { kind: _kind, ...cnn } = config;
    return saveCnn(ctx, model, cnn);
  }
  const { kind: _kind, ...mlp } = config;
  return saveMlp(ctx, model, mlp);
}

/** A saved MLP or CNN, rebuilt on the GPU. */
export function loadModel(ctx: Context, bytes: Uint8Array): { model: Sequential; config: ModelConfig } {
  const file = decodeModelFile(bytes);
  if ((file.config as { kind?: unknown } | null)?.kind === 'cnn') {
    const { model, config } = cnnFromFile(ctx, file);
    return { model, config: { ...config, kind: 'cnn' } };
  }
  return mlpFromFile(ctx, file);
}
