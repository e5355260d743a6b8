/** Mask generators for MLPs and CNNs: one CSR per pruned layer with its initial values, and a report. */

export { generateMasks, type MaskOptions } from './generate.js';
export { BASE_MASK_METHODS, MASK_REFINEMENTS, parseMaskMethod, type BaseMaskMethod, type MaskMethod, type MaskRefinement } from './method.js';
export type { Batch, Distribution, GradientSource, MaskReport, MaskResult, MlpShape, TrainFn, WeightsLike } from './types.js';
export type { CommonMaskOptions } from './options.js';
export { denseInit, MASK_WEIGHTS, maskedWeights, readMaskWeights, type MaskWeights } from './dense-init.js';
export type { CnnFrame, CnnNetwork, CnnNetworkShape, MaskNetwork, NetworkFrame } from './network.js';
export { randomMasks } from './random.js';
export { magnitudeMasks } from './magnitude.js';
export { lotteryLayerMasks, lotteryMasks, lotteryRounds, type LotteryOptions } from './lottery.js';
export { SNIP_CODE_BATCH, snip128Masks, snipMasks, snipScores } from './snip.js';
export { graspMasks, graspV2Masks, graspScores, GRASP_HESSIAN_METHODS, type GraspOptions, type GraspSettings } from './grasp.js';
export { synflowMasks, synflowNetMasks, synflowNetScores, synflowScores, type SynflowNetOptions, type SynflowOptions } from './synflow.js';
export { taylorMasks, taylorScores, type TaylorOptions } from './taylor.js';
export { saoCodeMasks, saoMasks, saoLayer, saoDensities, saoMinDegree, type SaoOptions } from './sao.js';
export { approximateIsometry, isometryOnTop, isometryResidual, type IsometryOptions, type IsometryResult } from './isometry.js';
export { eoiMasks, eoiOnTop } from './eoi-masks.js';
export { sampleBatches, summedGradients, type DataScoreOptions } from './gradients.js';
export { referenceGradientSource, referenceGradients, referenceHessianVector, referenceJacobians, referenceLoss, referenceOutputSumGradients, type ReferenceNetwork, type ReferenceSourceOptions } from './reference-mlp.js';
export { gpuGradientSource, type GpuGradientOptions } from './gpu-gradients.js';
export { gpuTrainer, type GpuTrainerOptions } from './gpu-trainer.js';
