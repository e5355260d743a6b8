/**
 * What the Init menus offer. The MLP's, in two groups:
 * - the MLP initialisations (MLP_INITS: mask and weights in one); a label per init is required by
 *   the type, so a new init there fails the type check until it has one here;
 * - the mask methods of src/masks (a mask chosen by scores or by construction, with the method's
 *   weights), which runTraining builds through spec.mask, optionally refined: +ai (approximate
 *   isometry on the same mask) or +eoi (EOI masks and weights at the method's layer densities).
 * The CNN's: its initialisations (CNN_INITS), labelled likewise, and the same mask methods on its
 * convolution filters, but for SAO, which has no construction for a convolution.
 */
import { type BaseMaskMethod, CNN_INITS, type CnnInit, MASK_REFINEMENTS, MLP_INITS, type MaskMethod, type MaskRefinement, type MlpInit } from '../src/index.js';

const INIT_LABELS: Record<MlpInit, string> = {
  eoi: 'EOI (orthogonal)',
  uniform: 'uniform random',
  erk: 'ERK random',
  'dense-orthogonal': 'dense orthogonal',
  'dense-gaussian': 'dense Gaussian',
};

export const INIT_OPTIONS = MLP_INITS.map((id) => ({ id, label: INIT_LABELS[id] }));

const CNN_INIT_LABELS: Record<CnnInit, string> = {
  eoi: 'EOI (delta-orthogonal, exact)',
  uniform: 'uniform random',
  erk: 'ERK random',
  'masked-delta-orthogonal': "masked delta-orthogonal (the EOI paper's baseline)",
  'delta-orthogonal': 'dense delta-orthogonal',
  'dense-gaussian': 'dense Gaussian',
};

export const CNN_INIT_OPTIONS = CNN_INITS.map((id) => ({ id, label: CNN_INIT_LABELS[id] }));

/** The methods 'random' and 'eoi' are left out: they are the uniform and EOI inits above. */
export const MASK_OPTIONS: ReadonlyArray<{ id: BaseMaskMethod; label: string; mlpOnly?: true }> = [
  { id: 'snip', label: 'SNIP' },
  { id: 'grasp', label: 'GraSP' },
  { id: 'synflow', label: 'SynFlow' },
  { id: 'sao', label: 'SAO (orthogonal)', mlpOnly: true },
  { id: 'taylor', label: 'Taylor' },
  { id: 'magnitude', label: 'magnitude' },
  { id: 'lottery', label: 'lottery ticket (trains first)' },
];

const REFINEMENT_LABELS: Record<MaskRefinement, string> = { ai: '+ approximate isometry', eoi: '+ EOI on top' };

export const REFINEMENT_OPTIONS = MASK_REFINEMENTS.map((id) => ({ id, label: REFINEMENT_LABELS[id] }));

/** Menu values: an init's name, or "mask:" and a method's name (the two lists share names). */
const MASK_PREFIX = 'mask:';

export const maskValue = (method: BaseMaskMethod) => `${MASK_PREFIX}${method}`;

/** The menu's choice: an init of the chosen network (MLP or CNN), or a mask method with its refinement ('' for none). */
export function parseInitChoice<Init extends MlpInit | CnnInit>(value: string, refinement: string): { init: Init } | { mask: MaskMethod } {
  if (!value.startsWith(MASK_PREFIX)) return { init: value as Init };
  const method = value.slice(MASK_PREFIX.length) as BaseMaskMethod;
  return { mask: refinement ? (`${method}+${refinement}` as MaskMethod) : method };
}

export function isMaskValue(value: string): boolean {
  return value.startsWith(MASK_PREFIX);
}
