/** Builds the linear-time matcher of a pattern directly, whatever compileSafeRegex would choose to run it. */
import { LinearMatcher } from '../../../sdk/src/model/linear-regex/match.ts';
import { buildNfa } from '../../../sdk/src/model/linear-regex/nfa.ts';
import { parsePattern } from '../../../sdk/src/model/linear-regex/parse.ts';

/** `cacheSize`: a small cache makes the matcher restart it often (it keeps 2 DFA states at least). */
export function linearMatcher(pattern: string, cacheSize?: number): LinearMatcher {
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new Error(`${JSON.stringify(pattern)} refused: ${parsed.message}`);
  const nfa = buildNfa(parsed.node);
  if (!nfa.ok) throw new Error(`${JSON.stringify(pattern)} needs ${nfa.states} states`);
  return new LinearMatcher(nfa.nfa, cacheSize);
}

/** `new RegExp(pattern).test(input)`, the semantics the matcher must have. */
export const nativeTest = (pattern: string, input: string): boolean => new RegExp(pattern).test(input);
