/** The page side of `orthosparse train --browser` (see browser-runner.ts). */
import { createContext } from '../gpu/context.js';
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
  try {
    return await runTraining(ctx, spec, { train: await dataset('train', train), test: await dataset('test', test) }, {
      onProgress: (p) => void reportProgress(p),
      onEval: (e) => void reportEval(e),
      onStage: (s) => void reportStage(s),
    });
  } finally {
    ctx.destroy();
  }
};
