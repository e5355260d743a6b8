import { expect, it } from 'vitest';
import { generateMasks, type MaskMethod, sampleBatches } from '../../src/masks/index.js';
import type { MaskReport } from '../../src/masks/types.js';
import { type MlpConfig, mlpShapes } from '../../src/nn/mlp.js';
import type { CsrMatrix } from '../../src/sparse/csr.js';
import type { TrainSpec } from '../../src/train/experiment.js';
import { describeGpu } from '../harness/gpu.js';
import { cpuSource, maskOf, syntheticBatches } from './fixtures.js';

// The papers' code variants through runTraining (GPU gradients, the batches it draws) against the
// float64 generators on the same batches, on the EOI paper's baseline weights.
const config: MlpConfig = { inputs: 20, width: 16, depth: 3, classes: 4, density: 0.3, init: 'uniform', activation: 'tanh', sigmaW: 1, sigmaB: 0, seed: 2 };
const [data] = syntheticBatches(20, 4, 1, 160, 3);

describeGpu('masks', (run) => {
  for (const [method, batches] of [['snip-128', { batches: 1, batchSize: 128 }], ['grasp-v2', { batches: 4, batchSize: 16 }]] as const) {
    it(`runTraining with ${method} on masked-orthogonal weights: the masks and values of the float64 generator on the same batches`, async () => {
      const spec: TrainSpec = { model: config, optimizer: { kind: 'sgd', lr: 0.01 }, epochs: 1, batchSize: 16, maxSteps: 1, seed: 2, mask: { method, weights: 'masked-orthogonal' } };
      const out: { report: MaskReport; initial: CsrMatrix[] } = await run('maskedRun', { spec, data });
      const expected = await generateMasks(method as MaskMethod, mlpShapes(config), {
        density: 0.3,
        seed: 2,
        gain: 1,
        weights: 'masked-orthogonal',
        gradients: cpuSource(sampleBatches(data!, { ...batches, seed: 2 })),
      });
      expect(out.report.method).toBe(method);
      expect(out.report.weights).toBe('masked-orthogonal');
      out.initial.forEach((w, l) => {
        const [got, want] = [maskOf(w), maskOf(expected.weights[l]!)];
        // float32 GPU gradients may reorder scores within rounding of the threshold: 1% of the kept entries at most.
        const agree = got.reduce((n, m, i) => n + (m && want[i] ? 1 : 0), 0);
        expect(agree / want.reduce((n, m) => n + m, 0), `layer ${l}`).toBeGreaterThanOrEqual(0.99);
        // Kept values are the orthogonal matrix's, the same float32 numbers on both sides.
        const values = new Map(Array.from(expected.weights[l]!.colIdx, (c, t) => [`${rowOf(expected.weights[l]!, t)},${c}`, expected.weights[l]!.values[t]]));
        Array.from(w.colIdx).forEach((c, t) => {
          const v = values.get(`${rowOf(w, t)},${c}`);
          if (v !== undefined) expect(w.values[t]).toBe(v);
        });
      });
    });
  }
});

function rowOf(w: CsrMatrix, t: number): number {
  let r = 0;
  while (w.rowPtr[r + 1]! <= t) r++;
  return r;
}
