/**
 * A sparse layer's mask as last read on the host: a copy of the CSR pattern the layer was built
 * with. Dynamic sparsity moves the mask on the GPU without a readback, so from then on the copy is
 * stale: reading it throws until refresh() has read the new pattern back.
 */
import { OrthosparseError } from '../errors.js';
import type { CompressedPattern } from '../sparse/structure.js';

/** A mask's CSR pattern: row starts and the columns of each row's entries. */
export type MaskPattern = CompressedPattern;

export class HostMask {
  private pattern: MaskPattern;
  private moved = false;

  constructor(weight: MaskPattern) {
    this.pattern = { rowPtr: weight.rowPtr.slice(), colIdx: weight.colIdx.slice() };
  }

  /** The pattern; throws an OrthosparseError while it is stale. */
  get current(): MaskPattern {
    this.throwIfStale('reading it');
    return this.pattern;
  }

  /**
   * The pattern's entry count. A move keeps it when the entries are single positions (CSR); blocks
   * keep their count, not always their positions' (a block at a padded edge holds fewer), so with
   * `countKept` false this throws an OrthosparseError while stale, naming `what` the caller was doing.
   */
  entries(countKept: boolean, what: string): number {
    if (!countKept) this.throwIfStale(what);
    return this.pattern.colIdx.length;
  }

  /** Marks the copy stale: the mask has moved on the GPU. */
  markMoved(): void {
    this.moved = true;
  }

  /** Reads the pattern back through `readBack` if it is stale; returns it. */
  async refresh(readBack: () => Promise<MaskPattern>): Promise<MaskPattern> {
    if (this.moved) {
      this.pattern = await readBack();
      this.moved = false;
    }
    return this.pattern;
  }

  private throwIfStale(what: string): void {
    if (this.moved) throw new OrthosparseError(`the mask moved on the GPU (dynamic sparsity): await refreshMask() before ${what}`);
  }
}
