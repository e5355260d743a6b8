/**
 * orthosparse: hand-written WebGPU kernels for training sparse neural networks from scratch.
 * The public names of ../shared/API.md are all exported here.
 */

// GPU runtime
export { createContext, Context, type CreateContextOptions, type AdapterDescription, type KernelSource, type DispatchArgs } from './gpu/context.js';
export { GpuTensor, type DType } from './gpu/tensor.js';
export {
  OrthosparseError,
  WebGpuUnavailableError,
  ShaderCompileError,
  GpuValidationError,
  GpuOutOfMemoryError,
  DeviceLostError,
  BufferTooLargeError,
} from './errors.js';

// Randomness
export { Rng } from './random.js';

// Dense kernels
export { matmul, matmulInto, chooseMatmulConfig, type MatmulDims, type MatmulConfig } from './kernels/matmul.js';

// Exact orthogonal initialisation
export {
  eoi,
  eoiFromSample,
  type EoiMatrix,
  type EoiOptions,
  expectedEoiDensity,
  eoiRotationsFor,
  sampleEoiRotations,
  type EoiSample,
  eoiMaskToCsr,
  eoiCsrFromDense,
  scheduleRounds,
  packRounds,
  type EoiSchedule,
  eoiConv,
  type EoiConvKernel,
  type EoiConvOptions,
  uniformDensities,
  erkDensities,
  explicitDensities,
  overallDensity,
  type LayerShape,
} from './eoi/index.js';
export { eoiBatch, type EoiLayerSpec, type EoiBatchOptions } from './eoi/batch.js';
export { givensBatch, type GivensLayer } from './kernels/givens.js';

// Sparse formats and CPU references
export * from './sparse/index.js';
