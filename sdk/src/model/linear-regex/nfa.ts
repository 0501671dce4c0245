/**
 * Compiles a parsed pattern to a Thompson NFA: one state per code-unit test, assertion and choice,
 * bounded repeats written out (`x{2,4}` is `xx(x(x)?)?`). The states live in typed arrays that the
 * matcher (./match.ts) walks.
 *
 * The size of the NFA is the matcher's cost per input code unit, so it is bounded: a pattern needing more
 * than MAX_REGEX_STATES states is refused (when it is validated, and the engine refuses it the same way).
 */
import type { RegexNode } from './ast.ts';
import type { CharSet } from './char-set.ts';

/** At most this many NFA states per pattern, so a match costs at most ~this many steps per input code unit. */
export const MAX_REGEX_STATES = 5_000;

// State kinds.
/** Consumes one code unit of `sets[setOf[s]]`, then goes to `next[s]`. */
export const CHAR = 0;
/** Goes to both `next[s]` and `alt[s]`. */
export const SPLIT = 1;
export const ASSERT_START = 2;
export const ASSERT_END = 3;
export const ASSERT_WORD_BOUNDARY = 4;
export const ASSERT_NOT_WORD_BOUNDARY = 5;
/** The whole pattern matched. */
export const MATCH = 6;

export interface Nfa {
  readonly kinds: Uint8Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  /** For a CHAR state, its set's index in `sets`. */
  readonly setOf: Int32Array;
  /** The distinct sets the CHAR states test. */
  readonly sets: readonly CharSet[];
  readonly start: number;
}

export type NfaResult = { ok: true; nfa: Nfa } | { ok: false; states: number };

const ASSERTION_KINDS = {
  start: ASSERT_START,
  end: ASSERT_END,
  wordBoundary: ASSERT_WORD_BOUNDARY,
  notWordBoundary: ASSERT_NOT_WORD_BOUNDARY,
};

/** The number of states `compile` creates for the node (Infinity for an unbounded count such as `a{2147483647}`). */
function stateCount(node: RegexNode): number {
  switch (node.kind) {
    case 'chars':
    case 'assertion':
      return 1;
    case 'sequence':
      return node.items.reduce((sum, item) => sum + stateCount(item), 0);
    case 'alternation':
      return node.options.reduce((sum, option) => sum + stateCount(option), node.options.length - 1);
    case 'repeat': {
      const body = stateCount(node.body);
      // A body without states matches the empty string unconditionally, however often: it is left out.
      if (body === 0) return 0;
      if (node.max === Infinity) return node.min === 0 ? body + 1 : node.min * body + 1;
      return node.min * body + (node.max - node.min) * (body + 1);
    }
  }
}

class NfaBuilder {
  readonly kinds: number[] = [];
  readonly next: number[] = [];
  readonly alt: number[] = [];
  readonly setOf: number[] = [];
  readonly sets: CharSet[] = [];
  private readonly setIndex = new Map<string, number>();

  add(kind: number, next: number, alt = -1, set = -1): number {
    this.kinds.push(kind);
    this.next.push(next);
    this.alt.push(alt);
    this.setOf.push(set);
    return this.kinds.length - 1;
  }

  /** Builds the node's states in front of `next` and returns its first state. */
  compile(node: RegexNode, next: number): number {
    switch (node.kind) {
      case 'chars':
        return this.add(CHAR, next, -1, this.internSet(node.set));
      case 'assertion':
        return this.add(ASSERTION_KINDS[node.assertion], next);
      case 'sequence': {
        let first = next;
        for (let i = node.items.length - 1; i >= 0; i--) first = this.compile(node.items[i]!, first);
        return first;
      }
      case 'alternation': {
        // The order of the options does not matter to test(): any of them may match.
        let first = this.compile(node.options[node.options.length - 1]!, next);
        for (let i = node.options.length - 2; i >= 0; i--) first = this.add(SPLIT, this.compile(node.options[i]!, next), first);
        return first;
      }
      case 'repeat':
        return this.repeat(node.body, node.min, node.max, next);
    }
  }

  private repeat(body: RegexNode, min: number, max: number, next: number): number {
    if (stateCount(body) === 0) return next;
    let first = next;
    if (max === Infinity) {
      // A loop: the body, then back to a split between another round and what follows.
      const loop = this.add(SPLIT, -1, next);
      const bodyStart = this.compile(body, loop);
      this.next[loop] = bodyStart;
      if (min === 0) return loop;
      first = bodyStart; // the loop's body is the last of the `min` required rounds
      min--;
    } else {
      for (let i = min; i < max; i++) first = this.add(SPLIT, this.compile(body, first), next);
    }
    for (let i = 0; i < min; i++) first = this.compile(body, first);
    return first;
  }

  private internSet(set: CharSet): number {
    const key = set.join(',');
    let index = this.setIndex.get(key);
    if (index === undefined) {
      index = this.sets.length;
      this.sets.push(set);
      this.setIndex.set(key, index);
    }
    return index;
  }
}

export function buildNfa(node: RegexNode): NfaResult {
  const states = stateCount(node) + 1; // + MATCH
  if (!(states <= MAX_REGEX_STATES)) return { ok: false, states };
  const b = new NfaBuilder();
  const start = b.compile(node, b.add(MATCH, -1));
  return {
    ok: true,
    nfa: {
      kinds: Uint8Array.from(b.kinds),
      next: Int32Array.from(b.next),
      alt: Int32Array.from(b.alt),
      setOf: Int32Array.from(b.setOf),
      sets: b.sets,
      start,
    },
  };
}
