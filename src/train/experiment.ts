/**
 * One training run from a plain, serialisable spec: build the MLP or CNN, measure the Jacobian spectrum
 * at initialisation, train with the chosen optimizer and schedule, evaluate. No file or terminal
 * I/O, so the CLI (Node), the headless-browser mode and the web page all run the same function.
 */
import type { Context } from '../gpu/context.js';
import type { SoftmaxXentOptions } from '../kernels/softmax-xent.js';
import { checkJacobianProtocol, JACOBIAN_BATCH, type JacobianProtocol, jacobianSpectrum, pooledJacobianSpectrum, type SpectrumStats } from '../nn/jacobian.js';
import { Rng } from '../random.js';
import { SoftmaxCrossEntropy } from '../nn/loss.js';
import { assembleMlp, type MlpConfig, mlpBiases, mlpShapes } from '../nn/mlp.js';
import { assembleCnn, initCnn } from '../nn/cnn.js';
import { buildModel, type CnnModelConfig, describeModel, isCnnConfig, type ModelConfig } from '../nn/model.js';
import { generateMasks, parseMaskMethod, SNIP_CODE_BATCH, gpuGradientSource, gpuTrainer, sampleBatches, type Distribution, type MaskMethod, type MaskOptions, type MaskReport, type MaskWeights, type NetworkFrame } from '../masks/index.js';
import { Sequential } from '../nn/sequential.js';
import { checkRecipe, RecipeRun, type RecipeReport, type RecipeSpec } from '../recipe/recipe.js';
import { checkDstSpec } from '../dst/dynamic.js';
import type { DstOptions } from '../dst/schedule.js';
import { createOptimizer, type OptimizerSpec } from './optimizer-spec.js';
import { type Dataset, evaluate, type EvalRecord, type Progress, train, type TrainHistory } from './trainer.js';


/**
 * An experiment as plain data (it travels to a browser page as JSON): the model, the optimizer,
 * the budget, the seed, and optionally a mask method, the recipe and dynamic sparsity.
 */
export interface TrainSpec {
  /** an MLP, or a CNN (kind 'cnn'; MNIST images as [1, 28, 28]) */
  model: ModelConfig;
  optimizer: OptimizerSpec;
  loss?: SoftmaxXentOptions;
  epochs: number;
  batchSize: number;
  maxSteps?: number;
  seed: number;
  logEvery?: number;
  evalEvery?: number;
  /** test examples per intermediate evaluation (the final one uses all) */
  evalLimit?: number;
  /** measure the Jacobian's singular values at initialisation (before any recipe is applied) */
  jacobian?: boolean;
  /** where: 'logits-train-batch' (default, the EOI paper's) or 'hidden-test-example' (jacobian.ts) */
  jacobianProtocol?: JacobianProtocol;
  /** the any-mask recipe: ghost soft neurons, ghost skips (either form), LRsI, label smoothing (MLPs and CNNs) */
  recipe?: RecipeSpec;
  /** weights from a mask method (src/masks) instead of model.init; model.density is its target (a CNN's: of its convolutions) */
  mask?: MaskSpec;
  /**
   * dynamic sparse training (SET, RigL) of an MLP's sparse layers from the masks built above; with
   * the recipe, the ghost skips wrap the moving layers and the other parts act as without it
   */
  dst?: DstOptions;
}

/** A mask method for runTraining: the method, the density distribution and the method's own settings. */
export interface MaskSpec {
  method: MaskMethod;
  /** how the density is spread over layers (the method's default when omitted) */
  distribution?: Distribution;
  /** data-driven scores (SNIP, GraSP, Taylor): batches of spec.batchSize drawn from the training set; default 4 (snip-128: always one of 128) */
  scoreBatches?: number;
  /** lottery ticket / Taylor: training steps per round; default 100 */
  trainSteps?: number;
  /** the weights the mask is applied to (MaskWeights); default each method's own */
  weights?: MaskWeights;
}

/**
 * What runTraining returns: the spec, the adapter, the history, the test evaluation, the Jacobian spectra, reports and timing.
 */
export interface TrainResult {
  spec: TrainSpec;
  adapter: string;
  history: TrainHistory;
  test: { loss: number; accuracy: number };
  /** singular values of the input-output Jacobian at init, taken as `protocol` says */
  jacobian?: JacobianStats;
  /** the same for the network the first step trains (after LRsI, with the ghosts), when a recipe is on */
  jacobianAtStart?: JacobianStats;
  /** what the mask method made, when spec.mask was given */
  mask?: MaskReport;
  /** what the recipe's start did (LRsI scales, GradInit's iterations), when spec.recipe was given */
  recipe?: RecipeReport;
  parameters: number;
  elapsedMs: number;
}

/** A Jacobian spectrum's statistics and the protocol they were measured by. */
export type JacobianStats = Omit<SpectrumStats, 'values'> & { protocol: JacobianProtocol };

/** The trainer's first batch (its first epoch's shuffle with the run's seed), up to JACOBIAN_BATCH examples, batch-major. */
function firstTrainingBatch(train: Dataset, seed: number): { inputs: Float32Array; count: number } {
  const order = new Rng(seed).shuffle(Uint32Array.from({ length: train.count }, (_, i) => i));
  const count = Math.min(JACOBIAN_BATCH, train.count);
  const inputs = new Float32Array(count * train.features);
  for (let e = 0; e < count; e++) inputs.set(train.inputs.subarray(order[e]! * train.features, (order[e]! + 1) * train.features), e * train.features);
  return { inputs, count };
}

/** Callbacks of runTraining; each is optional. */
export interface TrainHooks {
  /** After each logged step: the step, loss, accuracy and throughput so far. */
  onProgress?: (p: Progress) => void;
  /** After each evaluation on the test subset. */
  onEval?: (e: EvalRecord) => void;
  /** When a stage starts (building, masks, Jacobian, training, final evaluation), with its name. */
  onStage?: (stage: string) => void;
  /** called with the trained model before it is freed (e.g. to save it) */
  onTrained?: (model: Sequential) => Promise<void>;
  /** called before each step (recipes: ghost neurons, label-smoothing schedules) */
  beforeStep?: (model: Sequential, step: number, totalSteps: number) => void | Promise<void>;
}


/** The batches data-driven scores see: one of SNIP_CODE_BATCH for 'snip-128', else scoreBatches (default 4) of the run's batch size. */
function scoreBatches(train: Dataset, spec: TrainSpec, mask: MaskSpec): Dataset[] {
  const code = parseMaskMethod(mask.method).base === 'snip-128';
  return sampleBatches(train, { batches: code ? 1 : (mask.scoreBatches ?? 4), batchSize: code ? SNIP_CODE_BATCH : spec.batchSize, seed: spec.model.seed });
}

/**
 * What both builders pass to generateMasks: the run's density, seed and gain, the mask's choices,
 * the GPU gradient source and trainer on `frame`, and the model's `biases` (SynFlow's real network).
 */
function maskOptions(ctx: Context, spec: TrainSpec, mask: MaskSpec, frame: NetworkFrame, train: Dataset, biases: readonly Float32Array[]): MaskOptions {
  const { activation, density, seed, sigmaW } = spec.model;
  return {
    // Explicit per-layer densities carry their own global density.
    density: Array.isArray(mask.distribution) ? undefined : density,
    distribution: mask.distribution,
    seed,
    gain: sigmaW,
    weights: mask.weights,
    activation,
    biases,
    gradients: gpuGradientSource(ctx, { ...frame, batches: scoreBatches(train, spec, mask) }),
    train: gpuTrainer(ctx, { ...frame, data: train, steps: mask.trainSteps ?? 100, batchSize: spec.batchSize, optimizer: spec.optimizer, seed }),
  };
}

/** An MLP whose sparse weights come from a mask method, with the same biases buildMlp would give. */
async function buildMaskedMlp(ctx: Context, spec: TrainSpec & { model: MlpConfig }, mask: MaskSpec, train: Dataset): Promise<{ model: Sequential; report: MaskReport }> {
  const config: MlpConfig = { ...spec.model, init: 'uniform', mask: mask.method };
  const biases = mlpBiases(config);
  const result = await generateMasks(mask.method, mlpShapes(config), maskOptions(ctx, spec, mask, { activation: config.activation }, train, biases));
  return { model: assembleMlp(ctx, config, result.weights, biases), report: result.report };
}

/**
 * A CNN whose convolution filters come from a mask method (SparseConv2d layers holding them), with
 * the biases and the dense classifier buildCnn gives a sparse Gaussian init ('uniform'). Scores,
 * SynFlow's flow and the lottery's training all see that same classifier and those biases.
 */
async function buildMaskedCnn(ctx: Context, spec: TrainSpec & { model: CnnModelConfig }, mask: MaskSpec, train: Dataset): Promise<{ model: Sequential; report: MaskReport }> {
  const config = { ...spec.model, init: 'uniform' as const };
  const { biases, classifier, classifierBias } = initCnn(config);
  const frame: NetworkFrame = { activation: config.activation, biases, cnn: { ...config, classifier, classifierBias } };
  const opts = maskOptions(ctx, spec, mask, frame, train, biases);
  const result = await generateMasks(mask.method, { ...config, classifier }, opts);
  return { model: assembleCnn(ctx, config, { filters: result.weights, biases, classifier, classifierBias }), report: result.report };
}


/**
 * One whole experiment from a plain-data spec, the same in Node and in a browser: build the
 * model (an init, or a mask method over it), optionally the any-mask recipe and dynamic sparsity,
 * the Jacobian spectrum at initialisation, the training loop, and the final test evaluation.
 * `hooks` report stages, progress and evaluations, and receive the trained model (onTrained)
 * before it is freed. Returns the spec, the history, the test loss and accuracy, the spectra and
 * the reports of the mask method and the recipe.
 *
 * @throws RangeError or TypeError naming the spec field when the model, optimizer, mask, recipe or
 * data set is invalid (the model config is checked before anything is built)
 *
 * @example
 * ```ts
 * const result = await runTraining(ctx, { model: { inputs: 784, width: 128, depth: 10, classes: 10, init: 'eoi', density: 0.125, activation: 'tanh', sigmaW: 1.0247, sigmaB: 0.00448, seed: 0 },
 *   optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 }, epochs: 1, batchSize: 128, seed: 0 }, { train, test });
 * ```
 */
export async function runTraining(ctx: Context, spec: TrainSpec, data: { train: Dataset; test: Dataset }, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  hooks.onStage?.(`building a ${describeModel(spec.model)}`);
  const mlpSpec = isCnnConfig(spec.model) ? undefined : (spec as TrainSpec & { model: MlpConfig });
  if (spec.recipe) checkRecipe(spec.recipe, spec.model.activation);
  if (spec.dst !== undefined) checkDstSpec(spec.model, spec.mask !== undefined, spec.dst);
  if (spec.mask && spec.model.blockMask) throw new RangeError(`spec.model.blockMask: the init draws block masks, but spec.mask (${spec.mask.method}) makes its own elementwise masks`);
  const protocol = checkJacobianProtocol(spec.jacobianProtocol);
  let maskReport: MaskReport | undefined;
  let model: Sequential;
  if (spec.mask) {
    hooks.onStage?.(`${spec.mask.method} masks`);
    const built = mlpSpec ? await buildMaskedMlp(ctx, mlpSpec, spec.mask, data.train) : await buildMaskedCnn(ctx, spec as TrainSpec & { model: CnnModelConfig }, spec.mask, data.train);
    model = built.model;
    maskReport = built.report;
  } else {
    model = buildModel(ctx, spec.model);
  }
  const lossFn = new SoftmaxCrossEntropy(ctx, spec.model.classes, spec.loss ?? {});
  const params = model.parameters();
  const totalSteps = Math.min(spec.epochs * Math.ceil(data.train.count / spec.batchSize), spec.maxSteps ?? Infinity);
  const optimizer = createOptimizer(ctx, params, spec.optimizer, totalSteps);
  const recipe =
    spec.recipe &&
    new RecipeRun(ctx, model, lossFn, spec.recipe, { seed: spec.seed, optimizer: spec.optimizer, train: data.train, batchSize: spec.batchSize, totalSteps, onStage: hooks.onStage, model: spec.model, maskWeights: maskReport?.weights });
  // The recipe's ghost projections and released skips take their own step after the model's.
  const steps = {
    stateOf: (values: Parameters<typeof optimizer.stateOf>[0]) => optimizer.stateOf(values),
    async step(): Promise<void> {
      await optimizer.step();
      await recipe?.afterStep();
    },
  };
  try {
    const firstBatch = protocol === 'logits-train-batch' ? firstTrainingBatch(data.train, spec.seed) : undefined;
    const bodySpectrum = async (): Promise<JacobianStats> => {
      const { values: _values, ...stats } = firstBatch
        ? await pooledJacobianSpectrum(ctx, model, firstBatch.inputs, firstBatch.count)
        : await jacobianSpectrum(ctx, new Sequential(model.layers.slice(0, -1)), data.test.inputs.slice(0, data.test.features));
      return { ...stats, protocol };
    };
    let jacobian: TrainResult['jacobian'];
    let jacobianAtStart: TrainResult['jacobianAtStart'];
    if (spec.jacobian) {
      hooks.onStage?.('Jacobian spectrum at initialisation');
      jacobian = await bodySpectrum();
    }
    await recipe?.start();
    if (spec.jacobian && recipe) {
      hooks.onStage?.('Jacobian spectrum at step 0, with the recipe');
      recipe.beforeStep(0); // the network the first step trains: ghosts at full strength
      jacobianAtStart = await bodySpectrum();
    }
    hooks.onStage?.('training');
    const history = await train(ctx, {
      model,
      loss: lossFn,
      optimizer: steps,
      train: data.train,
      test: data.test,
      epochs: spec.epochs,
      maxSteps: spec.maxSteps,
      batchSize: spec.batchSize,
      seed: spec.seed,
      logEvery: spec.logEvery,
      evalEvery: spec.evalEvery,
      evalLimit: spec.evalLimit,
      dst: spec.dst,
      beforeStep: async (step, total) => {
        recipe?.beforeStep(step);
        await hooks.beforeStep?.(model, step, total);
      },
      onProgress: hooks.onProgress,
      onEval: hooks.onEval,
    });
    await recipe?.finish();
    hooks.onStage?.('final evaluation');
    const test = await evaluate(ctx, model, lossFn, data.test, spec.batchSize);
    await hooks.onTrained?.(model);
    const parameters = params.reduce((n, p) => n + p.values.length, 0);
    return { spec, adapter: ctx.adapterName, history, test, jacobian, jacobianAtStart, mask: maskReport, recipe: recipe?.report, parameters, elapsedMs: performance.now() - t0 };
  } finally {
    recipe?.destroy();
    optimizer.destroy();
    lossFn.destroy();
    model.destroy();
  }
}
