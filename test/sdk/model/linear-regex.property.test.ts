/**
 * The linear-time matcher gives the answers of `new RegExp(pattern).test(input)`, on generated patterns
 * and inputs:
 *
 *  - patterns generated from the grammar (literals, escapes, classes, `.`, assertions, groups of the three
 *    kinds, alternation, every quantifier, greedy or lazy), nested quantifiers included: the matcher runs
 *    them too, though the static check refuses them;
 *  - the same patterns through compileSafeRegex, when it accepts them: what the engine runs;
 *  - raw strings of syntax characters, so Annex B corners the grammar above does not write are met: any
 *    of them RegExp compiles, the parser must read (or refuse for a backreference or a lookaround).
 *
 * Inputs are short strings over an alphabet that the patterns also use (line terminators, surrogate
 * halves, non-ASCII white space and escapes' targets included), so that matches are frequent; the test
 * checks that both answers occur often. They are short for RegExp's sake: it backtracks, the matcher
 * does not (the long inputs are in linear-regex.test.ts and below, on one pattern).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildNfa } from '../../../sdk/src/model/linear-regex/nfa.ts';
import { parsePattern } from '../../../sdk/src/model/linear-regex/parse.ts';
import { compileSafeRegex } from '../../../sdk/src/model/regex.ts';
import { linearMatcher } from './linear-regex-helpers.ts';

/**
 * One fixed seed by default, FC_SEED=<n> for another. With a new random seed per run, one run of the
 * whole suite (2026-12-02) never finished: a worker spun at full CPU in this file for over 7 minutes,
 * and a synchronous RegExp call cannot be interrupted by the test timeout. A fixed seed keeps CI
 * reproducible; exploring other seeds is a loop over FC_SEED, each run under a `timeout`.
 */
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261202) });

const INPUT_UNITS = ['a', 'b', 'c', 'A', '_', '0', '1', '-', ' ', '=', 'x', 'u', 'k', '{', '}', ',', ']', '\\', '\n', '\r'];
const RARE_UNITS = ['\u2028', '\u00a0', '\ufeff', '\ud83d', '\ude00', 'é', '\x01', '\x11', '\b', '\0', '\t', 'p', 'L'];
const inputUnit = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...INPUT_UNITS) },
  { weight: 1, arbitrary: fc.constantFrom(...RARE_UNITS) },
);
const inputsUpTo = (maxLength: number) => fc.array(fc.string({ unit: inputUnit, maxLength }), { minLength: 1, maxLength: 6 });
/** Patterns the static check accepts backtrack polynomially at worst: 10 code units keep RegExp fast. */
const inputs = inputsUpTo(10);
/** With nested quantifiers RegExp backtracks exponentially: it took 153 s on 8 code units, 0.2 s at most on 6. */
const shortInputs = inputsUpTo(6);

const LITERALS = ['a', 'b', 'c', 'A', '_', '0', '1', '-', ' ', '=', 'x', 'é', ',', '}', ']', '\u2028', '\ud83d', '\ude00', '\n', '{,5}'];
const ESCAPES = [
  ...['\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\.', '\\\\', '\\/', '\\-', '\\*', '\\(', '\\[', '\\]', '\\{', '\\}', '\\|', '\\^', '\\$'],
  ...['\\t', '\\n', '\\r', '\\f', '\\v', '\\0', '\\01', '\\cJ', '\\ca', '\\c1', '\\c', '\\x41', '\\x4', '\\u0061', '\\u{2}'],
  ...['\\a', '\\k', '\\p{L}', '\\ud83d', '\\u2028', '\\xA0'],
];
const CLASS_UNITS = ['a', 'b', 'c', 'z', 'A', '_', '0', '9', '-', '^', '.', '*', '$', '[', '{', 'é', ' ', '\n', '\ud83d'];
const CLASS_ESCAPES = ['\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '\\B', '\\]', '\\\\', '\\-', '\\^', '\\c1', '\\c_', '\\cJ', '\\c'];
const CLASS_ESCAPES_MORE = ['\\1', '\\8', '\\0', '\\07', '\\x41', '\\u00e9', '\\k', '\\p', '\\t', '\\n'];

const classItem = fc.oneof(
  fc.constantFrom(...CLASS_UNITS),
  fc.constantFrom(...CLASS_ESCAPES, ...CLASS_ESCAPES_MORE),
  // Ranges, in order or not (RegExp refuses the latter: the pattern is skipped).
  fc.tuple(fc.constantFrom(...CLASS_UNITS, '\\x41', '\\d'), fc.constantFrom(...CLASS_UNITS, '\\cZ', '\\w')).map(([a, b]) => `${a}-${b}`),
);
const characterClass = fc
  .tuple(fc.boolean(), fc.array(classItem, { maxLength: 4 }))
  .map(([negated, items]) => `[${negated ? '^' : ''}${items.join('')}]`);
const quantifier = fc
  .tuple(
    fc.constantFrom('', '', '*', '+', '?', '{n}', '{n,}', '{n,m}'),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.boolean(),
  )
  .map(([q, n, m, lazy]) =>
    q === '' ? '' : q.replace('n', String(Math.min(n, m))).replace('m', String(Math.max(n, m))) + (lazy ? '?' : ''),
  );
const assertion = fc.constantFrom('^', '$', '\\b', '\\B');

/** Patterns from the grammar, nested `depth` groups deep at most. */
function pattern(depth: number): fc.Arbitrary<string> {
  const atoms: fc.Arbitrary<string>[] = [fc.constantFrom(...LITERALS), fc.constantFrom(...ESCAPES), fc.constant('.'), characterClass];
  if (depth > 0) {
    // Named groups get one of ten names: a pattern that repeats one is refused by RegExp, and skipped.
    const opening = fc.oneof(
      fc.constantFrom('(', '(?:'),
      fc.integer({ min: 0, max: 9 }).map((i) => `(?<g${i}>`),
    );
    atoms.push(fc.tuple(opening, pattern(depth - 1)).map(([open, inner]) => `${open}${inner})`));
  }
  const term = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.oneof(...atoms), quantifier).map(([atom, q]) => atom + q) },
    { weight: 1, arbitrary: assertion },
  );
  const alternative = fc.array(term, { maxLength: 4 }).map((terms) => terms.join(''));
  return fc.array(alternative, { minLength: 1, maxLength: 3 }).map((alternatives) => alternatives.join('|'));
}

const SYNTAX_UNITS = ['a', 'b', '-', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', ',', '0', '1', '2', '8'];
const rawPattern = fc.string({
  unit: fc.constantFrom(...SYNTAX_UNITS, 'c', 'x', 'u', 'd', 'w', 's', 'B', 'k', '<', '>', ':', '=', '!'),
  maxLength: 12,
});

const compiles = (p: string): RegExp | undefined => {
  try {
    return new RegExp(p);
  } catch {
    return undefined;
  }
};

/** Counts of the native answers compared, to show the comparisons are not all one way. */
function tally() {
  const counts = { true: 0, false: 0, patterns: 0 };
  const compare = (pattern: string, test: (input: string) => boolean, input: string) => {
    const expected = new RegExp(pattern).test(input);
    counts[`${expected}`]++;
    if (test(input) !== expected) expect({ pattern, input, answer: test(input) }).toEqual({ pattern, input, answer: expected });
  };
  /** Both answers make up at least a tenth of the comparisons. */
  const bothAnswersFrequent = () => Math.min(counts.true, counts.false) > (counts.true + counts.false) / 10;
  return { counts, compare, bothAnswersFrequent };
}

describe('the linear-time matcher agrees with RegExp.prototype.test', () => {
  it('on patterns from the grammar, nested quantifiers included (3,000 patterns)', () => {
    const { counts, compare, bothAnswersFrequent } = tally();
    fc.assert(
      fc.property(pattern(3), shortInputs, (p, xs) => {
        if (compiles(p) === undefined) return;
        counts.patterns++;
        const matcher = linearMatcher(p); // throws if a pattern RegExp compiles is refused
        for (const x of xs) compare(p, (s) => matcher.test(s), x);
      }),
      { numRuns: 3000 },
    );
    expect(counts.patterns).toBeGreaterThan(1500);
    expect(bothAnswersFrequent()).toBe(true);
  });

  it('with a cache of two states, restarted all the time (3,000 patterns)', () => {
    const { counts, compare, bothAnswersFrequent } = tally();
    fc.assert(
      fc.property(pattern(3), shortInputs, (p, xs) => {
        if (compiles(p) === undefined) return;
        counts.patterns++;
        const matcher = linearMatcher(p, 1);
        for (const x of xs) compare(p, (s) => matcher.test(s), x);
      }),
      { numRuns: 3000 },
    );
    expect(counts.patterns).toBeGreaterThan(1500);
    expect(bothAnswersFrequent()).toBe(true);
  });

  it('on long inputs through a DFA of 2^13 states, more than its cache holds', () => {
    const p = '^(?:a|b)*a(?:a|b){12}$';
    const matcher = linearMatcher(p);
    const { compare, bothAnswersFrequent } = tally();
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 13, maxLength: 3000 }), (x) =>
        compare(p, (s) => matcher.test(s), x),
      ),
      { numRuns: 300 },
    );
    expect(bothAnswersFrequent()).toBe(true);
  });

  it('through compileSafeRegex, on the generated patterns it accepts (3,000 patterns)', () => {
    const { counts, compare, bothAnswersFrequent } = tally();
    fc.assert(
      fc.property(pattern(2), inputs, (p, xs) => {
        const r = compileSafeRegex(p);
        if (!r.ok) return;
        counts.patterns++;
        for (const x of xs) compare(p, (s) => r.matcher.test(s), x);
      }),
      { numRuns: 3000 },
    );
    expect(counts.patterns).toBeGreaterThan(1000);
    expect(bothAnswersFrequent()).toBe(true);
  });

  it('on raw strings of syntax characters that RegExp compiles (20,000 strings)', () => {
    const { counts, compare, bothAnswersFrequent } = tally();
    fc.assert(
      fc.property(rawPattern, shortInputs, (p, xs) => {
        if (compiles(p) === undefined) return;
        const parsed = parsePattern(p);
        if (!parsed.ok) {
          expect([p, parsed.message]).toEqual([p, expect.stringMatching(/^(backreferences|lookarounds) .* not allowed$/)]);
          return;
        }
        const nfa = buildNfa(parsed.node);
        if (!nfa.ok) return; // e.g. a{2147483647}
        counts.patterns++;
        const matcher = linearMatcher(p);
        for (const x of xs) compare(p, (s) => matcher.test(s), x);
      }),
      { numRuns: 20_000 },
    );
    expect(counts.patterns).toBeGreaterThan(2000);
    expect(bothAnswersFrequent()).toBe(true);
  });
});
