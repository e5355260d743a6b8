/**
 * orthosparse/masks: sparse mask methods (random, ERK, magnitude, lottery ticket, SNIP, GraSP,
 * SynFlow, Taylor, SAO, EOI, and the +ai / +eoi variants) and the any-mask training recipe (soft
 * neurons, ghost skips, learning-rate scale init, label smoothing).
 */

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
export { CLIP_PER, gradInitScales, gradInitGradient, VIRTUAL_STEPS, type ClipPer, type VirtualStep, type GradInitObjective, type GradInitOptions, type GradInitResult, type GradInitStep, type SourceForBatch } from './recipe/gradinit.js';
export { biasTensor, modelGradientSource, sparseLayers, type SparseLayer } from './recipe/model-gradients.js';
export { denseTwin } from './recipe/dense-twin.js';

// Types that the exported signatures mention
export type { ResolvedNetwork } from './masks/network.js';
