/**
 * The Chromium side of bench/dst.ts's throughput mode: our LeNet-300-100 (dense, static sparse,
 * SET, RigL) and TF.js's masked dense one, trained in the same page, one after the other.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients (optimizer.minimize) are registered by the tfjs umbrella package; tfjs-core alone needs this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { createContext } from '../src/gpu/context.js';
import { ourThroughput, type ThroughputRow, tfjsMaskedThroughput } from './dst-net.js';

async function throughput(opts: { density: number; steps: number; every: number }): Promise<ThroughputRow[]> {
  const ctx = await createContext();
  const rows: ThroughputRow[] = [];
  for (const arm of ['dense', 'static', 'set', 'rigl'] as const) {
    rows.push(await ourThroughput(ctx, arm, opts.density, opts.steps, opts.every));
    console.log(JSON.stringify(rows.at(-1)));
  }
  const adapter = ctx.adapterName;
  ctx.destroy();
  await tf.setBackend('webgpu');
  await tf.ready();
  rows.push(await tfjsMaskedThroughput(tf, adapter, opts.density, opts.steps));
  console.log(JSON.stringify(rows.at(-1)));
  return rows;
}

(globalThis as Record<string, unknown>).dstBench = { throughput };
