/** Every GPU case family, by name: the one list both backends (Node and the browser bundle) run from. */
import { eoiCases } from './eoi.js';
import { matmulCases } from './matmul.js';
import { runtimeCases } from './runtime.js';

export const caseFamilies = {
  matmul: matmulCases,
  eoi: eoiCases,
  runtime: runtimeCases,
};

export type FamilyName = keyof typeof caseFamilies;
