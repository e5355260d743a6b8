/** Sparse formats (CSR, BSR, transposed CSR structure, row swizzle) and their CPU references. */

export {
  type CsrMatrix,
  type CsrStructure,
  csrFromDense,
  csrFromMask,
  csrNnz,
  csrRowLengths,
  csrToDense,
  randomCsr,
  validateCsr,
  validateCsrStructure,
} from './csr.js';
export type { CompressedPattern } from './structure.js';
export { type TransposedStructure, transposeStructure } from './csc.js';
export { rowSwizzle } from './swizzle.js';
export {
  BSR_BLOCK_SIZES,
  type BsrBlockSize,
  type BsrMatrix,
  bsrFromCsr,
  bsrFromDense,
  bsrFromMask,
  bsrToCsr,
  bsrToDense,
  randomBsr,
  validateBsr,
} from './bsr.js';
export {
  biasGradRef,
  bsrBackwardDataRef,
  bsrForwardRef,
  bsrSddmmRef,
  matmulRef,
  sddmmRef,
  spmmBackwardDataRef,
  spmmForwardRef,
} from './reference.js';
export type { RandomValueOptions } from './structure.js';
export {
  type ConvDims,
  type ConvGeometry,
  convGeometry,
  convSource,
  convTaps,
  convUniforms,
  MAX_CONV_DIM,
  PADDING_MODES,
  type PaddingMode,
} from './conv-geometry.js';
export {
  avgPool2dBackwardRef,
  avgPool2dRef,
  convBackwardDataRef,
  convBiasGradRef,
  convForwardRef,
  convWeightGradRef,
  denseFilterAsCsr,
  globalAvgPoolBackwardRef,
  globalAvgPoolRef,
} from './conv-reference.js';
export { featureMajorStride, fromActivationLayout, toActivationLayout } from './activation-layout.js';
// The conv kernel tests' names for the same conversions.
export { fromActivationLayout as fromFeatureMajorRef, toActivationLayout as toFeatureMajorRef } from './activation-layout.js';
