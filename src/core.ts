/**
 * orthosparse/core: the GPU runtime (Context, tensors, typed errors), the dense and sparse kernels
 * with their CPU references, the sparse formats, and exact orthogonal initialisation (EOI). What a
 * framework needs to run sparse layers of its own; layers and training are in orthosparse/nn.
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
  DestroyedError,
} from './errors.js';

// Randomness
export { Rng } from './random.js';

// Dense kernels
export { matmul, matmulInto, chooseMatmulConfig, type MatmulDims, type MatmulConfig, type MatmulEpilogue } from './kernels/matmul.js';
export { denseConvForwardInto } from './kernels/conv-dense.js';
export { denseConvBackwardDataInto } from './kernels/conv-dense.js';
export { denseConvWeightGradInto } from './kernels/conv-dense.js';

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
export { eoiConvBatch } from './eoi/batch.js';
export { type EoiConvLayerSpec } from './eoi/batch.js';
export { givensBatch, type GivensLayer } from './kernels/givens.js';

// Sparse formats and CPU references
export * from './sparse/index.js';

// Sparse kernels (GPU): the weight is W (out x in); dense operands are read feature-major
export { csrMatmul, csrForwardInto, csrBackwardDataInto, chooseSpmmCsrConfig, type SpmmCsrConfig } from './kernels/spmm-csr.js';
export { conv2dCsr } from './kernels/conv-csr.js';
export { convCsrForwardInto } from './kernels/conv-csr.js';
export { convCsrBackwardDataInto } from './kernels/conv-csr.js';
export { chooseConvCsrConfig } from './kernels/conv-csr.js';
export type { ConvCsrConfig } from './kernels/conv-csr.js';
export { GpuConvFilter } from './kernels/conv-csr.js';
export type { ConvFilterShape } from './kernels/conv-csr.js';
export { convBsrForwardInto } from './kernels/conv-bsr.js';
export { convBsrBackwardDataInto } from './kernels/conv-bsr.js';
export { chooseConvBsrConfig } from './kernels/conv-bsr.js';
export type { ConvBsrConfig } from './kernels/conv-bsr.js';
export { CONV_BSR_GROUPS_PER_INVOCATION } from './kernels/conv-bsr.js';
export { CONV_BSR_PIXELS_PER_INVOCATION } from './kernels/conv-bsr.js';
export { CONV_BSR_QUADS_PER_INVOCATION } from './kernels/conv-bsr.js';
export { convBsrWeightGradInto } from './kernels/sddmm-conv-bsr.js';
export type { ConvBsrWeightGradOptions } from './kernels/sddmm-conv-bsr.js';
export { CONV_BSR_GRAD_QUADS } from './kernels/sddmm-conv-bsr.js';
export { GpuConvBsrFilter } from './sparse/gpu-conv-bsr.js';
export type { ConvBsrFilter } from './sparse/conv-bsr.js';
export type { ConvFilterDims } from './sparse/conv-bsr.js';
export type { ConvBsrBlockSize } from './sparse/conv-bsr.js';
export { CONV_BSR_BLOCK_SIZES } from './sparse/conv-bsr.js';
export { validateConvBsr } from './sparse/conv-bsr.js';
export { randomConvBsr } from './sparse/conv-bsr.js';
export { convBsrFromCsr } from './sparse/conv-bsr.js';
export { convBsrToCsr } from './sparse/conv-bsr.js';
export { csrSddmmInto } from './kernels/sddmm-csr.js';
export { bsrForwardInto, bsrBackwardDataInto, chooseSpmmBsrConfig, type SpmmBsrConfig } from './kernels/spmm-bsr.js';
export { bsrSddmmInto } from './kernels/sddmm-bsr.js';
export { convSddmmInto, type ConvSddmmOptions, CONV_SDDMM_LANES } from './kernels/sddmm-conv.js';
export { channelSumsInto, type PlaneDims } from './kernels/channel-sums.js';
export { globalAvgPoolForwardInto, globalAvgPoolBackwardInto, avgPool2dForwardInto, avgPool2dBackwardInto, type ImageDims } from './kernels/pool.js';
export { toFeatureMajorInto, toFeatureMajor, featureMajorStride } from './kernels/feature-major.js';
export { toActivationLayout, fromActivationLayout } from './sparse/activation-layout.js';
export { GpuCsr } from './sparse/gpu-csr.js';
export { GpuBsr } from './sparse/gpu-bsr.js';

// Activation, loss, optimizer-step and axpy kernels (the building blocks of a training step)
export { ACTIVATIONS, activationForwardInto, activationBackwardInto, type Activation, type ActivationName, type ActivationOptions, type ActivationSpec } from './kernels/activation.js';
export { softmaxXent, softmaxXentInto, SMOOTHING_CONVENTIONS, type SoftmaxXentOptions, type SmoothingConvention } from './kernels/softmax-xent.js';
export {
  sgdStepInto,
  adamStepInto,
  sgdStepTensorsInto,
  adamStepTensorsInto,
  sgdStateLength,
  adamStateLength,
  optimizerKernel,
  type OptimizerSlot,
  type OptimizerSlots,
  type SgdHyperparameters,
  type AdamHyperparameters,
} from './kernels/optimizer.js';
export { axpyInto, axpyKernel } from './kernels/axpy.js';

// Types that the exported signatures mention (so the API docs resolve every reference)
export type { SpmmTiles } from './kernels/spmm-tiles.js';
export { SPMM_CSR_GROUPS_PER_INVOCATION } from './kernels/spmm-csr.js';
export { CONV_CSR_GROUPS_PER_INVOCATION } from './kernels/conv-csr.js';
export { CONV_CSR_PIXELS_PER_INVOCATION } from './kernels/conv-csr.js';
export { SPMM_BSR_GROUPS_PER_INVOCATION } from './kernels/spmm-bsr.js';
export type { GpuCsrPattern, GpuTransposedPattern, GpuSddmmItems } from './sparse/gpu-csr.js';
export { gpuEntry, type Backend } from './gpu/device.js';
export type { OverrideValues } from './gpu/context.js';
export type { SoftmaxXentResult, XentDims, SoftmaxXentOutputs } from './kernels/softmax-xent.js';
export type { TypedArrayOf } from './gpu/tensor.js';
export type { FoldOptions } from './kernels/grid.js';
export type { DenseConvConfig } from './kernels/conv-dense.js';
export type { ReferenceFilter } from './sparse/conv-reference.js';

// The CSR references under the names of the CSR kernels they check (csrForwardInto, ...), as the
// BSR ones are named; the spmm* / sddmmRef names stay.
export { spmmForwardRef as csrForwardRef, spmmBackwardDataRef as csrBackwardDataRef, sddmmRef as csrSddmmRef } from './sparse/reference.js';
