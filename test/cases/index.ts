/** Every GPU case family, by name: the one list both backends (Node and the browser bundle) run from. */
import { cnnCases } from './cnn.js';
import { cnnBsrCases } from './cnn-bsr.js';
import { convCases } from './conv.js';
import { convBsrCases } from './conv-bsr.js';
import { convGradCases } from './conv-grad.js';
import { convDenseCases } from './conv-dense.js';
import { defaultLimitsCases } from './default-limits.js';
import { dstCases } from './dst.js';
import { eoiCases } from './eoi.js';
import { masksCases } from './masks.js';
import { matmulCases } from './matmul.js';
import { nnCases } from './nn.js';
import { recipeCnnCases } from './recipe-cnn.js';
import { runtimeCases } from './runtime.js';
import { sparseCases } from './sparse.js';
import { trainingCases } from './training.js';
import { trainingOpsCases } from './training-ops.js';
import { validationCases } from './validation.js';

export const caseFamilies = {
  matmul: matmulCases,
  eoi: eoiCases,
  runtime: runtimeCases,
  nn: nnCases,
  trainingOps: trainingOpsCases,
  training: trainingCases,
  sparse: sparseCases,
  masks: masksCases,
  conv: convCases,
  convBsr: convBsrCases,
  convGrad: convGradCases,
  convDense: convDenseCases,
  cnn: cnnCases,
  cnnBsr: cnnBsrCases,
  recipeCnn: recipeCnnCases,
  validation: validationCases,
  dst: dstCases,
  defaultLimits: defaultLimitsCases,
};

export type FamilyName = keyof typeof caseFamilies;
