import { eoiBatch, eoiConvBatch, type EoiConvLayerSpec, type EoiLayerSpec } from '../../src/eoi/batch.js';
import { defineCases } from '../harness/case.js';

export const eoiCases = defineCases({
  batch: async (ctx, p: { layers: EoiLayerSpec[]; gain?: number }) => {
    const out = await eoiBatch(ctx, p.layers, { gain: p.gain });
    return out.map(({ rowPtr, colIdx, values, rotations, rounds }) => ({ rowPtr, colIdx, values, rotations, rounds }));
  },
  convBatch: async (ctx, p: { layers: EoiConvLayerSpec[]; gain?: number }) => eoiConvBatch(ctx, p.layers, { gain: p.gain }),
});
