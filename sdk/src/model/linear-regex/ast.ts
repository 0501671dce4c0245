/**
 * A parsed `matches` pattern, reduced to what decides whether `test()` is true: groups (capturing or
 * not) only group, laziness is dropped (it changes which match is found, never whether one is).
 */
import type { CharSet } from './char-set.ts';

/** `^` and `$` without the `m` flag: start and end of input. */
export type Assertion = 'start' | 'end' | 'wordBoundary' | 'notWordBoundary';

export type RegexNode =
  /** One code unit of the set: a literal, an escape, a class or `.`. */
  | { readonly kind: 'chars'; readonly set: CharSet }
  | { readonly kind: 'assertion'; readonly assertion: Assertion }
  | { readonly kind: 'sequence'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alternation'; readonly options: readonly RegexNode[] }
  /** `max` is Infinity for `*`, `+` and `{n,}`. */
  | { readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number };

/**
 * Whether a backtracking engine may have to come back to a choice: an alternation, or a quantifier whose
 * count is not fixed. Without one, each start position is tried in one pass over the pattern, so the
 * native RegExp runs in O(input x pattern) time, like the linear-time matcher.
 */
export function hasChoicePoints(node: RegexNode): boolean {
  switch (node.kind) {
    case 'chars':
    case 'assertion':
      return false;
    case 'sequence':
      return node.items.some(hasChoicePoints);
    case 'alternation':
      return true;
    case 'repeat':
      return node.min !== node.max || hasChoicePoints(node.body);
  }
}
