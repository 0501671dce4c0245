/**
 * The `matches` operator's patterns: JavaScript regular expressions, compiled without flags and used
 * with `RegExp.prototype.test` (unanchored: "abc" matches "xabcx"; anchor with ^...$ explicitly).
 *
 * Because patterns come from administrators and run on every evaluation in every SDK, a conservative
 * static check refuses patterns that may backtrack catastrophically. A pattern is refused when:
 *
 *  1. it is longer than MAX_REGEX_LENGTH characters;
 *  2. it does not compile;
 *  3. it contains a backreference (`\1`..`\9`, `\k<name>`);
 *  4. a group that is repeated (followed by `*`, `+`, `{n,}` or `{n,m}` with m > 1) contains a
 *     quantifier (`*`, `+`, `?`, `{...}`) anywhere inside it, e.g. `(a+)+`, `(a*)*`, `(?:a?b)+`,
 *     `((ab)+c)*`;
 *  5. a group that is repeated contains an alternation `|`, e.g. `(a|a)*`, `(com|org)+`;
 *  6. it contains a lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`).
 *
 * This refuses some harmless patterns; it does not prove every accepted pattern linear (e.g.
 * `.*.*.*=x` is polynomial). That is what rule 3 and 6 are for: every accepted pattern can run on
 * V8's non-backtracking engine, which the server and the Node SDK switch on as a fallback for
 * matches that backtrack excessively (see `runtime/linear-regexp.ts`).
 */

export const MAX_REGEX_LENGTH = 500;

type RegexProblem = { ok: true; regex: RegExp } | { ok: false; message: string };

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
      // Skip a character class; `]` right after `[` or `[^` is literal, escapes are skipped.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
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

/** Compile a `matches` pattern, refusing what the static check above refuses. */
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
  return { ok: true, regex };
}
