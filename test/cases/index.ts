/** Every GPU case family, by name: the one list both backends (Node and the browser bundle) run from. */
import { matmulCases } from './matmul.js';

export const caseFamilies = {
  matmul: matmulCases,
};

export type FamilyName = keyof typeof caseFamilies;
