/**
 * Sets of UTF-16 code units, the alphabet of a pattern compiled without the `u` flag: a surrogate pair
 * is two code units to it, in the input and in the pattern alike.
 */

/** Sorted, disjoint, non-adjacent inclusive ranges: `[lo0, hi0, lo1, hi1, ...]`. */
export type CharSet = readonly number[];

const MAX_CODE_UNIT = 0xffff;

export const singleChar = (c: number): CharSet => [c, c];

/** The union of several sets (or of loose ranges in any order, overlapping or not). */
export function unionOf(sets: readonly CharSet[]): CharSet {
  const ranges: [number, number][] = [];
  for (const set of sets) for (let i = 0; i < set.length; i += 2) ranges.push([set[i]!, set[i + 1]!]);
  ranges.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function complementOf(set: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_UNIT) out.push(next, MAX_CODE_UNIT);
  return out;
}

export function charSetHas(set: CharSet, c: number): boolean {
  // Binary search for the last range starting at or before c.
  let lo = 0;
  let hi = (set.length >> 1) - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (set[mid * 2]! <= c) lo = mid;
    else hi = mid - 1;
  }
  return set.length > 0 && set[lo * 2]! <= c && c <= set[lo * 2 + 1]!;
}

/** `\d` */
export const DIGITS: CharSet = [0x30, 0x39];
/** `\w` (no `i` or `u` flag, so exactly ASCII letters, digits and `_`), also what `\b` tests. */
export const WORD_CHARS: CharSet = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** ECMAScript's LineTerminator: what `.` does not match. */
const LINE_TERMINATORS: CharSet = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];
/** `\s`: ECMAScript's WhiteSpace (tab, VT, FF, space, NBSP, BOM and the Zs category) and LineTerminator. */
export const WHITE_SPACE: CharSet = unionOf([
  [0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff],
  LINE_TERMINATORS,
]);
/** `.` without the `s` flag. */
export const ANY_BUT_LINE_TERMINATORS = complementOf(LINE_TERMINATORS);
