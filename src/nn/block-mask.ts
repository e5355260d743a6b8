/**
 * A model's `blockMask` option, shared by the MLP and the CNN: every sparse layer's mask drawn as
 * whole blocks of its BSR storage, so that dynamic sparsity, which moves whole blocks, can take it.
 */

/** The model inits that draw random masks, the only ones a block mask replaces. */
const BLOCK_MASK_INITS = ['uniform', 'erk'];

/**
 * The block size of the model's block masks: `format`'s BSR block size when blockMask is set and
 * the init is sparse (`sparse`), else undefined (a dense init has no mask to draw). Throws a
 * TypeError for a blockMask that is not a boolean, a RangeError for a block mask on CSR storage or
 * on a sparse init other than uniform and erk (EOI's masks are not block-structured).
 */
export function blockMaskSize<B extends number>(blockMask: unknown, format: 'csr' | { bsr: B }, blockSizes: readonly B[], init: string, sparse: boolean): B | undefined {
  if (blockMask !== undefined && typeof blockMask !== 'boolean') throw new TypeError(`blockMask must be a boolean, got ${String(blockMask)}`);
  if (!blockMask || !sparse) return undefined;
  if (format === 'csr') throw new RangeError(`blockMask draws masks of whole blocks: it needs format { bsr: ${blockSizes.join(' | ')} }, got 'csr'`);
  if (!BLOCK_MASK_INITS.includes(init)) throw new RangeError(`blockMask needs init 'uniform' or 'erk' (random block masks), got '${init}'`);
  return format.bsr;
}
