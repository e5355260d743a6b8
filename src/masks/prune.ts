/** The shared tail of the one-shot score methods: score every dense weight, keep the budget's highest. */
import type { CsrMatrix } from '../sparse/csr.js';
import { budgetFor } from './budget.js';
import { maskedWeights } from './dense-init.js';
import type { CommonSettings } from './options.js';
import { maskReport } from './report.js';
import { keepByBudget, type LayerTable, scoreTable } from './select.js';
import type { MaskResult } from './types.js';

/** A score per weight of each dense layer, from `score(layer, index)`. */
export function scoresOf(dense: readonly CsrMatrix[], score: (layer: number, i: number) => number): LayerTable<Float64Array> {
  const table = scoreTable(dense.map((w) => w.values.length));
  table.layers.forEach((s, l) => {
    for (let i = 0; i < s.length; i++) s[i] = score(l, i);
  });
  return table;
}

/** The dense layers' values at the budget's highest scores: pruning at init keeps what it scored. */
export function pruneDense(method: string, common: CommonSettings, dense: readonly CsrMatrix[], scores: LayerTable<Float64Array>): MaskResult {
  const weights = maskedWeights(dense, keepByBudget(scores, budgetFor(common.network.dims, common.targets)), common.weights);
  return { weights, report: maskReport(method, weights, common.targets, common.weights) };
}
