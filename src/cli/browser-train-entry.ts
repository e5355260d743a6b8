/** The page side of `orthosparse train --browser` (see browser-runner.ts). */
import { createContext } from '../gpu/context.js';
import { saveModel } from '../nn/model.js';
import { runTraining, type TrainSpec } from '../train/experiment.js';
import type { Dataset } from '../train/trainer.js';

declare const reportProgress: (p: unknown) => Promise<void>;
declare const reportEval: (e: unknown) => Promise<void>;
declare const reportStage: (s: string) => Promise<void>;

async function fetchBytes(path: string): Promise<ArrayBuffer> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function dataset(name: 'train' | 'test', meta: { count: number; features: number }): Promise<Dataset> {
  return {
    ...meta,
    inputs: new Float32Array(await fetchBytes(`/${name}-inputs.bin`)),
    labels: new Uint8Array(await fetchBytes(`/${name}-labels.bin`)),
  };
}

(globalThis as Record<string, unknown>).orthosparseTrain = async () => {
  const { spec, train, test } = (await (await fetch('/spec.json')).json()) as { spec: TrainSpec; train: { count: number; features: number }; test: { count: number; features: number } };
  const ctx = await createContext();
  let model = '';
  try {
    const result = await runTraining(ctx, spec, { train: await dataset('train', train), test: await dataset('test', test) }, {
      onProgress: (p) => void reportProgress(p),
      onEval: (e) => void reportEval(e),
      onStage: (s) => void reportStage(s),
      // The saved model travels back as base64 (puppeteer returns JSON).
      onTrained: async (m) => void (model = toBase64(await saveModel(ctx, m, spec.model))),
    });
    return { result, model };
  } finally {
    ctx.destroy();
  }
};

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
