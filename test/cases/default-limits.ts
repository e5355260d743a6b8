/**
 * GPU cases on a device made with WebGPU's default limits (as a host framework such as TF.js
 * makes one): every layer kind trains there exactly as on the library's own device.
 */
import { type Context, createContext } from '../../src/gpu/context.js';
import { gpuEntry } from '../../src/gpu/device.js';
import { SoftmaxCrossEntropy } from '../../src/nn/loss.js';
import { buildModel, type ModelConfig } from '../../src/nn/model.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { toActivationLayout } from '../../src/sparse/activation-layout.js';
import { Adam } from '../../src/train/optimizers.js';
import { type Dataset, train } from '../../src/train/trainer.js';
import { defineCases } from '../harness/case.js';
import { readActivation } from './sparse.js';

/** A device with no limit raised and no optional feature, from the library's own WebGPU entry point. */
async function defaultLimitsDevice(): Promise<GPUDevice> {
  const adapter = await (await gpuEntry()).gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  return adapter.requestDevice();
}

/** Trains `config` for `steps` Adam steps on `data` and returns the logits on its first `batch` inputs. */
async function trainedLogits(ctx: Context, config: ModelConfig, data: Dataset, steps: number, batch: number): Promise<Float32Array> {
  const model: Sequential = buildModel(ctx, config);
  const loss = new SoftmaxCrossEntropy(ctx, config.classes);
  const optimizer = new Adam(ctx, model.parameters(), { lr: 0.01 });
  const x = ctx.upload('f32', toActivationLayout(data.inputs.subarray(0, batch * data.features), batch, data.features));
  try {
    await train(ctx, { model, loss, optimizer, train: data, batchSize: batch, maxSteps: steps, seed: 3 });
    return await readActivation(ctx, await model.forward(x, batch), batch, config.classes);
  } finally {
    x.destroy();
    optimizer.destroy();
    loss.destroy();
    model.destroy();
  }
}

export const defaultLimitsCases = defineCases({
  /**
   * The model trained a few steps on the harness's device (limits raised to the adapter's) and on
   * a default-limits device: both logits, and the second device's storage-buffer limit.
   */
  trainOnDefaultLimits: async (ctx, p: { config: ModelConfig; data: Dataset; steps: number; batch: number }) => {
    const device = await defaultLimitsDevice();
    const other = await createContext({ device });
    try {
      return {
        maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
        own: await trainedLogits(ctx, p.config, p.data, p.steps, p.batch),
        defaults: await trainedLogits(other, p.config, p.data, p.steps, p.batch),
      };
    } finally {
      other.destroy();
      device.destroy();
    }
  },
});
