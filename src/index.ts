/**
 * orthosparse: hand-written WebGPU kernels for training sparse neural networks from scratch.
 * Every public name is exported here.
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
export { globalAvgPoolForwardInto, globalAvgPoolBackwardInto } from './kernels/pool.js';
export { toFeatureMajorInto, toFeatureMajor, featureMajorStride } from './kernels/feature-major.js';
export { toActivationLayout, fromActivationLayout } from './sparse/activation-layout.js';
export { GpuCsr } from './sparse/gpu-csr.js';
export { GpuBsr } from './sparse/gpu-bsr.js';

// Layers, losses, models
export type { Layer, Parameter } from './nn/layer.js';
export { Linear, type LinearInit } from './nn/linear.js';
export { SparseLinear, type SparseFormat } from './nn/sparse-linear.js';
export { ActivationLayer } from './nn/activation-layer.js';
export { Sequential } from './nn/sequential.js';
export { SoftmaxCrossEntropy } from './nn/loss.js';
export { buildMlp, assembleMlp, mlpShapes, mlpDensities, mlpBiases, layerSeed, isSparseInit, MLP_INITS, type MlpConfig, type MlpInit } from './nn/mlp.js';
export { GhostSkip } from './nn/ghost-skip.js';
export { SparseConv2d, type ConvShape } from './nn/sparse-conv2d.js';
export type { SparseConvFormat } from './nn/sparse-conv2d.js';
export { Conv2d } from './nn/conv2d.js';
export { GlobalAvgPool, AvgPool2d, Flatten } from './nn/pooling.js';
export { buildCnn, assembleCnn, initCnn, checkCnnConfig, cnnBody, cnnConvs, cnnOutputShape, cnnDensities, isSparseCnnInit, CNN_INITS, CNN_ARCHITECTURES, type CnnConfig, type CnnInit, type CnnArchitecture, type CnnConvSpec, type CnnStage, type CnnWeights } from './nn/cnn.js';
export { saveCnn, loadCnn } from './nn/cnn-file.js';
export { buildModel, saveModel, loadModel, describeModel, isCnnConfig, isSparseModel, type ModelConfig, type CnnModelConfig } from './nn/model.js';
export { convGeometry, PADDING_MODES, type ConvDims, type ConvGeometry, type PaddingMode } from './sparse/conv-geometry.js';

export { initWeights, initBias, haarOrthogonal, WEIGHT_INITS, GAUSSIAN_SCALES, type WeightInit, type LayerInitSpec, type GaussianScale } from './nn/init.js';
export { initConvFilter } from './nn/conv-init.js';
export { convFilterCsr } from './nn/conv-init.js';
export { CONV_INITS } from './nn/conv-init.js';
export { type ConvInit } from './nn/conv-init.js';
export { type ConvInitSpec } from './nn/conv-init.js';
export { type MaskedConvKernel } from './nn/conv-init.js';
export { saveMlp, loadMlp } from './nn/mlp-file.js';
export { encodeModelFile, decodeModelFile, type ModelFile } from './nn/model-file.js';
export { jacobianSpectrum, inputOutputJacobian, spectrumStats, type SpectrumStats } from './nn/jacobian.js';
export { ACTIVATIONS, activationForwardInto, activationBackwardInto, type Activation, type ActivationName, type ActivationOptions, type ActivationSpec } from './kernels/activation.js';
export { softmaxXent, softmaxXentInto, SMOOTHING_CONVENTIONS, type SoftmaxXentOptions, type SmoothingConvention } from './kernels/softmax-xent.js';

// Masks: random, ERK, magnitude, lottery ticket, SNIP, GraSP, SynFlow, Taylor, SAO, EOI, +ai / +eoi
export * from './masks/index.js';

// The any-mask recipe
export {
  RecipeRun,
  checkRecipe,
  ramp,
  recipePreset,
  RECIPE_PRESETS,
  RECIPE_PARTS,
  RELEASED_SKIP_INIT,
  parseRecipeName,
  type RecipePreset,
  type RecipeSpec,
  type RecipeEnvironment,
  type RecipeReport,
  type Ramp,
} from './recipe/recipe.js';
export { gradInitScales, gradInitGradient, VIRTUAL_STEPS, type VirtualStep, type GradInitObjective, type GradInitOptions, type GradInitResult, type GradInitStep, type SourceForBatch } from './recipe/gradinit.js';
export { modelGradientSource, sparseLayers, type SparseLayer } from './recipe/model-gradients.js';

// Training
export { Sgd, Adam, type SgdOptions, type AdamOptions, type LearningRate } from './train/optimizers.js';
export { constantLr, stepLr, cosineLr, linearWarmup, type LrSchedule } from './train/schedule.js';
export { train, evaluate, type Dataset, type TrainOptions, type TrainHistory, type Progress } from './train/trainer.js';
export { runTraining, type TrainSpec, type TrainResult, type MaskSpec } from './train/experiment.js';
export { createOptimizer, learningRateSchedule, type OptimizerSpec } from './train/optimizer-spec.js';
export { lineChart, type Series, type ChartOptions } from './plot/svg.js';

// Types that the exported signatures mention (so the API docs resolve every reference)
export type { SpmmTiles } from './kernels/spmm-tiles.js';
export { SPMM_CSR_GROUPS_PER_INVOCATION } from './kernels/spmm-csr.js';
export { CONV_CSR_GROUPS_PER_INVOCATION } from './kernels/conv-csr.js';
export { CONV_CSR_PIXELS_PER_INVOCATION } from './kernels/conv-csr.js';
export { SPMM_BSR_GROUPS_PER_INVOCATION } from './kernels/spmm-bsr.js';
export type { Parameter as TrainableTensor } from './train/optimizers.js';
export type { GpuCsrPattern, GpuTransposedPattern, GpuSddmmItems } from './sparse/gpu-csr.js';
export type { Backend } from './gpu/device.js';
export type { OverrideValues } from './gpu/context.js';
export type { FileTensor } from './nn/model-file.js';
export type { EvalRecord, StepRecord, Optimizer } from './train/trainer.js';
export type { SoftmaxXentResult, XentDims, SoftmaxXentOutputs } from './kernels/softmax-xent.js';
export type { TypedArrayOf } from './gpu/tensor.js';
export type { FoldOptions } from './kernels/grid.js';
export type { DenseConvConfig } from './kernels/conv-dense.js';
export type { TrainHooks } from './train/experiment.js';

// MNIST from IDX bytes (browsers fetch them; Node can use loadMnist)
export { mnistFromIdx, loadMnist, MNIST_NORMALIZATION, type MnistSet, type MnistSplit, type MnistOptions, type Normalization } from './data/mnist.js';
export { parseIdxImages, parseIdxLabels, type IdxImages } from './data/idx.js';
