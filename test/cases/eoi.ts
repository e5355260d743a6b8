import { eoiBatch, type EoiLayerSpec } from '../../src/eoi/batch.js';
import { defineCases } from '../harness/case.js';

export const eoiCases = defineCases({
  batch: async (ctx, p: { layers: EoiLayerSpec[]; gain?: number }) => {
    const out = await eoiBatch(ctx, p.layers, { gain: p.gain });
    return out.map(({ rowPtr, colIdx, values, rotations, rounds }) => ({ rowPtr, colIdx, values, rotations, rounds }));
  },
});
