/**
 * SynFlow (Tanaka et al. 2020), data-free. On the linearised network of |w| (identity activation,
 * no biases; for ReLU nets with non-negative weights and input this is the network itself), an
 * all-ones input gives R = 1ᵀ|A_L|…|A_1|1 and score_l = |w ⊙ ∂R/∂w|: with a_l the flow into stage l
 * (forward from the ones) and b_l the flow back into its output (backward from the ones at the
 * logits), score_l = |w_l| ⊙ ∂(b_lᵀ A(w_l) a_l)/∂w_l, two vector passes in float64 on the CPU, no
 * GPU. For an MLP the stages are its layers (score_l[i, j] = b_l[i] |w_ij| a_l[j]); for a CNN they
 * are the real network's (reference-mlp.ts): its convolutions with |filter|, which sum the
 * flow over every pixel each tap reads (circular or zero padding as the network has it), its
 * poolings, and its dense classifier with |weights|, which is not pruned. Pruning runs
 * `iterations` (default 100) rounds, round k keeping the fraction d^((k+1)/n) of each budget (the
 * last lands on d); kept weights keep their signed initial values.
 *
 * 'synflow-net' (synflowNetMasks) is the papers' code's form instead: the same rounds on the real
 * network, activation and biases kept.
 *
 * Scores are reported as score / R. Every pruned layer of a linear network carries the whole flow,
 * Σ score_l = b_lᵀ|A_l|a_l = R, so dividing each layer's scores by their own sum gives exactly
 * score / R while a and b are rescaled freely per stage: a 1000-layer product would overflow
 * float64, these never do.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { checkPositiveInt } from '../validate.js';
import { budgetFor } from './budget.js';
import { denseInit, maskedWeights } from './dense-init.js';
import { type CnnFrame, cnnClassifier, type MaskNetwork, type NetworkFrame } from './network.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { chainOf, referenceOutputSumGradients, stageValues } from './reference-mlp.js';
import type { Activation } from '../kernels/activation.js';
import { maskReport } from './report.js';
import { keepByBudget, scoreTable } from './select.js';
import type { MaskResult, WeightsLike } from './types.js';

/** Options of synflowMasks: the common ones plus the number of pruning rounds. */
export interface SynflowOptions extends CommonMaskOptions {
  /** pruning rounds; default 100 */
  iterations?: number;
}

/**
 * score / R for every stored weight of the network, aligned with each layer's values. With `cnn`
 * the weights are its filters and its classifier carries the flow (its biases play no part).
 */
export function synflowScores(weights: readonly WeightsLike[], cnn?: CnnFrame): Float64Array[] {
  const chain = chainOf({ cnn }, weights);
  const values = chain.stages.map((stage) => Float64Array.from(stageValues(stage, weights), Math.abs));
  const into: Float64Array[] = [];
  let a: Float64Array = new Float64Array(chain.features).fill(1);
  chain.stages.forEach((stage, s) => {
    into[s] = a;
    a = normalised(stage.map.apply(values[s]!, a, 1));
  });
  const scores: Float64Array[] = [];
  let b: Float64Array = new Float64Array(chain.classes).fill(1);
  for (let s = chain.stages.length - 1; s >= 0; s--) {
    const stage = chain.stages[s]!;
    if (stage.layer !== undefined) {
      const flow = stage.map.weightGrad(values[s]!, b, into[s]!, 1);
      const score = flow.map((f, i) => f * values[s]![i]!);
      const total = score.reduce((sum, x) => sum + x, 0);
      // total = 0 means no flow at all (R = 0): every score is 0 already.
      if (total > 0) for (let i = 0; i < score.length; i++) score[i]! /= total;
      scores[stage.layer] = score;
    }
    if (s > 0) b = normalised(stage.map.transpose(values[s]!, b, 1));
  }
  return scores;
}

/** v / max(v) (unchanged when all zero): only ratios within a stage matter (see the file comment). */
function normalised(v: Float64Array): Float64Array {
  const max = v.reduce((m, x) => Math.max(m, x), 0);
  if (max > 0) for (let i = 0; i < v.length; i++) v[i]! /= max;
  return v;
}

/**
 * Method 'synflow': iterative synaptic-flow pruning on |W| with an all-ones input, data-free, over `iterations` rounds.
 * @throws RangeError or TypeError naming the option when out of range
 */
export function synflowMasks(network: MaskNetwork, opts: SynflowOptions): MaskResult {
  return iterativeSynflow('synflow', network, opts, synflowScores);
}

/** Options of synflowNetMasks: SynflowOptions plus the network's activation. */
export interface SynflowNetOptions extends SynflowOptions {
  /** the network's activation; default tanh */
  activation?: Activation;
  /** one bias per pruned layer (an MLP's layers, a CNN's convolutions); default zeros */
  biases?: readonly ArrayLike<number>[];
}

/**
 * SynFlow's scores through the real network, as both papers' code computes them: every weight and
 * bias replaced by its magnitude (a CNN's classifier too), the activation kept, one all-ones input,
 * R = Σ logits, score = |w ⊙ dR/dw|, in float64 on the CPU (referenceOutputSumGradients). Not
 * normalised: a bounded activation (tanh) keeps the flow finite at any depth; an unbounded one can
 * overflow at great depth as the code's float32 would, and a NaN score is then a RangeError.
 */
export function synflowNetScores(weights: readonly WeightsLike[], frame: NetworkFrame): Float64Array[] {
  const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
  const magnitudes = weights.map((w) => ({ ...w, values: abs(w.values) }));
  const cnn = frame.cnn && { ...frame.cnn, classifier: abs(frame.cnn.classifier), classifierBias: frame.cnn.classifierBias && abs(frame.cnn.classifierBias) };
  const net = { activation: frame.activation, biases: frame.biases?.map(abs), cnn, weights: magnitudes };
  const { features } = chainOf(net, magnitudes);
  const ones = { count: 1, features, inputs: new Float32Array(features).fill(1), labels: new Uint32Array(1) };
  return referenceOutputSumGradients(net, ones).map((g, l) => g.map((x, i) => Math.abs(x * magnitudes[l]!.values[i]!)));
}

/** 'synflow-net': SynFlow's rounds on synflowNetScores (the real network, its biases and activation). */
export function synflowNetMasks(network: MaskNetwork, opts: SynflowNetOptions): MaskResult {
  const activation = opts.activation ?? 'tanh';
  return iterativeSynflow('synflow-net', network, opts, (weights, cnn) => synflowNetScores(weights, { activation, biases: opts.biases, cnn }));
}

/** SynFlow's pruning rounds, round k keeping d^((k+1)/n) of each budget by `score`. */
function iterativeSynflow(method: string, network: MaskNetwork, opts: SynflowOptions, score: (weights: readonly WeightsLike[], cnn?: CnnFrame) => Float64Array[]): MaskResult {
  const common = readCommon(network, opts, 'global');
  const iterations = checkPositiveInt('iterations', opts.iterations ?? 100);
  const { cnn } = common.network;
  const frame = cnn && { ...cnn.network, classifier: cnnClassifier(cnn, common.gain, common.seed) };
  const dense = denseInit(common.network, common.gain, common.seed, common.weights);
  const table = scoreTable(dense.map((w) => w.values.length));
  let kept: CsrMatrix[] = dense;
  let masks: Uint8Array[] = [];
  for (let k = 0; k < iterations; k++) {
    const scores = score(kept, frame);
    // Pruned positions may not come back: -Infinity there, the stored entries' scores at theirs.
    table.all.fill(-Infinity);
    kept.forEach((w, l) => {
      const s = table.layers[l]!;
      for (let r = 0; r < w.rows; r++) for (let t = w.rowPtr[r]!; t < w.rowPtr[r + 1]!; t++) s[r * w.cols + w.colIdx[t]!] = scores[l]![t]!;
    });
    const exponent = (k + 1) / iterations;
    masks = keepByBudget(table, budgetFor(common.network.dims, common.targets, (d) => (k === iterations - 1 ? d : d ** exponent)));
    kept = maskedWeights(dense, masks, common.weights);
  }
  return { weights: kept, report: maskReport(method, kept, common.targets, common.weights) };
}
