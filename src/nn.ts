/**
 * orthosparse/nn: layers (dense, sparse, convolutional, activations, pooling), models (MLP, CNN)
 * and their file format, initialisations, the Jacobian spectrum, optimizers, schedules and the
 * training loop, MNIST from IDX bytes, and SVG line charts.
 */

// Layers, losses, models
export type { Layer, Parameter, TrainableTensor } from './nn/layer.js';
export { Linear, type LinearInit } from './nn/linear.js';
export { SparseLinear, type SparseFormat } from './nn/sparse-linear.js';
export type { SparseLayerBase, SparseLayerOps, OutputGrad } from './nn/sparse-layer.js';
export { ActivationLayer } from './nn/activation-layer.js';
export { Sequential } from './nn/sequential.js';
export { SoftmaxCrossEntropy } from './nn/loss.js';
export { buildMlp, assembleMlp, mlpShapes, mlpDensities, mlpBiases, layerSeed, isSparseInit, MLP_INITS, type MlpConfig, type MlpInit } from './nn/mlp.js';
export { GhostSkip } from './nn/ghost-skip.js';
export { SparseConv2d, type ConvShape } from './nn/sparse-conv2d.js';
export type { SparseConvFormat } from './nn/sparse-conv2d.js';
export { Conv2d } from './nn/conv2d.js';
export { GlobalAvgPool, AvgPool2d, Flatten } from './nn/pooling.js';
export { buildCnn, assembleCnn, initCnn, checkCnnConfig, cnnBody, cnnConvs, cnnOutputShape, cnnReadoutFeatures, cnnDensities, isSparseCnnInit, CNN_INITS, CNN_ARCHITECTURES, CNN_READOUTS, type CnnConfig, type CnnInit, type CnnArchitecture, type CnnReadout, type CnnConvSpec, type CnnStage, type CnnWeights } from './nn/cnn.js';
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
export { checkJacobianProtocol, inputOutputJacobian, inputOutputJacobians, JACOBIAN_BATCH, JACOBIAN_PROTOCOLS, jacobianSpectrum, pooledJacobianSpectrum, spectrumStats, type JacobianProtocol, type SpectrumStats } from './nn/jacobian.js';

// Training
export { Sgd, Adam, type SgdOptions, type AdamOptions, type LearningRate } from './train/optimizers.js';
export { constantLr, stepLr, cosineLr, linearWarmup, type LrSchedule } from './train/schedule.js';
export { train, evaluate, type Dataset, type TrainOptions, type TrainHistory, type Progress } from './train/trainer.js';
export { runTraining, type TrainSpec, type TrainResult, type MaskSpec } from './train/experiment.js';
export { createOptimizer, learningRateSchedule, type OptimizerSpec } from './train/optimizer-spec.js';
export { lineChart, heatmap, type Series, type ChartOptions, type HeatmapData, type HeatmapOptions } from './plot/svg.js';

// Dynamic sparse training (SET, RigL): the schedule, the layer-level updates, the GPU kernels and their exact CPU reference
export { checkDstOptions, dstFraction, dstMoveCount, DST_METHODS, type DstMethod, type DstOptions } from './dst/schedule.js';
export { DynamicSparsity, createDynamicSparsity, dstLayers, checkDstSpec, type DstSparseLayer, type DstUpdateRecord, type StateLookup } from './dst/dynamic.js';
export { dstDropInto, dstGrowInto, dstRemapInto, dstRebuildInto, DstWorkspace, type DstMovedArray, dstGrid, DST_UNIT, DST_DEFAULT_CHUNK_ENTRIES, type DstGrid, type DstGrow, type DstRiglGradientGrow, type DstRiglProductGrow, type DstLayer } from './kernels/dst.js';
export {
  dstUpdateReference,
  dstBlockUpdateReference,
  dstConvBlockUpdateReference,
  blockScoresReference,
  denseGradientReference,
  riglGrowKey,
  riglBlockGrowKey,
  setGrowKey,
  dstSalt,
  magnitudeKey,
  pcgHash,
  DST_GROWN,
  type DstUpdateResult,
} from './dst/reference.js';

// Types that the exported signatures mention
export type { FileTensor } from './nn/model-file.js';
export type { EvalRecord, StepRecord, Optimizer } from './train/trainer.js';
export type { JacobianStats } from './train/experiment.js';
export type { FusedActivationBelow } from './nn/layer.js';
export type { SequentialOptions } from './nn/sequential.js';
export type { TrainHooks } from './train/experiment.js';


// MNIST from IDX bytes (browsers fetch them; Node can use loadMnist from orthosparse/node)
export { mnistFromIdx, MNIST_NORMALIZATION, type MnistSet, type MnistSplit, type MnistOptions, type Normalization } from './data/mnist.js';
export { parseIdxImages, parseIdxLabels, type IdxImages } from './data/idx.js';
