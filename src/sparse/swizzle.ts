/**
 * Sputnik's row swizzle: the order in which SpMM/SDDMM workgroups take rows so that long rows start
 * first and short ones fill in the tail, balancing load. Computed once per mask on the host and
 * reused by every training step; the kernel reads rowOrder[workgroup].
 */

import { checkPositiveInt, checkTypedArray } from '../validate.js';
import { checkRowStarts, rowLengths } from './structure.js';

/**
 * Row indices sorted by decreasing stored count, ties by increasing row index (so the order is
 * fully determined). Takes the rowPtr of a CSR matrix, or of a BSR matrix for block rows.
 */
export function rowSwizzle(rowPtr: Uint32Array): Uint32Array {
  checkTypedArray('rowPtr', rowPtr, Uint32Array);
  checkPositiveInt('rowPtr.length', rowPtr.length);
  checkRowStarts('rowPtr', rowPtr);
  const lengths = rowLengths(rowPtr);
  const order = new Uint32Array(lengths.length);
  for (let r = 0; r < order.length; r++) order[r] = r;
  return order.sort((a, b) => lengths[b] - lengths[a] || a - b);
}
