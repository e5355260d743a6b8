/**
 * The EOI paper's Jacobian study at initialisation, no training: a 7-layer, width-100 MLP on MNIST
 * (784-100-…-100-10), every layer at the density, gain 1, biases 0; the input-output Jacobian
 * d logits / d input at each example of the first training batch of 128 (seed 0's shuffle, the
 * trainer's order), singular values pooled (the 'logits-train-batch' protocol), in float64 on the
 * CPU (referenceJacobians). Inits: EOI; the paper's baseline, a random mask over a dense orthogonal
 * matrix (weights 'masked-orthogonal'); SAO as its code builds it ('sao-code': non-square layers
 * dense orthogonal, ReLU's [[A, −A], [−A, A]]; only where the degree construction exists);
 * approximate isometry on that baseline ('random+ai', 1000 steps of SGD lr 0.1); and, for
 * reference, this repository's random mask with Gaussian weights rescaled to the sparse fan-in.
 *
 *   node scripts/run.mjs bench/jacobian-study.ts [--out bench/jacobian-study] [--seed 0]
 *
 * Writes results.json, results.md (a table per activation) and one SVG per activation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadMnistDatasets } from '../src/cli/mnist-node.js';
import type { Activation } from '../src/kernels/activation.js';
import { singularValues } from '../src/linalg.js';
import { generateMasks, type MaskMethod, type MaskOptions } from '../src/masks/index.js';
import { referenceJacobians } from '../src/masks/reference-mlp.js';
import { JACOBIAN_BATCH, spectrumStats } from '../src/nn/jacobian.js';
import { mlpShapes } from '../src/nn/mlp.js';
import { lineChart, stackCharts } from '../src/plot/svg.js';
import { Rng } from '../src/random.js';
import type { CsrMatrix } from '../src/sparse/csr.js';
import { markdownTable } from './conv.js';

const DENSITIES = [0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0];
/** 'linear' is leakyRelu at slope 1: the identity, exactly, in the reference and on the GPU alike. */
const ACTIVATIONS: Array<{ name: string; activation: Activation }> = [
  { name: 'linear', activation: { name: 'leakyRelu', negativeSlope: 1 } },
  { name: 'tanh', activation: 'tanh' },
  { name: 'hard-tanh', activation: 'hardTanh' },
  { name: 'relu', activation: 'relu' },
];
const ARMS: Array<{ name: string; method: MaskMethod; opts: Partial<MaskOptions>; perActivation?: boolean }> = [
  { name: 'EOI', method: 'eoi', opts: {} },
  { name: 'masked orthogonal', method: 'random', opts: { distribution: 'uniform', weights: 'masked-orthogonal' } },
  { name: 'SAO (code)', method: 'sao-code', opts: {}, perActivation: true },
  { name: 'masked orthogonal +ai', method: 'random+ai', opts: { distribution: 'uniform', weights: 'masked-orthogonal', isometry: { steps: 1000, lr: 0.1 } } },
  { name: 'rescaled Gaussian', method: 'random', opts: { distribution: 'uniform' } },
];

interface Row {
  activation: string;
  arm: string;
  density: number;
  /** the density made (SAO and EOI land near it) */
  made?: number;
  mean?: number;
  max?: number;
  min?: number;
  variance?: number;
  /** why there is no measurement (SAO has no construction at this density) */
  skipped?: string;
}

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'bench/jacobian-study' }, seed: { type: 'string', default: '0' } }, strict: true });
const seed = Number(args.seed);
const out = args.out!;
mkdirSync(out, { recursive: true });
const shapes = mlpShapes({ inputs: 784, width: 100, depth: 7, classes: 10 });
const { train } = await loadMnistDatasets();
const order = new Rng(seed).shuffle(Uint32Array.from({ length: train.count }, (_, i) => i));
const inputs = new Float32Array(JACOBIAN_BATCH * 784);
for (let e = 0; e < JACOBIAN_BATCH; e++) inputs.set(train.inputs.subarray(order[e]! * 784, (order[e]! + 1) * 784), e * 784);

const t0 = performance.now();
const rows: Row[] = [];
const cache = new Map<string, { weights: CsrMatrix[]; density: number } | string>();
for (const { name: activationName, activation } of ACTIVATIONS) {
  for (const density of DENSITIES) {
    for (const arm of ARMS) {
      const key = `${arm.name} ${density} ${arm.perActivation ? activationName : ''}`;
      if (!cache.has(key)) {
        try {
          const { weights, report } = await generateMasks(arm.method, shapes, { density, seed, gain: 1, activation, ...arm.opts });
          cache.set(key, { weights, density: report.density });
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          cache.set(key, error.message);
        }
      }
      const built = cache.get(key)!;
      if (typeof built === 'string') {
        rows.push({ activation: activationName, arm: arm.name, density, skipped: built });
        continue;
      }
      const jacobians = referenceJacobians({ activation, weights: built.weights }, inputs, JACOBIAN_BATCH);
      const { values: _v, ...stats } = spectrumStats(jacobians.flatMap((j) => singularValues(j, 10, 784)));
      rows.push({ activation: activationName, arm: arm.name, density, made: built.density, ...stats });
      console.log(`${activationName} d=${density} ${arm.name}: mean ${stats.mean.toPrecision(3)} max ${stats.max.toPrecision(3)} min ${stats.min.toPrecision(3)} var ${stats.variance.toPrecision(3)}`);
    }
  }
}
const seconds = (performance.now() - t0) / 1000;

const fmt = (x: number | undefined) => (x === undefined ? '—' : x === 0 ? '0' : Math.abs(x) < 1e-2 || Math.abs(x) >= 1e3 ? x.toExponential(2) : x.toFixed(4));
const sections = ACTIVATIONS.map(({ name }) => {
  const lines = rows.filter((r) => r.activation === name).map((r) => [String(r.density), r.arm, r.made === undefined ? '—' : r.made.toFixed(4), fmt(r.mean), fmt(r.max), fmt(r.min), fmt(r.variance)]);
  return [`### ${name}`, '', markdownTable(['density', 'init', 'density made', 'σ mean', 'σ max', 'σ min', 'σ variance'], lines)].join('\n');
});
const skipped = [...new Set(rows.filter((r) => r.skipped).map((r) => `- ${r.activation}, ${r.arm}, d=${r.density}: ${r.skipped}`))];
const md = [
  `Command: \`node scripts/run.mjs bench/jacobian-study.ts --seed ${seed}\` (float64, CPU, ${seconds.toFixed(0)} s). Date: ${new Date().toISOString().slice(0, 10)}.`,
  'MLP 784-100-100-100-100-100-100-10 (7 linear layers), every layer at the density, gain 1, biases 0. Jacobian protocol: logits-train-batch (d logits / d input at each of the first 128 training images of seed ' + `${seed}'s shuffle, 10 x 784 each, the 1280 singular values pooled).`,
  '',
  ...sections.flatMap((s) => [s, '']),
  'Not built:',
  ...skipped,
].join('\n');
writeFileSync(path.join(out, 'results.md'), `${md}\n`);
writeFileSync(path.join(out, 'results.json'), JSON.stringify({ seed, seconds, densities: DENSITIES, rows }, null, 2));
for (const { name } of ACTIVATIONS) {
  const series = (stat: 'mean' | 'variance' | 'max' | 'min') =>
    ARMS.map((arm) => ({ name: arm.name, points: rows.filter((r) => r.activation === name && r.arm === arm.name && r[stat] !== undefined && r[stat]! > 0).map((r) => [r.density, r[stat]!] as [number, number]) })).filter((s) => s.points.length > 0);
  const charts = [
    lineChart(series('mean'), { title: `${name}: mean singular value of the Jacobian`, xLabel: 'density', yLabel: 'σ mean', logX: true, logY: true }),
    lineChart(series('max'), { title: `${name}: largest singular value`, xLabel: 'density', yLabel: 'σ max', logX: true, logY: true }),
    lineChart(series('min'), { title: `${name}: smallest singular value`, xLabel: 'density', yLabel: 'σ min', logX: true, logY: true }),
    lineChart(series('variance'), { title: `${name}: variance of the singular values`, xLabel: 'density', yLabel: 'σ variance', logX: true, logY: true }),
  ];
  writeFileSync(path.join(out, `${name}.svg`), stackCharts(charts));
}
console.log(`wrote ${path.join(out, 'results.md')}, results.json and one SVG per activation (${seconds.toFixed(0)} s)`);
