/**
 * Lottery ticket / iterative magnitude pruning with rewinding (Frankle & Carbin): train, prune a
 * fraction (default 20%) of the remaining weights by |trained w| (over the whole network with
 * 'global', else inside each layer), rewind the survivors to their initial values, repeat. Round k
 * leaves density max(target, 0.8^k) (per layer, each layer stopping at its own target); the last
 * round lands exactly on the target. The result is the initial values on the final mask: no
 * training after the last pruning.
 */
import type { CsrMatrix } from '../sparse/csr.js';
import { checkNumberInRange } from '../validate.js';
import { budgetFor } from './budget.js';
import { denseInit, maskedWeights } from './dense-init.js';
import { type CommonMaskOptions, readCommon } from './options.js';
import { maskReport } from './report.js';
import { keepByBudget, scoreTable } from './select.js';
import { checkTrained } from './train-check.js';
import type { MaskNetwork } from './network.js';
import type { MaskResult, TrainFn } from './types.js';

/** Options of the lottery ticket methods: the common ones plus a training function. */
export interface LotteryOptions extends CommonMaskOptions {
  /** trains the masked network each round: gpuTrainer(ctx, …) or any TrainFn (tests pass a tiny one) */
  train: TrainFn;
  /** fraction of the remaining weights pruned per round, in (0, 1); default 0.2 */
  pruneFraction?: number;
}

/** Relative slack so that 0.8^k equal to the target up to rounding counts as reaching it. */
const REACHED = 1e-12;

/** Rounds needed to go from density 1 to `lowest` keeping `keep` of the remaining weights per round. */
export function lotteryRounds(lowest: number, keep: number): number {
  let rounds = 0;
  for (let d = 1; d > lowest * (1 + REACHED); d *= keep) rounds++;
  return rounds;
}

/**
 * Method 'lottery': iterative magnitude pruning, 20% of the remaining weights globally per round, training with `opts.train` between rounds.
 * @throws RangeError or TypeError naming the option when out of range
 */
export async function lotteryMasks(network: MaskNetwork, opts: LotteryOptions): Promise<MaskResult> {
  return lottery('lottery', network, opts, 'global', 0.2);
}

/**
 * 'lottery-layer', the lottery ticket as the any-mask code runs it: inside each layer (distribution
 * default 'uniform'), 10% of the remaining weights a round (pruneFraction default 0.1), rewound to
 * the initial values.
 */
export async function lotteryLayerMasks(network: MaskNetwork, opts: LotteryOptions): Promise<MaskResult> {
  return lottery('lottery-layer', network, opts, 'uniform', 0.1);
}

async function lottery(method: string, network: MaskNetwork, opts: LotteryOptions, defaultDistribution: 'global' | 'uniform', defaultFraction: number): Promise<MaskResult> {
  const common = readCommon(network, opts, defaultDistribution);
  const { targets } = common;
  if (typeof opts.train !== 'function') throw new TypeError('train must be a TrainFn (weights, round) => trained weights, e.g. gpuTrainer(ctx, …)');
  const fraction = opts.pruneFraction ?? defaultFraction;
  if (checkNumberInRange('pruneFraction', fraction, 0, 1, true) === 1) throw new RangeError('pruneFraction must be a number in (0, 1), got 1');
  const keep = 1 - fraction;
  const init = denseInit(common.network, common.gain, common.seed, common.weights);
  const rounds = lotteryRounds(Math.min(...(targets.layers ?? [targets.density])), keep);
  let masks: Uint8Array[] = init.map((w) => new Uint8Array(w.values.length).fill(1));
  const schedule: number[] = [];
  for (let k = 1; k <= rounds; k++) {
    const rewound = maskedWeights(init, masks, common.weights);
    const trained = await opts.train(rewound, k - 1);
    const at = k === rounds ? (d: number) => d : (d: number) => Math.max(d, keep ** k);
    masks = keepByBudget(trainedMagnitudes(trained, rewound), budgetFor(common.network.dims, targets, at));
    schedule.push(masks.reduce((n, m) => n + m.reduce((a, b) => a + b, 0), 0) / init.reduce((n, w) => n + w.values.length, 0));
  }
  const weights = maskedWeights(init, masks, common.weights);
  return { weights, report: maskReport(method, weights, targets, common.weights, { schedule }) };
}

/** |trained w| at the stored positions, -Infinity at the pruned ones (they stay pruned). */
function trainedMagnitudes(trained: readonly CsrMatrix[], rewound: readonly CsrMatrix[]) {
  checkTrained(trained, rewound);
  const table = scoreTable(rewound.map((w) => w.rows * w.cols));
  table.all.fill(-Infinity);
  trained.forEach((t, l) => {
    const s = table.layers[l]!;
    for (let r = 0; r < t.rows; r++) {
      for (let i = t.rowPtr[r]!; i < t.rowPtr[r + 1]!; i++) s[r * t.cols + t.colIdx[i]!] = Math.abs(t.values[i]!);
    }
  });
  return table;
}
