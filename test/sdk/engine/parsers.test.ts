/**
 * Specification of the value parsers behind the operators: semantic versions, ISO-8601 instants and
 * the `matches` safety check.
 */
import { describe, expect, it } from 'vitest';
import { parseIsoDate, toInstant } from '../../../sdk/src/model/dates.ts';
import { compileSafeRegex, MAX_REGEX_LENGTH, unsafeRegexReason } from '../../../sdk/src/model/regex.ts';
import { compareSemVer, parseSemVer } from '../../../sdk/src/model/semver.ts';

describe('parseSemVer', () => {
  it.each([
    ['1.2.3', [1, 2, 3, []]],
    ['1', [1, 0, 0, []]],
    ['1.2', [1, 2, 0, []]],
    ['1.2-rc.1', [1, 2, 0, ['rc', 1]]],
    ['0.0.0-0.a-b.x7', [0, 0, 0, [0, 'a-b', 'x7']]],
    ['1.0.0+build.1', [1, 0, 0, []]],
    ['1.0.0-alpha+001', [1, 0, 0, ['alpha']]],
  ])('accepts %j', (input, [major, minor, patch, prerelease]) => {
    expect(parseSemVer(input)).toEqual({ major, minor, patch, prerelease });
  });

  it.each([
    'v1.2.3',
    '',
    '1.2.3.4',
    '01.2.3',
    '1.02.3',
    '1.2.3-01',
    '1.2.3-',
    '1.2.3+',
    '1..2',
    ' 1.2.3',
    '1.2.3 ',
    'a.b.c',
    '1.2.3-a..b',
    '99999999999999999999.0.0',
  ])('refuses %j', (input) => {
    expect(parseSemVer(input)).toBeUndefined();
  });

  it('orders by SemVer 2.0 precedence', () => {
    const ordered = [
      '0.9.9',
      '1.0.0-0',
      '1.0.0-2',
      '1.0.0-10',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
      '10.0.0',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = compareSemVer(parseSemVer(ordered[i]!)!, parseSemVer(ordered[j]!)!);
        expect(Math.sign(c)).toBe(Math.sign(i - j));
      }
    }
  });
});

describe('parseIsoDate / toInstant', () => {
  it.each([
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['2024-01-01T00:00:00Z', Date.UTC(2024, 0, 1)],
    ['2024-01-01T01:00:00+01:00', Date.UTC(2024, 0, 1)],
    ['2023-12-31T19:00-05:00', Date.UTC(2024, 0, 1)],
    ['2024-02-29T12:34:56.789Z', Date.UTC(2024, 1, 29, 12, 34, 56, 789)],
    ['2024-02-29 12:34:56.789123z', Date.UTC(2024, 1, 29, 12, 34, 56, 789)],
    ['0050-06-01', Date.parse('0050-06-01T00:00:00Z')],
  ])('parses %j', (input, expected) => {
    expect(parseIsoDate(input)).toBe(expected);
  });

  it.each([
    '2024-01-01T00:00:00',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-01-32',
    '2024-01-01T24:00:00Z',
    '2024-01-01T10:60Z',
    'yesterday',
    '1704067200000',
    '2024/01/01',
    'Mon, 01 Jan 2024 00:00:00 GMT',
    '',
  ])('refuses %j', (input) => {
    expect(parseIsoDate(input)).toBeUndefined();
  });

  it('takes finite numbers as epoch milliseconds and nothing else', () => {
    expect(toInstant(0)).toBe(0);
    expect(toInstant(-1.5)).toBe(-1.5);
    expect(toInstant(Number.NaN)).toBeUndefined();
    expect(toInstant(true)).toBeUndefined();
    expect(toInstant(null)).toBeUndefined();
  });
});

describe('matches: safe regular expressions', () => {
  it.each([
    '^[a-z]+$',
    '@example\\.com$',
    '^(foo|bar)$',
    '(ab)?c+',
    '^\\d{3}-\\d{4}$',
    '(?:abc){2}',
    '[(+*|)]+',
    '\\(a+\\)+',
    '(?<year>\\d{4})-(?<m>\\d\\d)',
    'a+?b*?',
    '.*.*.*=x',
    '[]]',
    '^[^]*$',
  ])('accepts %j', (pattern) => {
    expect(compileSafeRegex(pattern).ok).toBe(true);
  });

  it.each([
    ['(a+)+', /nested quantifiers/],
    ['(a*)*', /nested quantifiers/],
    ['(a?)+', /nested quantifiers/],
    ['((ab)+c)*', /nested quantifiers/],
    ['(?:\\d+){2,}', /nested quantifiers/],
    ['([a-z]+)*$', /nested quantifiers/],
    ['(a|a)*', /alternation/],
    ['(x|y){1,5}', /alternation/],
    // `[]` and `[^]` are whole classes in JavaScript: what follows them is checked too.
    ['[](a+)+', /nested quantifiers/],
    ['[^](a|aa)+$', /alternation/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['(?=a)\\w+', /lookarounds/],
    ['\\w+(?!x)', /lookarounds/],
    ['(?<=a)b', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['(', /does not compile/],
    ['[a-', /does not compile/],
    ['a'.repeat(MAX_REGEX_LENGTH + 1), /longer than/],
  ])('refuses %j', (pattern, message) => {
    const r = compileSafeRegex(pattern);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });

  it('the static check alone reports no problem for simple patterns', () => {
    expect(unsafeRegexReason('^abc$')).toBeUndefined();
  });
});
