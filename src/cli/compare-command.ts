/**
 * `orthosparse compare`: train several arms (init × density × seed) with the same architecture,
 * budget and seeds, one after another; write a results table (markdown + JSON) and plots (loss
 * curves, test accuracy, accuracy vs density).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createContext } from '../gpu/context.js';
import { overallDensity } from '../eoi/layer-densities.js';
import { BASE_MASK_METHODS, type Distribution, MASK_WEIGHTS, type MaskMethod, type MaskWeights, parseMaskMethod } from '../masks/index.js';
import type { JacobianProtocol } from '../nn/jacobian.js';
import { CNN_INITS, type CnnInit } from '../nn/cnn.js';
import { MLP_INITS, type MlpInit, mlpShapes } from '../nn/mlp.js';
import { describeModel, isCnnConfig, isSparseModel, type ModelConfig } from '../nn/model.js';
import { parseRecipeName, RECIPE_PARTS, recipePreset } from '../recipe/recipe.js';
import { type HeatmapData, heatmap, lineChart, type Series, stackCharts } from '../plot/svg.js';
import { runTraining, type TrainResult, type TrainSpec } from '../train/experiment.js';
import { choiceFlag, intFlag, makeOutputDir, numberFlag, parseFlags } from './args.js';
import { loadMnistDatasets, mnistDir } from './mnist-node.js';
import { progressBar } from './progress.js';
import { TRAIN_OPTIONS, trainSpecFrom, type TrainArgs } from './train-command.js';

export const COMPARE_USAGE = `orthosparse compare [train options] [--inits LIST] [--masks LIST] [--mask-weights LIST] [--recipes LIST] [--densities LIST] [--seeds LIST] [--out DIR]
  --inits LIST         comma-separated, from ${MLP_INITS.join(', ')} (default eoi,uniform,erk,dense-orthogonal; '' for none);
                       with --model cnn from ${CNN_INITS.join(', ')} (default eoi,uniform,masked-delta-orthogonal,delta-orthogonal);
                       with --block-mask uniform, erk and dense ones (default uniform,erk,dense-orthogonal; CNN: ...,delta-orthogonal)
  --masks LIST         mask methods, from ${BASE_MASK_METHODS.join(', ')}, each optionally +ai or +eoi (e.g. snip,synflow+eoi)
  --mask-weights LIST  the weights each --masks method is applied to, every mask arm runs each: ${MASK_WEIGHTS.join(', ')}
                       (masked-orthogonal: mask ⊙ dense orthogonal, or ⊙ delta-orthogonal for convolutions, no
                       rescaling, the EOI paper's baselines; default each method's own: rescaled-gaussian for
                       random, masked-gaussian for the pruning methods; eoi and sao build their own)
  --distribution D     per-layer density spread for --masks: global | uniform | erk | d1,d2,… one per
                       linear layer (default: each method's own)
  --recipes LIST       none, all, released, or parts from ${RECIPE_PARTS.join(', ')} joined by + (e.g.
                       soft+lrsi+ls); default none: every arm runs with each. all is the paper text's
                       recipe: soft (blended back to relu), skip (ghost skips faded out over the first
                       30% of steps, then removed), lrsi, ls; lrsi on a CNN is first-order GradInit.
                       released is the released code's: released-soft (swish all run), released-skip
                       (a trained projection from 1e-4 beside each sparse layer, kept all run: 1x1
                       convolutions, no BatchNorm, folded into the convs' centre taps at the end;
                       dense projections beside linear layers, kept in the model), released-lrsi
                       (GradInit on the dense init, first order, biases scaled, objective / eta,
                       per-scale clipping, then the mask), ls
  --densities LIST     comma-separated densities for the sparse inits (default: --density)
  --seeds LIST         comma-separated seeds, every arm runs each (default 0)
  every other option is train's (see orthosparse train --help); dense inits run once per seed`;

export interface ArmResult {
  label: string;
  /** the init or mask method, with the mask's weight kind in brackets when --mask-weights named one */
  method: string;
  /** a recipe name (parseRecipeName) */
  recipe: string;
  density: number;
  seed: number;
  result: TrainResult;
}

/** global | uniform | erk, or comma-separated per-layer densities (one per linear layer). */
function parseDistribution(text: string | undefined): Distribution | undefined {
  if (text === undefined || ['global', 'uniform', 'erk'].includes(text)) return text as Distribution | undefined;
  const layers = text.split(',').map(Number);
  if (layers.some((d) => !(d > 0 && d <= 1))) throw new RangeError(`--distribution must be global, uniform, erk or per-layer densities in (0, 1] separated by commas, got '${text}'`);
  return layers;
}

/** One run of a compare: an init or a mask method (with its weight kind), a recipe, a density and a seed. */
export interface CompareArm {
  init?: MlpInit | CnnInit;
  mask?: MaskMethod;
  /** the mask's weight kind, when --mask-weights names one */
  weights?: MaskWeights;
  /** a recipe name (parseRecipeName) */
  recipe: string;
  density: number;
  seed: number;
}

function list(text: string | undefined, fallback: string): string[] {
  return (text ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
}

/** compare's options: train's and the lists of arms. */
export const COMPARE_OPTIONS = {
  ...TRAIN_OPTIONS,
  inits: { type: 'string' },
  masks: { type: 'string' },
  'mask-weights': { type: 'string' },
  distribution: { type: 'string' },
  recipes: { type: 'string' },
  densities: { type: 'string' },
  seeds: { type: 'string' },
} as const;

/** What a compare command line asks for, every flag checked: the train options and the arms in run order. */
export interface ComparePlan {
  base: TrainArgs;
  arms: CompareArm[];
  distribution: Distribution | undefined;
  seedCount: number;
  /** whether an init is dense (its arm runs once per seed, at density 1, without dst) */
  isDense: (init: MlpInit | CnnInit) => boolean;
}

/**
 * Checks every flag of a compare command line and lists its arms, without reading data or touching
 * a GPU (so a list of experiments can be checked ahead of a long run). Throws RangeError/TypeError
 * naming the flag.
 */
export function planCompare(argv: readonly string[]): ComparePlan {
  const v = parseFlags(argv, COMPARE_OPTIONS) as { [K in keyof typeof COMPARE_OPTIONS]?: string } & { browser?: boolean; 'block-mask'?: boolean };
  const blockMask = v['block-mask'] === true;
  // Each arm brings its own init: with --block-mask and no --init given, the base's default (eoi,
  // which cannot draw block masks) gives way to uniform.
  const base = trainSpecFrom({ ...v, init: blockMask && v.init === undefined ? 'uniform' : v.init, out: v.out ?? path.join('runs', 'compare') });
  if (base.browser) throw new RangeError('--browser is a train option; compare runs in Node');
  const cnn = isCnnConfig(base.spec.model);
  const known: readonly string[] = cnn ? CNN_INITS : MLP_INITS;
  const defaultInits = blockMask ? `uniform,erk,${cnn ? 'delta-orthogonal' : 'dense-orthogonal'}` : cnn ? 'eoi,uniform,masked-delta-orthogonal,delta-orthogonal' : 'eoi,uniform,erk,dense-orthogonal';
  const inits = list(v.inits, v.masks === undefined ? defaultInits : '') as Array<MlpInit | CnnInit>;
  for (const init of inits) if (!known.includes(init)) throw new RangeError(`--inits: '${init}' is not one of ${known.join(', ')}`);
  const isDense = (init: MlpInit | CnnInit) => !isSparseModel({ ...base.spec.model, init } as ModelConfig);
  const masks = list(v.masks, '') as MaskMethod[];
  for (const mask of masks) parseMaskMethod(mask);
  if (blockMask) {
    const elementwise = inits.find((init) => !isDense(init) && init !== 'uniform' && init !== 'erk');
    if (elementwise) throw new RangeError(`--inits: '${elementwise}' cannot draw block masks; with --block-mask the sparse inits are uniform and erk`);
    if (masks.length > 0) throw new RangeError(`--masks: a mask method makes elementwise masks; it cannot be used with --block-mask`);
  }
  const maskWeights: Array<MaskWeights | undefined> = v['mask-weights'] === undefined ? [undefined] : list(v['mask-weights'], '').map((w) => choiceFlag('mask-weights', w, MASK_WEIGHTS, '(each)'));
  const distribution = parseDistribution(v.distribution);
  const recipes = list(v.recipes, 'none');
  for (const recipe of recipes) {
    try {
      parseRecipeName(recipe);
    } catch (error) {
      throw new RangeError(`--recipes: ${(error as Error).message}`);
    }
  }
  // released-skip folds its 1x1 convolutions into CSR convolutions at the end: the blocks would not survive.
  const blocks = cnn && base.spec.model.format !== undefined && base.spec.model.format !== 'csr';
  const folding = recipes.find((recipe) => recipePreset(recipe, base.spec.model.activation, 1)?.releasedSkips);
  if (blocks && folding) throw new RangeError(`--recipes: '${folding}' folds the released skips into CSR convolutions; it needs --format csr with --model cnn`);
  const densities = list(v.densities, String(base.spec.model.density)).map((d) => numberFlag('densities', d, { min: 0, max: 1, minOpen: true }, '(each)')!);
  const seeds = list(v.seeds, '0').map((s) => intFlag('seeds', s, 0, Number.MAX_SAFE_INTEGER, '(each)')!);
  const arms: CompareArm[] = [];
  for (const seed of seeds) {
    for (const recipe of recipes) {
      for (const init of inits) for (const density of isDense(init) ? [1] : densities) arms.push({ init, recipe, density, seed });
      // Explicit per-layer densities fix the global one: each mask runs once, at that density.
      const maskDensities = Array.isArray(distribution) && !isCnnConfig(base.spec.model) ? [overallDensity(mlpShapes(base.spec.model), distribution)] : densities;
      for (const mask of masks) for (const weights of maskWeights) for (const density of maskDensities) arms.push({ mask, weights, recipe, density, seed });
    }
  }
  return { base, arms, distribution, seedCount: seeds.length, isDense };
}

/**
 * An arm's names in the tables: its method (the init, or the mask method with its spread and weight
 * kind) and its label (the method, density, recipe, dst and seed).
 */
export function armNames(arm: CompareArm, plan: ComparePlan): { method: string; label: string } {
  const { base, distribution, seedCount, isDense } = plan;
  // A --distribution given changes what a mask method's name means, so the label says which.
  const spread = distribution === undefined ? '' : ` (${Array.isArray(distribution) ? 'per-layer densities' : distribution})`;
  const method = arm.mask ? `${arm.mask}${spread}${arm.weights ? ` [${arm.weights}]` : ''}` : arm.init!;
  const dense = arm.init !== undefined && isDense(arm.init);
  const label = [method, dense ? '' : `d=${arm.density}`, arm.recipe === 'none' ? '' : `+${arm.recipe}`, base.spec.dst && !dense ? `dst=${base.spec.dst.method}` : '', seedCount > 1 ? `seed ${arm.seed}` : '']
    .filter(Boolean)
    .join(' ');
  return { method, label };
}

/** `orthosparse compare`: checks every flag (planCompare), then trains each arm in turn and writes the tables and plots to --out. */
export async function compareCommand(argv: readonly string[]): Promise<ArmResult[]> {
  const plan = planCompare(argv);
  const { base, arms, distribution, isDense } = plan;
  const out = base.out;
  mnistDir(base.dataDir);
  makeOutputDir('out', out);
  const data = await loadMnistDatasets({ trainLimit: base.trainLimit, testLimit: base.testLimit, dataDir: base.dataDir });
  console.log(`compare: ${arms.length} runs on ${data.train.count} training / ${data.test.count} test images`);
  const ctx = await createContext();
  const results: ArmResult[] = [];
  const skipped: string[] = [];
  let written: string[] = [];
  try {
    for (const [i, arm] of arms.entries()) {
      const { method, label } = armNames(arm, plan);
      const steps = Math.min(base.spec.epochs * Math.ceil(data.train.count / base.spec.batchSize), base.spec.maxSteps ?? Infinity);
      const spec: TrainSpec = {
        ...base.spec,
        seed: arm.seed,
        model: { ...base.spec.model, init: arm.init ?? 'uniform', density: arm.density, seed: arm.seed } as ModelConfig,
        mask: arm.mask && { method: arm.mask, distribution, weights: arm.weights },
        recipe: recipePreset(arm.recipe, base.spec.model.activation, steps),
        // Dense arms are the baseline: --dst moves the sparse arms' masks only.
        dst: arm.init && isDense(arm.init) ? undefined : base.spec.dst,
        evalEvery: Math.max(1, Math.ceil(steps / 5)),
      };
      console.log(`[${i + 1}/${arms.length}] ${label}`);
      const bar = progressBar(steps, '  |{bar}| {value}/{total} | loss {loss} | acc {acc} | ETA {eta_formatted}');
      let result: TrainResult;
      try {
        result = await runTraining(ctx, spec, data, {
          // The long stages before training: mask generation and GradInit's iterations.
          onStage: (stage) => (stage.endsWith('masks') || stage.startsWith('LRsI')) && console.log(`  ${stage}`),
          onProgress: (p) => bar.update(p.step, { loss: p.loss.toFixed(4), acc: p.accuracy.toFixed(3) }),
        });
      } catch (error) {
        // A method that cannot make this network (SAO at an impossible density) is reported, not fatal.
        bar.stop();
        if (!(error instanceof RangeError)) throw error;
        console.log(`  skipped: ${error.message}`);
        skipped.push(`${label}: ${error.message}`);
        written = writeResults(out, results, skipped, argv);
        continue;
      }
      bar.stop();
      console.log(`  test accuracy ${(100 * result.test.accuracy).toFixed(2)}%, Jacobian mean singular value ${result.jacobian?.mean.toFixed(4)} (${result.jacobian?.protocol})`);
      results.push({ label, method, recipe: arm.recipe, density: arm.density, seed: arm.seed, result });
      written = writeResults(out, results, skipped, argv); // after every arm: a long run leaves usable partial results
    }
  } finally {
    ctx.destroy();
  }
  if (written.length) console.log(`wrote ${written.map((f) => path.join(out, f)).join(', ')}`);
  return results;
}

/** What the stored weights of each --inits arm are, in the mask weight kinds' terms. */
const INIT_WEIGHTS: Record<string, string> = {
  eoi: 'eoi',
  uniform: 'rescaled-gaussian',
  erk: 'rescaled-gaussian',
  'masked-delta-orthogonal': 'masked-orthogonal',
  'dense-orthogonal': 'dense orthogonal',
  'delta-orthogonal': 'dense delta-orthogonal',
  'dense-gaussian': 'dense gaussian',
};

const JACOBIAN_PROTOCOL_TEXT: Record<JacobianProtocol, string> = {
  'logits-train-batch': 'd logits / d input at each of the first 128 training images, singular values pooled',
  'hidden-test-example': 'd last hidden layer / d input at the first test image',
};

/** An arm's optimizer, batch and step count, as the results header names them. */
function trainingSettings({ result: r }: ArmResult): { optimizer: string; batch: string; steps: string } {
  const o = r.spec.optimizer;
  const extras = [o.momentum === undefined ? '' : ` momentum ${o.momentum}`, o.schedule && o.schedule !== 'constant' ? ` ${o.schedule} schedule` : '', o.weightDecay ? ` weight decay ${o.weightDecay}` : ''];
  return { optimizer: `optimizer ${o.kind} lr ${o.lr}${extras.join('')}`, batch: `batch ${r.spec.batchSize}`, steps: `${r.history.totalSteps} steps` };
}

/**
 * The settings every arm shares, as one text, and per arm those that differ between arms (a merge of
 * runs with their own learning rates, say): the arms' names carry them, so that neither a table row
 * nor a grid cell mixes runs trained differently. '' for an arm where nothing differs.
 */
function settingsOf(results: readonly ArmResult[]): { shared: string; own: (r: ArmResult) => string } {
  const all = results.map(trainingSettings);
  const keys = ['optimizer', 'batch', 'steps'] as const;
  const varies = keys.filter((k) => new Set(all.map((s) => s[k])).size > 1);
  const common = keys.filter((k) => !varies.includes(k)).map((k) => all[0]![k]);
  const shared = [...(common.length ? [`${common.join('; ')} per run`] : []), ...(varies.length ? [`${varies.join(', ')} in each run's name`] : [])].join('; ');
  const suffixes = new Map(results.map((r, i) => [r, varies.length ? ` [${varies.map((k) => all[i]![k]).join(', ')}]` : '']));
  return { shared, own: (r) => suffixes.get(r)! };
}

/** Mean test accuracy (%) over seeds, one row per method and one column per recipe and density. */
function accuracyGrid(results: readonly ArmResult[], own: (r: ArmResult) => string): HeatmapData {
  const columnOf = (r: ArmResult) => `${r.recipe} d=${r.density}`;
  // The arms without a recipe first, the baseline every other column is read against; otherwise the arms' order.
  const columns = [...new Set([...results.filter((r) => r.recipe === 'none'), ...results.filter((r) => r.recipe !== 'none')].map(columnOf))];
  // Arms moving their masks (dynamic sparsity) or trained with settings of their own are rows of
  // their own; the seeds of one arm share a cell (their mean).
  const rowOf = (r: ArmResult) => `${r.result.spec.dst ? `${r.method} dst=${r.result.spec.dst.method}` : r.method}${own(r)}`;
  const rows = [...new Set(results.map(rowOf))];
  const values = rows.map((row) =>
    columns.map((column) => {
      const runs = results.filter((r) => rowOf(r) === row && columnOf(r) === column);
      return runs.length ? (100 * runs.reduce((s, r) => s + r.result.test.accuracy, 0)) / runs.length : undefined;
    }),
  );
  return { rows, columns, values };
}

/** The accuracy grid as a markdown table, '—' where a method did not run with a column's recipe. */
function summaryTable(grid: HeatmapData): string[] {
  return [
    'Test accuracy (%), recipe and density per column:',
    '',
    `| method | ${grid.columns.join(' | ')} |`,
    `|---|${grid.columns.map(() => '---').join('|')}|`,
    ...grid.rows.map((m, r) => `| ${m} | ${grid.values[r]!.map((v) => (v === undefined ? '—' : v.toFixed(1))).join(' | ')} |`),
  ];
}

/**
 * Writes results.md (the command, the model, a summary table and one row per arm), results.json,
 * curves.svg and, when the summary table has more than one cell, grid.svg (that table as a heatmap)
 * into `out` for the arms given, and returns the names of the files written (none without an arm);
 * `argv` is the compare command line the header names. Also used to merge arms that ran as
 * separate compare commands (bench/merge-compare.ts).
 */
export function writeResults(out: string, results: ArmResult[], skipped: string[], argv: readonly string[]): string[] {
  if (results.length === 0) return [];
  const first = results[0]!.result;
  const m = first.spec.model;
  const settings = settingsOf(results);
  const grid = accuracyGrid(results, settings.own);
  const header = [
    `Command: \`orthosparse compare ${argv.join(' ')}\``,
    `Model: ${describeModel(m).replace(/^\S+ /, '')}, ${typeof m.activation === 'string' ? m.activation : m.activation.name}, sigma_w ${m.sigmaW}, sigma_b ${m.sigmaB}; ${settings.shared}.`,
    `Adapter: ${first.adapter}. Date: ${new Date().toISOString().slice(0, 10)}. Jacobian at init: protocol ${first.jacobian?.protocol ?? '—'} (${JACOBIAN_PROTOCOL_TEXT[first.jacobian?.protocol ?? 'logits-train-batch']}).`,
    '',
    ...summaryTable(grid),
    '',
    '| run | weights | density | test accuracy | test loss | last train loss | Jacobian σ mean | σ min | σ max | σ variance | LRsI scales | σ mean at step 0 | samples/s | time s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const nameOf = (arm: ArmResult) => `${arm.label}${settings.own(arm)}`;
  const rows = results.map((arm) => {
    const { method, density, result: r } = arm;
    const j = r.jacobian;
    const fmt = (x: number | undefined, d = 4) => (x === undefined ? '—' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(d));
    const scales = r.recipe?.lrsiScales;
    const lrsi = scales ? `${Math.min(...scales).toFixed(2)}–${Math.max(...scales).toFixed(2)}` : '—';
    return `| ${nameOf(arm)} | ${r.mask?.weights ?? INIT_WEIGHTS[method] ?? '—'} | ${density} | ${(100 * r.test.accuracy).toFixed(2)}% | ${r.test.loss.toFixed(4)} | ${r.history.steps.at(-1)?.loss.toFixed(4) ?? '—'} | ${fmt(j?.mean)} | ${fmt(j?.min)} | ${fmt(j?.max)} | ${fmt(j?.variance)} | ${lrsi} | ${fmt(r.jacobianAtStart?.mean)} | ${r.history.samplesPerSecond.toFixed(0)} | ${(r.elapsedMs / 1000).toFixed(0)} |`;
  });
  const notes = skipped.length ? ['', 'Not run:', ...skipped.map((s) => `- ${s}`)] : [];
  writeFileSync(path.join(out, 'results.md'), `${[...header, ...rows, ...notes].join('\n')}\n`);
  writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2));
  const loss: Series[] = results.map((arm) => ({ name: nameOf(arm), points: arm.result.history.steps.map((s) => [s.step, s.loss]) }));
  const accuracy: Series[] = results.map((arm) => ({ name: nameOf(arm), points: arm.result.history.evals.map((e) => [e.step, e.accuracy]) }));
  const charts = [
    lineChart(loss, { title: 'training loss', xLabel: 'step', yLabel: 'loss' }),
    lineChart(accuracy, { title: 'test accuracy (subset during training)', xLabel: 'step', yLabel: 'accuracy' }),
  ];
  const densities = new Set(results.map((r) => r.density));
  if (densities.size > 1) {
    const byInit = new Map<string, Array<[number, number]>>();
    for (const r of results) {
      const key = `${r.recipe === 'none' ? r.method : `${r.method} +${r.recipe}`}${settings.own(r)}`;
      byInit.set(key, [...(byInit.get(key) ?? []), [r.density, r.result.test.accuracy]]);
    }
    charts.push(lineChart([...byInit].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) })), { title: 'test accuracy vs density', xLabel: 'density', yLabel: 'accuracy', logX: true }));
  }
  writeFileSync(path.join(out, 'curves.svg'), stackCharts(charts));
  const written = ['results.md', 'results.json', 'curves.svg'];
  // A grid of more than one cell reads better as colours than as the table's numbers.
  if (grid.rows.length * grid.columns.length > 1) {
    writeFileSync(path.join(out, 'grid.svg'), heatmap(grid, { title: 'test accuracy (%): method x recipe and density', format: (v) => v.toFixed(1) }));
    written.push('grid.svg');
  }
  return written;
}
