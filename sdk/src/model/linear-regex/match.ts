/**
 * Runs an NFA (./nfa.ts) over a string's UTF-16 code units the way Thompson described: the set of states
 * the pattern can be in advances one code unit at a time, each state at most once per step, so a test
 * costs O(input length x states) whatever the pattern, with nothing to backtrack. Like
 * `RegExp.prototype.test` without flags, a match may start anywhere: every position starts a thread.
 *
 * Each step (a set of states and a class of code units, ./char-classes.ts, to the next set) is computed
 * once and cached, so on the inputs seen before a code unit costs one table look-up: a DFA built lazily.
 * The cache is bounded (CACHE_SIZE); when it is full it starts again, which costs time, never
 * correctness. A set is kept before its ε-moves are followed, because `\b`, `\B` and `$` depend on the
 * code unit that comes next.
 */
import { CharClasses } from './char-classes.ts';
import { charSetHas } from './char-set.ts';
import { ASSERT_END, ASSERT_NOT_WORD_BOUNDARY, ASSERT_START, ASSERT_WORD_BOUNDARY, CHAR, MATCH, type Nfa, SPLIT } from './nfa.ts';

// Transition table entries that are not state numbers.
/** Not computed yet. */
const UNKNOWN = -1;
/** A match ends before the code unit. */
const MATCHED = -2;
/** No match can come any more: a pattern that only starts at position 0 has no thread left. */
const DEAD = -3;

/**
 * The cache of a pattern holds at most this many transitions (4 bytes each) and this many NFA states in
 * all its DFA states (4 bytes each, plus their key): a few hundred KiB at most.
 */
const CACHE_SIZE = 16_384;
const MAX_GENERATION = 0x7fffffff;

const isWordChar = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/** The threads at a position: the NFA states they reached, their ε-moves not followed yet. */
class DfaState {
  /** Whether the end of input here completes a match: 0 not known yet, 1 yes, 2 no. */
  endsMatch = 0;

  constructor(
    readonly kernel: Int32Array,
    /** Position 0, where `^` holds. */
    readonly atStart: boolean,
    /** The code unit before is a word character (tracked only when the pattern has `\b` or `\B`). */
    readonly afterWordChar: boolean,
  ) {}
}

export class LinearMatcher {
  private readonly classes: CharClasses;
  /** Matches can only start at position 0 (every way into the pattern goes through `^`). */
  private readonly anchored: boolean;
  private readonly tracksWordChars: boolean;
  private readonly maxStates: number;
  private readonly maxKernelStates: number;
  // The DFA built so far; state 0 is the start. `epoch` counts restarts of the cache.
  private states: DfaState[] = [];
  private readonly ids = new Map<string, number>();
  private transitions = new Int32Array(0);
  private kernelStates = 0;
  private epoch = 0;
  // Work space for computing a step; test() runs no foreign code, so it is never re-entered.
  private marks = new Int32Array(0);
  private targetMarks = new Int32Array(0);
  private stack = new Int32Array(0);
  private generation = 0;

  constructor(
    private readonly nfa: Nfa,
    cacheSize = CACHE_SIZE,
  ) {
    this.classes = new CharClasses(nfa.sets);
    this.anchored = onlyStartsAtZero(nfa);
    this.tracksWordChars = nfa.kinds.some((k) => k === ASSERT_WORD_BOUNDARY || k === ASSERT_NOT_WORD_BOUNDARY);
    this.maxStates = Math.max(2, Math.floor(cacheSize / this.classes.count));
    this.maxKernelStates = cacheSize;
  }

  test(input: string): boolean {
    if (this.states.length === 0) this.restartCache();
    const classes = this.classes;
    const ascii = classes.ascii;
    const stride = classes.count;
    let transitions = this.transitions;
    let id = 0;
    for (let pos = 0, n = input.length; pos < n; pos++) {
      const c = input.charCodeAt(pos);
      const cls = c < 128 ? ascii[c]! : classes.classOf(c);
      let next = transitions[id * stride + cls]!;
      if (next === UNKNOWN) {
        next = this.computeTransition(id, cls);
        transitions = this.transitions; // grown, perhaps
      }
      if (next < 0) return next === MATCHED;
      id = next;
    }
    const last = this.states[id]!;
    if (last.endsMatch === 0) last.endsMatch = this.step(last, -1) === MATCHED ? 1 : 2;
    return last.endsMatch === 1;
  }

  private computeTransition(id: number, cls: number): number {
    const state = this.states[id]!;
    const c = this.classes.representative(cls);
    const epoch = this.epoch;
    const kernel = this.step(state, c);
    let next: number;
    if (kernel === MATCHED) next = MATCHED;
    else if (kernel.length === 0 && this.anchored) next = DEAD;
    else next = this.intern(kernel, false, this.tracksWordChars && isWordChar(c));
    // Interning may have restarted the cache, and `state` with it: then the transition is not kept.
    if (this.epoch === epoch) this.transitions[id * this.classes.count + cls] = next;
    return next;
  }

  /**
   * Follows the ε-moves of the state's threads (plus a new thread, where a match may start) with `c` as
   * the next code unit (-1: the end of input), then moves the threads over `c`. Returns MATCHED when a
   * thread reaches the end of the pattern, else the states reached, sorted.
   */
  private step(state: DfaState, c: number): Int32Array | typeof MATCHED {
    const { kinds, next, alt, setOf, sets } = this.nfa;
    if (this.marks.length === 0) {
      this.marks = new Int32Array(kinds.length);
      this.targetMarks = new Int32Array(kinds.length);
      this.stack = new Int32Array(kinds.length);
    }
    const { marks, targetMarks, stack } = this;
    if (++this.generation === MAX_GENERATION) {
      marks.fill(0);
      targetMarks.fill(0);
      this.generation = 1;
    }
    const generation = this.generation;
    let top = 0;
    const push = (s: number) => {
      if (marks[s] !== generation) {
        marks[s] = generation;
        stack[top++] = s;
      }
    };
    for (const s of state.kernel) push(s);
    if (state.atStart || !this.anchored) push(this.nfa.start);
    const atEnd = c < 0;
    const beforeWordChar = !atEnd && isWordChar(c);
    const reached: number[] = [];
    while (top > 0) {
      const s = stack[--top]!;
      switch (kinds[s]) {
        case CHAR:
          if (!atEnd && charSetHas(sets[setOf[s]!]!, c) && targetMarks[next[s]!] !== generation) {
            targetMarks[next[s]!] = generation;
            reached.push(next[s]!);
          }
          break;
        case MATCH:
          return MATCHED;
        case SPLIT:
          push(alt[s]!);
          push(next[s]!);
          break;
        case ASSERT_START:
          if (state.atStart) push(next[s]!);
          break;
        case ASSERT_END:
          if (atEnd) push(next[s]!);
          break;
        default:
          // \b or \B
          if ((state.afterWordChar !== beforeWordChar) === (kinds[s] === ASSERT_WORD_BOUNDARY)) push(next[s]!);
      }
    }
    return Int32Array.from(reached).sort(); // a typed array sorts numerically
  }

  private intern(kernel: Int32Array, atStart: boolean, afterWordChar: boolean): number {
    // One UTF-16 code unit per NFA state (there are at most MAX_REGEX_STATES), after two for the flags.
    const key = (atStart ? 's' : '-') + (afterWordChar ? 'w' : '-') + String.fromCharCode(...kernel);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if (this.states.length >= this.maxStates || this.kernelStates + kernel.length > this.maxKernelStates) this.restartCache();
    const id = this.states.length;
    this.kernelStates += kernel.length;
    this.states.push(new DfaState(kernel, atStart, afterWordChar));
    this.ids.set(key, id);
    const needed = (id + 1) * this.classes.count;
    if (needed > this.transitions.length) {
      const grown = new Int32Array(Math.min(Math.max(needed, this.transitions.length * 2), this.maxStates * this.classes.count));
      grown.fill(UNKNOWN);
      grown.set(this.transitions);
      this.transitions = grown;
    }
    return id;
  }

  /** Empties the cache, keeping only the start state (number 0). */
  private restartCache(): void {
    this.states = [];
    this.ids.clear();
    this.transitions.fill(UNKNOWN);
    this.kernelStates = 0;
    this.epoch++;
    this.intern(new Int32Array(0), true, false);
  }
}

/** Whether no thread started after position 0 can get anywhere: every path from the start goes through `^`. */
function onlyStartsAtZero(nfa: Nfa): boolean {
  const seen = new Set([nfa.start]);
  const todo = [nfa.start];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    const kind = nfa.kinds[s];
    if (kind === CHAR || kind === MATCH) return false;
    if (kind === ASSERT_START) continue;
    for (const t of kind === SPLIT ? [nfa.next[s]!, nfa.alt[s]!] : [nfa.next[s]!]) {
      if (!seen.has(t)) {
        seen.add(t);
        todo.push(t);
      }
    }
  }
  return true;
}
