/**
 * The linear-time matcher of `matches` patterns (sdk/src/model/linear-regex/): hand-written vectors,
 * each checked against the expected answer and against `new RegExp(pattern).test(input)`; what it
 * refuses; the state budget; and which patterns keep the native RegExp.
 */
import { describe, expect, it } from 'vitest';
import { LinearMatcher } from '../../../sdk/src/model/linear-regex/match.ts';
import { buildNfa, MAX_REGEX_STATES } from '../../../sdk/src/model/linear-regex/nfa.ts';
import { parsePattern } from '../../../sdk/src/model/linear-regex/parse.ts';
import { compileSafeRegex } from '../../../sdk/src/model/regex.ts';
import { linearMatcher, nativeTest } from './linear-regex-helpers.ts';

/** [pattern, inputs it matches, inputs it does not match] */
const VECTORS: [string, string[], string[]][] = [
  ['', ['', 'x'], []],
  ['^$', [''], ['x', '\n']],
  ['^', ['', 'x'], []],
  ['$', ['', 'x'], []],
  ['a', ['a', 'xax'], ['', 'b', 'A']],
  ['^abc$', ['abc'], ['abcd', 'xabc', 'ab\nc']],
  ['@example\\.com$', ['jane@example.com'], ['jane@example.org', 'jane@exampleXcom', '@example.com\n']],
  ['^[a-z]+@[a-z]+\\.com$', ['jane@corp.com'], ['Jane@corp.com', 'jane@.com', 'jane@corp.com.au', '@corp.com']],
  ['.*.*.*.*.*.*.*.*.*.*=x', ['=x', 'aaa=x', 'a\n=x'], ['=', 'a=y', '=\nx']],
  ['\\d+\\d+\\d+x', ['123x', 'a1234x'], ['12x', '123']],
  ['^\\d{3}-\\d{4}$', ['555-1234'], ['5551234', '55-1234', '555-12345']],
  // . is any code unit but the line terminators \n \r \u2028 \u2029
  ['^.$', ['a', ' ', '\t', '\v', '\f', '\u0085', '\ud83d', '\0'], ['\n', '\r', '\u2028', '\u2029', '', 'ab']],
  ['^..$', ['\ud83d\ude00', 'ab'], ['\ud83d']],
  ['^[^]$', ['\n', '\u2028', 'a'], ['', 'ab']],
  ['[]', [], ['', 'a', '[]']],
  ['^[\\s\\S]{2}$', ['\n\n', 'ab'], ['a']],
  // \b at the ends and between word and non-word code units
  ['\\b', ['a', ' a', 'a '], ['', ' ', '-!', 'é']],
  ['^\\b', ['a_'], ['', ' a']],
  ['\\b$', ['a', 'a b'], ['', 'a ', 'é']],
  ['\\B', ['', ' ', 'ab', 'é'], ['a']],
  ['a\\bb', [], ['ab', 'a b']],
  ['a\\b-', ['a-'], ['ab', '-a']],
  // classes: ranges, negation, `-`, `]` and `^` where they are literal, escapes inside
  ['^[a-c]$', ['a', 'b', 'c'], ['d', '-', '`']],
  ['^[-a]$', ['-', 'a'], ['b']],
  ['^[a-]$', ['-', 'a'], ['b']],
  ['^[a\\-z]$', ['-', 'a', 'z'], ['b']],
  ['^[a-c-e]$', ['a', 'b', '-', 'e'], ['d']],
  ['^[--0]$', ['-', '.', '/', '0'], ['1', ',']],
  ['^[\\]]$', [']'], ['\\']],
  ['^[]a]$', [], ['a', ']', 'a]']],
  ['^[^]a]$', ['xa]', ']a]'], ['xa', 'a]']],
  ['^[a^]$', ['^', 'a'], ['b']],
  ['^[^^]$', ['a'], ['^']],
  ['^[^a-z]$', ['A', '\n', '-'], ['a', 'q']],
  ['^[\\d-z]$', ['1', '-', 'z'], ['a', 'y']],
  ['^[a-\\d]$', ['1', '-', 'a'], ['b']],
  ['^[\\w-]$', ['_', '-', 'Z'], [' ']],
  ['^[\\b]$', ['\b'], ['b', '']],
  ['^[\\B]$', ['B'], ['\b']],
  ['^[\\c]$', ['\\', 'c'], ['\x03']],
  ['^[\\c1]$', ['\x11'], ['1', 'c', '\\']],
  ['^[\\c_]$', ['\x1f'], ['_']],
  ['^[\\cJ]$', ['\n'], ['J']],
  ['^[\\c-d]$', ['\\', 'c', 'd'], ['-']],
  ['^[\\1]$', ['\x01'], ['1']],
  ['^[\\8]$', ['8'], ['\b']],
  ['^[\\0]$', ['\0'], ['0']],
  ['^[\\s]$', [' ', '\u00a0', '\ufeff', '\u3000', '\u2028'], ['\u200b', '\u180e', 'x']],
  ['^[\\x41-\\x43]$', ['A', 'B', 'C'], ['D']],
  ['^[\\u00e9]$', ['é'], ['e']],
  ['^[😀]$', ['\ud83d', '\ude00'], ['😀']],
  ['^[\\ud83d][\\ude00]$', ['😀'], ['\ud83d']],
  ['^[\\p{L}]+$', ['p{L}', 'L'], ['é']],
  // escapes outside classes, as JavaScript reads them without the u flag
  ['^\\t\\n\\r\\f\\v$', ['\t\n\r\f\v'], ['tnrfv']],
  ['^\\0$', ['\0'], ['0']],
  ['^\\01$', ['\x01'], ['\x00' + '1']],
  ['^\\012$', ['\n'], ['\x01' + '2']],
  ['^\\0123$', ['\n3'], ['\x53']],
  ['^\\08$', ['\x008'], ['\b']],
  ['^[\\377]$', ['\xff'], ['\x1f', '7']],
  ['^[\\400]+$', [' 0', '00 '], ['\u0100']],
  ['^[\\18]+$', ['\x018'], ['1']],
  ['^\\cJ$', ['\n'], ['cJ']],
  ['^\\cj$', ['\n'], ['cj']],
  ['^\\c1$', ['\\c1'], ['\x11']],
  ['^\\c$', ['\\c'], ['c']],
  ['^\\c*$', ['\\', '\\ccc'], ['ccc']],
  ['^\\x41$', ['A'], ['x41']],
  ['^\\x4$', ['x4'], ['\x04']],
  ['^\\xZZ$', ['xZZ'], []],
  ['^\\u0041$', ['A'], ['u0041']],
  ['^\\u{3}$', ['uuu'], ['\u0003', 'u{3}']],
  ['^\\u{1F600}$', ['u{1F600}'], ['😀']],
  ['^\\ud83d\\ude00$', ['😀'], []],
  ['^\\a\\e\\-\\/\\.\\\\$', ['ae-/.\\'], []],
  ['^\\k$', ['k'], []],
  ['^\\p{L}$', ['p{L}'], ['a']],
  ['^\\d\\D\\w\\W\\s\\S$', ['0a_ \u00a0x'], ['0a_  ', 'a0_ \u00a0x']],
  // `{` `}` `]` literal where they cannot be syntax
  ['^x{,5}$', ['x{,5}'], ['x', 'xxxxx']],
  ['^x{a}$', ['x{a}'], []],
  ['^x{1$', ['x{1'], []],
  ['^}]$', ['}]'], []],
  ['^a{3}{,2}$', ['aaa{,2}'], []],
  // quantifiers, greedy or lazy
  ['^a{3}$', ['aaa'], ['aa', 'aaaa']],
  ['^a{2,}$', ['aa', 'aaaaaa'], ['a']],
  ['^a{1,3}$', ['a', 'aaa'], ['', 'aaaa']],
  ['^a{0}$', [''], ['a']],
  ['^a{0,0}b$', ['b'], ['ab']],
  ['^a{2,3}?$', ['aa', 'aaa'], ['a']],
  ['^a+?b*?$', ['a', 'abbb'], ['b']],
  ['^a??b$', ['b', 'ab'], ['aab']],
  ['^a{0,2147483647}$', ['', 'aaaa'], ['b']],
  ['^(?:ab){2}$', ['abab'], ['ab', 'ababab']],
  ['^(ab)?c+$', ['c', 'abccc'], ['abab']],
  ['^(?:)*$', [''], ['a']],
  ['^()+a$', ['a'], ['']],
  ['^(?:a|)+$', ['', 'aa'], ['b']],
  ['^(?:\\b|a)*$', ['', 'a'], [' ']],
  // groups and alternation
  ['^(foo|bar)$', ['foo', 'bar'], ['foobar', 'fo']],
  ['^(?:a|b|)$', ['a', 'b', ''], ['ab']],
  ['^(?<year>\\d{4})-(?<m>\\d\\d)$', ['2024-01'], ['2024-1']],
  ['^(?:(a)|b)(c|(d))$', ['ac', 'bd'], ['ab']],
  ['x|^$', ['', 'ax'], ['a']],
  ['a|b$', ['a', 'xb', 'ab'], ['bx', 'x']],
  ['[(+*|)]+!$', ['(+*|)!', '|!'], ['!', 'a!']],
  // nested quantifiers and repeated alternation: refused by the static check, but the matcher runs them too
  ['^(a+)+$', ['a', 'aaaa'], ['aaaa!']],
  ['^(a|aa)+$', ['aaa'], ['aab']],
  ['^(?:a*)*b$', ['b', 'aab'], ['aa']],
  ['^((ab)+c)*$', ['', 'abcababc'], ['abca']],
];

describe('the linear-time matcher', () => {
  it.each(VECTORS)('%j', (pattern, matching, notMatching) => {
    const matcher = linearMatcher(pattern);
    for (const input of matching) {
      expect([input, nativeTest(pattern, input)]).toEqual([input, true]);
      expect([input, matcher.test(input)]).toEqual([input, true]);
    }
    for (const input of notMatching) {
      expect([input, nativeTest(pattern, input)]).toEqual([input, false]);
      expect([input, matcher.test(input)]).toEqual([input, false]);
    }
  });

  it.each(['.', '\\s', '\\S', '\\w', '\\W', '\\d', '\\D', '[^]', '[^\\s\\d]', '\\b', '\\B', '[\\w-\\s]', '[\\cA-\\cZ]'])(
    '%j agrees with RegExp on every code unit',
    (pattern) => {
      const native = new RegExp(`^${pattern}`);
      const matcher = linearMatcher(`^${pattern}`);
      for (let c = 0; c <= 0xffff; c++) {
        const input = String.fromCharCode(c);
        if (matcher.test(input) !== native.test(input))
          expect([c.toString(16), matcher.test(input)]).toEqual([c.toString(16), native.test(input)]);
      }
    },
  );

  it('is reusable, and gives the same answers after many inputs', () => {
    const matcher = linearMatcher('^[a-z]+@[a-z]+\\.com$');
    for (let i = 0; i < 1000; i++) {
      expect(matcher.test('jane@corp.com')).toBe(true);
      expect(matcher.test('jane@corp.co')).toBe(false);
    }
  });

  it('answers as RegExp with 2,000 live NFA states at once, more than its cache keeps', () => {
    const pattern = '[ab]{0,2000}c';
    const matcher = linearMatcher(pattern);
    let seed = 7;
    const ab = Array.from({ length: 3000 }, () => ((seed = (seed * 48271) % 0x7fffffff) & 1 ? 'a' : 'b')).join('');
    for (const input of [ab, `${ab}c`, `c${ab}`, ab.slice(0, 2500)]) expect(matcher.test(input)).toBe(nativeTest(pattern, input));
  });

  it('runs polynomial patterns in linear time: 200,000 code units for .*.*.*.*.*.*.*.*.*.*=x', () => {
    const matcher = linearMatcher('.*.*.*.*.*.*.*.*.*.*=x');
    expect(matcher.test('a'.repeat(200_000))).toBe(false);
    expect(matcher.test(`${'a'.repeat(200_000)}=x`)).toBe(true);
    expect(linearMatcher('^(a|aa)+$').test(`${'a'.repeat(200_000)}!`)).toBe(false);
  });
});

describe('what the parser refuses', () => {
  it.each([
    ['(a)\\1', /backreferences/],
    ['[]\\1', /backreferences/],
    ['\\8', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['(?=a)', /lookarounds/],
    ['(?!a)', /lookarounds/],
    ['(?<=a)b', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['(?i:a)', /unsupported group syntax/],
    // Syntax errors (RegExp refuses them first in compileSafeRegex)
    ['a{3}{2}', /nothing to repeat/],
    ['a**', /nothing to repeat/],
    ['^*', /nothing to repeat/],
    ['\\b+', /nothing to repeat/],
    ['{2}', /nothing to repeat/],
    ['a{2,1}', /out of order/],
    ['[b-a]', /out of order/],
    ['[a', /unterminated character class/],
    ['(a', /unterminated group/],
    ['a)', /unmatched/],
    ['\\', /at end of pattern/],
  ])('%j', (pattern, message) => {
    const parsed = parsePattern(pattern);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});

describe('the NFA', () => {
  it.each([
    ['', 1],
    ['abc', 4],
    ['a|b|c', 6],
    ['^a$', 4],
    ['a*', 3],
    ['a+', 3],
    ['a{3,}', 5],
    ['(?:ab){2,}', 6],
    ['a{2,4}', 7],
    ['a?', 3],
    ['(?:){9}', 1],
    ['.*.*.*.*.*.*.*.*.*.*=x', 23],
  ])('of %j has %i states, as the budget counts them', (pattern, states) => {
    const parsed = parsePattern(pattern);
    const nfa = parsed.ok ? buildNfa(parsed.node) : undefined;
    expect(nfa?.ok && nfa.nfa.kinds.length).toBe(states);
  });
});

describe('compileSafeRegex and the matcher it returns', () => {
  it(`refuses a pattern whose matcher needs more than ${MAX_REGEX_STATES} states, counting bounded repeats written out`, () => {
    expect(compileSafeRegex(`a{${MAX_REGEX_STATES - 1}}`).ok).toBe(true); // + the final state
    expect(compileSafeRegex(`a{${MAX_REGEX_STATES}}`)).toEqual({
      ok: false,
      message: `pattern is too large: its linear-time matcher needs ${MAX_REGEX_STATES + 1} states, more than ${MAX_REGEX_STATES}`,
    });
    expect(compileSafeRegex('.{0,5000}')).toMatchObject({ ok: false, message: /10001 states/ });
    expect(compileSafeRegex('(?:ab){2500}')).toMatchObject({ ok: false, message: /5001 states/ });
    expect(compileSafeRegex('a{2147483647}')).toMatchObject({ ok: false, message: /unboundedly many states/ });
    expect(compileSafeRegex('a{0,2147483647}').ok).toBe(true); // as for V8: a*
    expect(compileSafeRegex('(?:){99999}').ok).toBe(true);
  });

  it('keeps the native RegExp for a pattern with no choice to come back to, the linear matcher otherwise', () => {
    const matcherOf = (pattern: string) => {
      const r = compileSafeRegex(pattern);
      if (!r.ok) throw new Error(r.message);
      return r.matcher;
    };
    for (const pattern of ['@example\\.com$', '^\\d{3}-\\d{4}$', '(?:abc){2}', '^[a-z]\\b', '']) {
      expect([pattern, matcherOf(pattern) instanceof RegExp]).toEqual([pattern, true]);
    }
    for (const pattern of ['^[a-z]+$', 'a?', 'a{2,3}', '(foo|bar)', '.*=x', 'a*?', '(ab)?c']) {
      expect([pattern, matcherOf(pattern) instanceof LinearMatcher]).toEqual([pattern, true]);
    }
  });
});
