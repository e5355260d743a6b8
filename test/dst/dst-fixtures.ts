/**
 * Shared by the mask-update tests: the CPU reference's updates applied in sequence with the values
 * and an optimizer state moved along (a CSR layer's entries, or a BSR layer's blocks of b² words),
 * and the gradients whose RigL keys float32 computes exactly.
 */
import { expect } from 'vitest';
import { DST_GROWN, type DstUpdateResult } from '../../src/dst/reference.js';
import { Rng } from '../../src/random.js';
import { transposeStructure } from '../../src/sparse/csc.js';
import type { CsrStructure } from '../../src/sparse/csr.js';
import { rowSwizzle } from '../../src/sparse/swizzle.js';
import type { UpdatedLayer } from '../cases/dst.js';

/** One reference update of the structure (entries, or blocks over the block grid) holding `values`. */
export type ReferenceStep = (structure: CsrStructure, values: Float32Array) => DstUpdateResult;

/**
 * The reference's updates applied in sequence to a structure with `entryWords` words per entry,
 * moving the values and a two-section state (sections `section` words apart) along; `keep` is the
 * last update's keep flag per old entry.
 */
export function referenceUpdates(w: CsrStructure, values: Float32Array, entryWords: number, state: Float32Array, section: number, steps: ReferenceStep[]) {
  let structure: CsrStructure = w;
  let moved = Float32Array.from(values);
  const movedState = Float32Array.from(state);
  let keep = new Uint32Array(0);
  for (const step of steps) {
    const r = step(structure, moved);
    keep = new Uint32Array(structure.colIdx.length).fill(1);
    for (const e of r.dropped) keep[e] = 0;
    const gather = (from: ArrayLike<number>, offset: number) =>
      Float32Array.from({ length: r.src.length * entryWords }, (_, i) => {
        const s = r.src[Math.floor(i / entryWords)]!;
        return s === DST_GROWN ? 0 : from[offset + s * entryWords + (i % entryWords)]!;
      });
    moved = gather(moved, 0);
    const old = Float32Array.from(movedState);
    for (let s = 0; s < 2; s++) movedState.set(gather(old, s * section), s * section);
    structure = r;
  }
  return { structure, values: moved, state: movedState, keep };
}

/**
 * What the GPU holds after its updates equals the reference's (referenceUpdates): the pattern,
 * values, state and keep flags, Wᵀ's pattern and permutation, both row swizzles, and the SDDMM
 * work data `items` (derived from the new pattern by the caller).
 */
export function expectMatchesReference(got: UpdatedLayer, want: ReturnType<typeof referenceUpdates>, items: Uint32Array): void {
  const s = want.structure;
  expect(got.rowPtr).toEqual(s.rowPtr);
  expect(got.colIdx).toEqual(s.colIdx);
  expect(got.values).toEqual(want.values);
  expect(got.state).toEqual(want.state);
  expect(got.keep).toEqual(want.keep);
  const t = transposeStructure(s);
  expect(got.tRowPtr).toEqual(t.rowPtr);
  expect(got.tColIdx).toEqual(t.colIdx);
  expect(got.tPerm).toEqual(t.perm);
  expect(got.rowOrder).toEqual(rowSwizzle(s.rowPtr));
  expect(got.tRowOrder).toEqual(rowSwizzle(t.rowPtr));
  expect(got.items).toEqual(items);
}

/** Small integers: dW = dYᵀ·X is exact in float32, so RigL's keys match the float64 reference exactly, ties included. */
export function integers(rng: Rng, length: number, range: number): Float32Array {
  return Float32Array.from({ length }, () => Math.floor(rng.nextFloat() * (2 * range + 1)) - range);
}

/**
 * The gradientRows calls RigL's grow makes in one update (k > 0) of a layer of `rows` element
 * rows in chunks of `chunkRows`: one call for the whole layer when a single chunk holds it (the
 * sampled list), otherwise every chunk in order for each of the radix select's three passes that
 * read keys.
 */
export function gradientRowCalls(rows: number, chunkRows: number): Array<[number, number]> {
  const chunks = Array.from({ length: Math.ceil(rows / chunkRows) }, (_, i): [number, number] => [chunkRows * i, Math.min(chunkRows, rows - chunkRows * i)]);
  return chunks.length === 1 ? chunks : [...chunks, ...chunks, ...chunks];
}
