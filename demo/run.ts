/**
 * One training run in the page: runTraining (the CLI's function) with hooks that fill the run's
 * state as it goes, and a look at the network as it starts, before its first step: the Jacobian's
 * singular values and every linear layer's weights (for the mask view).
 */
import { type Context, csrToDense, type Dataset, GhostSkip, jacobianSpectrum, Linear, runTraining, Sequential, SparseLinear } from '../src/index.js';
import type { RunState } from './state.js';

/** A linear layer's weights at step 0, dense row-major; `stored` marks the mask (absent: dense, all stored). */
export interface LayerWeights {
  rows: number;
  cols: number;
  values: Float32Array;
  stored?: Uint8Array;
}

/** Weights at step 0 by run id: too large for window.demoState, which keeps only their shapes. */
export const initialWeights = new Map<number, LayerWeights[]>();

async function readLayerWeights(ctx: Context, model: Sequential): Promise<LayerWeights[]> {
  const weights: LayerWeights[] = [];
  for (const outer of model.layers) {
    const layer = outer instanceof GhostSkip ? outer.inner : outer;
    if (layer instanceof SparseLinear) {
      const w = await layer.readWeight();
      const stored = new Uint8Array(w.rows * w.cols);
      for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) stored[r * w.cols + w.colIdx[t]!] = 1;
      weights.push({ rows: w.rows, cols: w.cols, values: csrToDense(w), stored });
    } else if (layer instanceof Linear) {
      weights.push({ rows: layer.outFeatures, cols: layer.inFeatures, values: await ctx.read(layer.weight) });
    }
  }
  return weights;
}

/**
 * The network at step 0, before any update: as initialised (by an init or a mask method) and as
 * the recipe starts it (LRsI's scaling, ghost skips, soft neurons at their start; the mask panel
 * looks the same either way). The Jacobian follows runTraining's convention (the body up to the
 * last hidden activation, at the first test image) but keeps every singular value.
 */
async function inspectStart(ctx: Context, model: Sequential, test: Dataset, run: RunState): Promise<void> {
  const body = new Sequential(model.layers.slice(0, -1));
  run.jacobian = (await jacobianSpectrum(ctx, body, test.inputs.slice(0, test.features))).values;
  const weights = await readLayerWeights(ctx, model);
  initialWeights.set(run.id, weights);
  run.layers = weights.map((w) => ({ rows: w.rows, cols: w.cols, stored: w.stored ? w.stored.reduce((n, s) => n + s, 0) : w.values.length }));
}

/** Trains `run`; `changed` is called whenever its state moves. */
export async function trainRun(ctx: Context, run: RunState, data: { train: Dataset; test: Dataset }, changed: () => void): Promise<void> {
  run.status = 'running';
  changed();
  try {
    const result = await runTraining(ctx, run.spec, data, {
      onStage: (stage) => {
        run.stage = stage;
        changed();
      },
      beforeStep: async (model, step) => {
        if (step > 0) return;
        run.stage = 'Jacobian spectrum and masks at step 0';
        changed();
        await inspectStart(ctx, model, data.test, run);
        run.stage = 'training';
        changed();
      },
      onProgress: (p) => {
        run.steps.push(p.step);
        run.loss.push(p.loss);
        run.trainAccuracy.push(p.accuracy);
        changed();
      },
      onEval: (e) => {
        run.evalSteps.push(e.step);
        run.testLoss.push(e.loss);
        run.testAccuracy.push(e.accuracy);
        changed();
      },
    });
    run.final = { ...result.test, samplesPerSecond: result.history.samplesPerSecond, elapsedMs: result.elapsedMs };
    run.status = 'done';
  } catch (error) {
    run.status = 'failed';
    run.error = error instanceof Error ? error.message : String(error);
  }
  run.stage = '';
  changed();
}
