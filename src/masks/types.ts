/**
 * The types every mask generator shares. A generator turns a network (network.ts: an MLP's layer
 * shapes, or a CNN) into one CSR matrix per pruned layer (mask and initial values, ready for
 * assembleMlp, or as the filters of assembleCnn) and a report of what it made.
 */
import type { CsrMatrix, CsrStructure } from '../sparse/csr.js';
import type { Dataset } from '../train/trainer.js';
import type { MaskWeights } from './dense-init.js';

/** [out, in] of one linear layer, as mlpShapes gives them. */
export type MlpShape = readonly [rows: number, cols: number];

/**
 * How the kept weights are spread over layers. 'global': one budget over all weights (scores
 * compared across layers; random picks positions uniformly over the whole network), so per-layer
 * densities are the method's own; 'uniform': every layer at the density; 'erk': Erdős–Rényi-Kernel
 * densities; an array: one density per layer.
 */
export type Distribution = 'global' | 'uniform' | 'erk' | readonly number[];

/** A CSR pattern with values of any precision (float64 while optimising, float32 when stored). */
export type WeightsLike = CsrStructure & { values: ArrayLike<number> };

/** What a mask method did: the method, the densities it reached, and method-specific figures. */
export interface MaskReport {
  /** the method as asked for, e.g. 'snip+eoi' */
  method: string;
  distribution: 'global' | 'uniform' | 'erk' | 'explicit';
  /** the global density asked for */
  targetDensity: number;
  /** the global density made: total stored weights / total weights */
  density: number;
  /** stored weights / weights, per layer */
  layerDensities: number[];
  layerNnz: number[];
  /** what the stored weights are: a mask's weight kind (MaskWeights), or 'eoi' / 'sao' for the methods that build their own */
  weights: MaskWeights | 'eoi' | 'sao';
  /** lottery: the network density after each pruning round, the last one the target */
  schedule?: number[];
  /** sao: nonzeros per line of each layer's short side */
  degrees?: number[];
  /** +ai: Σ_l ||W Wᵀ − g² I||_F per layer, before and after the optimisation */
  isometry?: { steps: number; before: number[]; after: number[] };
  /** anything a caller must know, e.g. a layer raised to EOI's lowest density */
  notes?: string[];
}

/** A mask method's result: one CSR weight per pruned layer and its report. */
export interface MaskResult {
  /** one per pruned layer: out x in, or a filter's cOut x cIn·kh·kw */
  weights: CsrMatrix[];
  report: MaskReport;
}

/** A batch of examples: the trainer's Dataset (rows of `inputs` with their class labels). */
export type Batch = Dataset;

/**
 * Gradients of the loss with respect to the pruned weights of a network (an MLP's layers, or a
 * CNN's filters) whose other parts (activation, biases, a CNN's shape and classifier: a
 * NetworkFrame) and batches the source fixes; L_b is the mean softmax cross-entropy of batch b on
 * logits / temperature, and every array is aligned with its layer's CSR values.
 */
export interface GradientSource {
  readonly batches: number;
  /** For each batch b, in order, `visit` receives dL_b/dW for every layer; the arrays are only valid during the call. */
  perBatch(
    weights: readonly WeightsLike[],
    temperature: number,
    visit: (grads: readonly Float64Array[], batch: number) => void,
  ): Promise<void>;
  /**
   * Σ_b H_b·v with H_b the Hessian of L_b in the pruned weights (the rest held). The mask
   * generators' sources compute it exactly, to float64 rounding, with Pearlmutter's R-operator on
   * the CPU (the GPU has no second-order pass); the recipe's modelGradientSource approximates it by
   * a central difference of two GPU gradient passes.
   */
  hessianVector(weights: readonly WeightsLike[], v: readonly ArrayLike<number>[], temperature: number): Promise<Float64Array[]>;
}

/**
 * Trains the network with the given pruned weights (masks fixed by the CSR patterns) and returns
 * the trained weights in the same patterns. `round` counts calls within one generator run
 * (lottery rounds).
 */
export type TrainFn = (weights: readonly CsrMatrix[], round: number) => Promise<CsrMatrix[]>;
