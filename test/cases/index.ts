/** Every GPU case family, by name: the one list both backends (Node and the browser bundle) run from. */
import { eoiCases } from './eoi.js';
import { matmulCases } from './matmul.js';

export const caseFamilies = {
  matmul: matmulCases,
  eoi: eoiCases,
};

export type FamilyName = keyof typeof caseFamilies;
