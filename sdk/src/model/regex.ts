/**
 * The `matches` operator's patterns: JavaScript regular expressions, compiled without flags and used
 * with `RegExp.prototype.test` (unanchored: "abc" matches "xabcx"; anchor with ^...$ explicitly).
 *
 * Patterns come from administrators and run on every evaluation in every SDK, in Node, browsers and edge
 * runtimes alike, so no pattern may make a match slow. A pattern is refused when:
 *
 *  1. it is longer than MAX_REGEX_LENGTH characters;
 *  2. it does not compile;
 *  3. it contains a backreference (`\1`..`\9`, `\k<name>`);
 *  4. a group that is repeated (followed by `*`, `+`, `{n,}` or `{n,m}` with m > 1) contains a
 *     quantifier (`*`, `+`, `?`, `{...}`) anywhere inside it, e.g. `(a+)+`, `(a*)*`, `(?:a?b)+`,
 *     `((ab)+c)*`;
 *  5. a group that is repeated contains an alternation `|`, e.g. `(a|a)*`, `(com|org)+`;
 *  6. it contains a lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`);
 *  7. its linear-time matcher would need more than MAX_REGEX_STATES states (./linear-regex/nfa.ts):
 *     bounded repeats are written out, so `.{0,5000}` is refused.
 *
 * An accepted pattern is matched in time linear in the input, without any engine flag: a pattern with a
 * choice to come back to (an alternation, or a quantifier such as `*`, `+`, `?`, `{n,m}`) runs on the
 * linear-time matcher of ./linear-regex/ (a Thompson NFA over UTF-16 code units, with the same results
 * as `RegExp.prototype.test`), the others on the native RegExp, which cannot backtrack on them. Rules
 * 3 to 6 predate the matcher: they keep refusing what was refused, and 3 and 6 are what no linear-time
 * matcher can run.
 */
import { hasChoicePoints } from './linear-regex/ast.ts';
import { LinearMatcher } from './linear-regex/match.ts';
import { buildNfa, MAX_REGEX_STATES } from './linear-regex/nfa.ts';
import { parsePattern } from './linear-regex/parse.ts';

export const MAX_REGEX_LENGTH = 500;

/** What the engine calls for a pattern: a native RegExp, or the linear-time matcher, with the same results. */
export interface PatternMatcher {
  test(input: string): boolean;
}

type RegexProblem = { ok: true; matcher: PatternMatcher } | { ok: false; message: string };

/** Returns a reason when the pattern's structure is potentially catastrophic, else undefined. */
export function unsafeRegexReason(pattern: string): string | undefined {
  interface Frame {
    quantified: boolean; // contains a quantifier (directly or via a nested group)
    alternation: boolean; // contains `|` at this level
  }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  const n = pattern.length;
  let i = 0;
  // Reads a quantifier at position j; returns [length, repeats] or [0, false] when there is none.
  const quantifierAt = (j: number): [number, boolean] => {
    const ch = pattern[j];
    if (ch === '*' || ch === '+') return [1, true];
    if (ch === '?') return [1, false];
    if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(j));
      if (m !== null) {
        const repeats = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 1);
        const fixedMany = m[2] === undefined && Number(m[1]) > 1;
        return [m[0].length, repeats || fixedMany];
      }
    }
    return [0, false];
  };
  const top = (): Frame => stack[stack.length - 1]!;
  while (i < n) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== undefined && next >= '1' && next <= '9') return 'backreferences are not allowed';
      if (next === 'k' && pattern[i + 2] === '<') return 'backreferences are not allowed';
      i += 2;
      continue;
    }
    if (ch === '[') {
      // Skip a character class, escapes included. A `]` right after `[` or `[^` ends it: in JavaScript `[]`
      // matches nothing and `[^]` any code unit (a literal `]` there is a POSIX rule, not JavaScript's).
      i++;
      if (pattern[i] === '^') i++;
      while (i < n && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      const [len] = quantifierAt(i);
      if (len > 0) top().quantified = true;
      i += len;
      continue;
    }
    if (ch === '(') {
      stack.push({ quantified: false, alternation: false });
      i++;
      // Skip group syntax such as `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>` so its `?` is not a quantifier.
      if (pattern[i] === '?') {
        if (
          pattern[i + 1] === '=' ||
          pattern[i + 1] === '!' ||
          (pattern[i + 1] === '<' && (pattern[i + 2] === '=' || pattern[i + 2] === '!'))
        ) {
          return 'lookarounds such as (?=...) are not allowed';
        }
        i++;
        if (pattern[i] === '<' && pattern[i + 1] !== '=' && pattern[i + 1] !== '!') {
          while (i < n && pattern[i] !== '>') i++;
        }
        i++;
      }
      continue;
    }
    if (ch === ')') {
      const group = stack.length > 1 ? stack.pop()! : { quantified: false, alternation: false };
      i++;
      const [len, repeats] = quantifierAt(i);
      if (repeats && group.quantified) return 'nested quantifiers such as (a+)+ are not allowed';
      if (repeats && group.alternation) return 'a repeated group containing alternation such as (a|b)* is not allowed';
      const parent = top();
      if (group.quantified || len > 0) parent.quantified = true;
      i += len;
      if (len > 0 && pattern[i] === '?') i++; // lazy modifier
      continue;
    }
    if (ch === '|') {
      top().alternation = true;
      i++;
      continue;
    }
    const [len] = quantifierAt(i);
    if (len > 0) {
      top().quantified = true;
      i += len;
      if (pattern[i] === '?') i++; // lazy modifier
      continue;
    }
    i++;
  }
  return undefined;
}

/** Compile a `matches` pattern, refusing what the checks above refuse, into the matcher that runs it in linear time. */
export function compileSafeRegex(pattern: string): RegexProblem {
  if (pattern.length > MAX_REGEX_LENGTH) return { ok: false, message: `pattern is longer than ${MAX_REGEX_LENGTH} characters` };
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (e) {
    return { ok: false, message: `pattern does not compile: ${(e as Error).message}` };
  }
  const unsafe = unsafeRegexReason(pattern);
  if (unsafe !== undefined) return { ok: false, message: `potentially catastrophic pattern: ${unsafe}` };
  const parsed = parsePattern(pattern);
  if (!parsed.ok) return { ok: false, message: `unsupported pattern: ${parsed.message}` };
  const nfa = buildNfa(parsed.node);
  if (!nfa.ok) {
    const needs = Number.isFinite(nfa.states) ? `${nfa.states} states` : 'unboundedly many states';
    return { ok: false, message: `pattern is too large: its linear-time matcher needs ${needs}, more than ${MAX_REGEX_STATES}` };
  }
  return { ok: true, matcher: hasChoicePoints(parsed.node) ? new LinearMatcher(nfa.nfa) : regex };
}
