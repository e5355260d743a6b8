/** A TrainFn may change values only: what it returns must have the patterns it was given. */
import type { CsrMatrix } from '../sparse/csr.js';

export function checkTrained(trained: unknown, given: readonly CsrMatrix[]): asserts trained is CsrMatrix[] {
  if (!Array.isArray(trained) || trained.length !== given.length) {
    throw new RangeError(`train must return ${given.length} weight matrices, got ${Array.isArray(trained) ? trained.length : String(trained)}`);
  }
  given.forEach((w, l) => {
    const t = trained[l] as CsrMatrix;
    const same = t?.rows === w.rows && t.cols === w.cols && sameArray(t.rowPtr, w.rowPtr) && sameArray(t.colIdx, w.colIdx) && t.values?.length === w.values.length;
    if (!same) throw new RangeError(`train must keep each layer's pattern: layer ${l} came back with a different shape or mask`);
  });
}

function sameArray(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (a?.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
