/**
 * The code units a pattern cannot tell apart, grouped: the intervals between the bounds of every set its
 * NFA tests (and of `\w`, which `\b` tests). Two code units of one class take every NFA state to the
 * same states, so the matcher caches one transition per class, not per code unit.
 */
import { type CharSet, WORD_CHARS } from './char-set.ts';

export class CharClasses {
  /** The first code unit of each class, ascending. */
  private readonly starts: Int32Array;
  /** The class of each ASCII code unit, for the matcher's loop to read directly. */
  readonly ascii = new Uint16Array(128);
  readonly count: number;

  constructor(sets: readonly CharSet[]) {
    const bounds = new Set([0]);
    for (const set of [...sets, WORD_CHARS]) {
      for (let i = 0; i < set.length; i += 2) {
        bounds.add(set[i]!);
        bounds.add(set[i + 1]! + 1);
      }
    }
    bounds.delete(0x10000);
    this.starts = Int32Array.from([...bounds].sort((a, b) => a - b));
    this.count = this.starts.length;
    for (let c = 0; c < 128; c++) this.ascii[c] = this.search(c);
  }

  classOf(c: number): number {
    return c < 128 ? this.ascii[c]! : this.search(c);
  }

  /** A code unit of the class, to compute its transitions with. */
  representative(cls: number): number {
    return this.starts[cls]!;
  }

  /** The last class starting at or before `c`. */
  private search(c: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= c) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
