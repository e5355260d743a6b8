/**
 * One training run in the page: runTraining (the CLI's function) with hooks that fill the run's
 * state as it goes, and a look at the network as it starts, before its first step: the Jacobian's
 * singular values and every linear and conv layer's weights (for the mask view).
 */
import {
  type Context,
  Conv2d,
  type CsrMatrix,
  csrToDense,
  dstFraction,
  type Dataset,
  GhostSkip,
  jacobianSpectrum,
  Linear,
  runTraining,
  Sequential,
  SparseConv2d,
  SparseLinear,
} from '../src/index.js';
import type { ConvKernel, RunState } from './state.js';

/**
 * A layer's weights at step 0, dense row-major; `stored` marks the mask (absent: dense, all
 * stored). A conv layer's rows are its output channels and its columns the OIHW taps of `kernel`.
 */
export interface LayerWeights {
  rows: number;
  cols: number;
  values: Float32Array;
  stored?: Uint8Array;
  kernel?: ConvKernel;
  /** when dynamic sparsity has moved the mask: the step whose update it shows */
  step?: number;
}

/** Weights at step 0 (or after the latest mask update) by run id: too large for window.demoState, which keeps only their shapes. */
export const initialWeights = new Map<number, LayerWeights[]>();

function sparseWeights(w: CsrMatrix): LayerWeights {
  const stored = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) stored[r * w.cols + w.colIdx[t]!] = 1;
  return { rows: w.rows, cols: w.cols, values: csrToDense(w), stored };
}

async function readLayerWeights(ctx: Context, model: Sequential): Promise<LayerWeights[]> {
  const weights: LayerWeights[] = [];
  for (const outer of model.layers) {
    const layer = outer instanceof GhostSkip ? outer.inner : outer;
    if (layer instanceof SparseLinear) {
      weights.push(sparseWeights(await layer.readWeight()));
    } else if (layer instanceof Linear) {
      weights.push({ rows: layer.outFeatures, cols: layer.inFeatures, values: await ctx.read(layer.weight) });
    } else if (layer instanceof SparseConv2d || layer instanceof Conv2d) {
      const { cIn, kh, kw, stride = 1 } = layer.shape;
      const kernel = { cIn, kh, kw, stride };
      const w = layer instanceof SparseConv2d ? sparseWeights(await layer.readWeight()) : { rows: layer.cOut, cols: cIn * kh * kw, values: await ctx.read(layer.weight) };
      weights.push({ ...w, kernel });
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
  run.layers = weights.map((w) => ({ rows: w.rows, cols: w.cols, stored: w.stored ? w.stored.reduce((n, s) => n + s, 0) : w.values.length, kernel: w.kernel }));
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
        // After each mask update (it follows step `step`): the moved masks, for the mask panel.
        if (run.spec.dst && dstFraction(run.spec.dst, step) > 0) {
          initialWeights.set(run.id, (await readLayerWeights(ctx, model)).map((w) => ({ ...w, step })));
          changed();
        }
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
