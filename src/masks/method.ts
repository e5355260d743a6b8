/**
 * The mask methods by name: a base method, optionally refined by approximate isometry or EOI
 * ('snip+ai', 'synflow+eoi'). Beside each method as its paper's text describes it, the papers'
 * released code's forms where they differ: 'grasp-v2' (the EOI code's GraSP, keeping the lowest
 * w ⊙ Hg), 'synflow-net' (through the real network, activation and biases kept), 'snip-128' (one
 * batch of 128), 'sao-code' (non-square layers dense orthogonal, ReLU's [[A, −A], [−A, A]]) and
 * 'lottery-layer' (the any-mask code's per-layer lottery, 10% a round).
 */
export const BASE_MASK_METHODS = [
  'random',
  'magnitude',
  'lottery',
  'lottery-layer',
  'snip',
  'snip-128',
  'grasp',
  'grasp-v2',
  'synflow',
  'synflow-net',
  'taylor',
  'sao',
  'sao-code',
  'eoi',
] as const;
/** One of BASE_MASK_METHODS. */
export type BaseMaskMethod = (typeof BASE_MASK_METHODS)[number];

/** ai: keep the mask, optimise the weights toward W Wᵀ = g² I; eoi: keep the per-layer densities, replace mask and weights by EOI. */
export const MASK_REFINEMENTS = ['ai', 'eoi'] as const;
/** One of MASK_REFINEMENTS. */
export type MaskRefinement = (typeof MASK_REFINEMENTS)[number];

/** A mask method name: a base method, optionally with a refinement ('snip+eoi'). */
export type MaskMethod = BaseMaskMethod | `${BaseMaskMethod}+${MaskRefinement}`;

/**
 * Splits a method name into its base and refinement.
 * @throws RangeError naming the method and listing the allowed names when it is not one
 */
export function parseMaskMethod(method: unknown): { base: BaseMaskMethod; refinement?: MaskRefinement } {
  const [base, refinement, ...rest] = typeof method === 'string' ? method.split('+') : [];
  const known = BASE_MASK_METHODS.includes(base as BaseMaskMethod) && (refinement === undefined || MASK_REFINEMENTS.includes(refinement as MaskRefinement)) && rest.length === 0;
  if (!known) {
    throw new RangeError(`method must be one of ${BASE_MASK_METHODS.join(', ')}, optionally followed by ${MASK_REFINEMENTS.map((r) => `+${r}`).join(' or ')} (e.g. snip+eoi), got ${String(method)}`);
  }
  return { base: base as BaseMaskMethod, refinement: refinement as MaskRefinement | undefined };
}
