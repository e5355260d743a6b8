/** Exact Orthogonal Initialization: the CPU pieces the public API and the GPU path (batch.ts) use. */

export { eoi, eoiFromSample, type EoiMatrix, type EoiOptions } from './eoi.js';
export { expectedEoiDensity, eoiRotationsFor } from './density.js';
export { sampleEoiRotations, type EoiSample } from './sampler.js';
export { eoiMaskToCsr, eoiCsrFromDense } from './mask-to-csr.js';
export { scheduleRounds, packRounds, type EoiSchedule } from './schedule.js';
export { eoiConv, type EoiConvKernel, type EoiConvOptions } from './conv.js';
export {
  uniformDensities,
  erkDensities,
  explicitDensities,
  overallDensity,
  type LayerShape,
} from './layer-densities.js';
export { eoiNaive, type EoiNaiveResult } from './naive.js';
