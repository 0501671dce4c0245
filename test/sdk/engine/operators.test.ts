/**
 * Specification of the clause operators. For each operator: a matching and a non-matching value, a
 * missing attribute, a wrong-typed attribute, negation (a negated clause never matches a missing or
 * wrong-typed attribute), arrays (any element) and type strictness (operators never coerce).
 */
import { describe, expect, it } from 'vitest';
import { type Clause, type Context, evaluate, type Operator } from '../../../sdk/src/index.ts';
import { ruleFlag, snapshot } from './helpers.ts';

/** Whether a single clause matches the context. */
function matches(clause: Clause, context: Context): boolean {
  const d = evaluate(snapshot([ruleFlag(clause)]), 'f', context, false);
  if (d.reason.kind === 'ERROR') throw new Error(`evaluation failed: ${JSON.stringify(d.reason)}`);
  return d.reason.kind === 'RULE_MATCH';
}

function clause(op: Operator, values: (string | number | boolean)[], negate = false, attribute = 'a'): Clause {
  return { attribute, op, values, negate };
}

/** [attribute value, expected] with `a` as the attribute. */
type Row = [unknown, boolean];

interface OperatorSpec {
  op: Operator;
  values: (string | number | boolean)[];
  match: unknown[];
  noMatch: unknown[];
  wrongType: unknown[];
}

const specs: OperatorSpec[] = [
  {
    op: 'in',
    values: ['a', 5, true],
    match: ['a', 5, true],
    noMatch: ['b', 'A', '5', 6, false, 'true'],
    wrongType: [{}, null, Number.NaN, Number.POSITIVE_INFINITY],
  },
  { op: 'startsWith', values: ['ab', 'x'], match: ['abc', 'ab', 'xyz'], noMatch: ['cab', 'Abc', ''], wrongType: [12, true, null, {}] },
  {
    op: 'endsWith',
    values: ['@example.com'],
    match: ['ada@example.com', '@example.com'],
    noMatch: ['ada@example.co', 'ada@EXAMPLE.com'],
    wrongType: [1, false, {}],
  },
  { op: 'contains', values: ['mid'], match: ['amidst', 'mid'], noMatch: ['MID', 'mi d'], wrongType: [5, true] },
  { op: 'matches', values: ['^[a-z]+-\\d+$', 'zz'], match: ['abc-12', 'xzzx'], noMatch: ['ABC-12', 'abc-'], wrongType: [12, true] },
  { op: 'lessThan', values: [10, 20], match: [9, 19.5, -1], noMatch: [20, 25], wrongType: ['5', true, Number.NaN] },
  { op: 'lessThanOrEqual', values: [10], match: [10, 9], noMatch: [10.1], wrongType: ['10', false] },
  { op: 'greaterThan', values: [10], match: [11, 10.5], noMatch: [10, 9], wrongType: ['11', true, Number.POSITIVE_INFINITY] },
  { op: 'greaterThanOrEqual', values: [10], match: [10, 11], noMatch: [9.99], wrongType: ['10', true] },
  {
    op: 'before',
    values: ['2024-01-01T00:00:00Z'],
    match: ['2023-12-31T23:59:59.999Z', '2023-06-01', 1700000000000, '2024-01-01T00:30:00+01:00'],
    noMatch: ['2024-01-01T00:00:00Z', '2024-01-01', 1704067200000, '2023-12-31T23:30:00-01:00'],
    wrongType: [true, 'not a date', '2024-01-01T00:00:00', '2023-02-29', {}],
  },
  {
    op: 'after',
    values: [1704067200000],
    match: ['2024-01-01T00:00:00.001Z', 1704067200001],
    noMatch: ['2024-01-01T00:00:00Z', 1704067200000, '1999-12-31'],
    wrongType: [false, 'tomorrow', '2024-13-01'],
  },
  {
    op: 'semVerEqual',
    values: ['2.0.0'],
    match: ['2.0.0', '2', '2.0', '2.0.0+build.5'],
    noMatch: ['2.0.1', '2.0.0-rc.1'],
    wrongType: ['v2.0.0', '02.0.0', 2, true, ''],
  },
  {
    op: 'semVerLessThan',
    values: ['2.0.0'],
    match: ['1.9.9', '2.0.0-rc.1', '1', '1.10'],
    noMatch: ['2.0.0', '2.0.1', '10.0.0'],
    wrongType: ['2.x', 200],
  },
  {
    op: 'semVerGreaterThan',
    values: ['1.0.0-alpha.1'],
    match: ['1.0.0-alpha.2', '1.0.0-alpha.beta', '1.0.0', '1.0.0-beta'],
    noMatch: ['1.0.0-alpha', '1.0.0-alpha.1', '0.9.0'],
    wrongType: ['one', 1],
  },
];

describe.each(specs)('operator $op', ({ op, values, match, noMatch, wrongType }) => {
  const rows: Row[] = [...match.map((v): Row => [v, true]), ...noMatch.map((v): Row => [v, false])];

  it.each(rows)('attribute %j -> %s', (value, expected) => {
    expect(matches(clause(op, values), { key: 'k', a: value })).toBe(expected);
  });

  it.each(rows)('negated, attribute %j -> the opposite of %s', (value, expected) => {
    expect(matches(clause(op, values, true), { key: 'k', a: value })).toBe(!expected);
  });

  it('a missing attribute does not match, negated or not', () => {
    expect(matches(clause(op, values), { key: 'k' })).toBe(false);
    expect(matches(clause(op, values, true), { key: 'k' })).toBe(false);
  });

  it.each(wrongType.map((v) => [v]))('an attribute of a wrong type or invalid value (%j) does not match, negated or not', (value) => {
    expect(matches(clause(op, values), { key: 'k', a: value })).toBe(false);
    expect(matches(clause(op, values, true), { key: 'k', a: value })).toBe(false);
  });

  it('an array attribute matches when any element matches', () => {
    expect(matches(clause(op, values), { key: 'k', a: [...noMatch, match[0]] as never })).toBe(true);
    expect(matches(clause(op, values, true), { key: 'k', a: [...noMatch, match[0]] as never })).toBe(false);
  });

  it('an array attribute with no matching element does not match (negated: matches)', () => {
    expect(matches(clause(op, values), { key: 'k', a: noMatch as never })).toBe(false);
    expect(matches(clause(op, values, true), { key: 'k', a: noMatch as never })).toBe(true);
  });

  it('an empty array matches nothing, so negated it matches', () => {
    expect(matches(clause(op, values), { key: 'k', a: [] })).toBe(false);
    expect(matches(clause(op, values, true), { key: 'k', a: [] })).toBe(true);
  });

  it('an array containing a value that is not a string, number or boolean counts as missing', () => {
    expect(matches(clause(op, values), { key: 'k', a: [match[0], { x: 1 }] as never })).toBe(false);
    expect(matches(clause(op, values, true), { key: 'k', a: [noMatch[0], { x: 1 }] as never })).toBe(false);
  });
});

describe('operators: type strictness and arrays', () => {
  it('in never coerces: "5" is not 5, "true" is not true, 0 is not false', () => {
    expect(matches(clause('in', ['5']), { key: 'k', a: 5 })).toBe(false);
    expect(matches(clause('in', [5]), { key: 'k', a: '5' })).toBe(false);
    expect(matches(clause('in', ['true']), { key: 'k', a: true })).toBe(false);
    expect(matches(clause('in', [false]), { key: 'k', a: 0 })).toBe(false);
    expect(matches(clause('in', [0]), { key: 'k', a: -0 })).toBe(true);
  });

  it('in with a value of another type than the attribute is a non-match (not a wrong type), so negation applies', () => {
    expect(matches(clause('in', ['5'], true), { key: 'k', a: 5 })).toBe(true);
  });

  it('numeric operators do not read numeric strings, string operators do not read numbers', () => {
    expect(matches(clause('lessThan', [10]), { key: 'k', a: '5' })).toBe(false);
    expect(matches(clause('startsWith', ['1']), { key: 'k', a: 12 })).toBe(false);
  });

  it('in an array, elements of a type the operator does not take are skipped', () => {
    expect(matches(clause('lessThan', [10]), { key: 'k', a: ['1', 5] })).toBe(true);
    expect(matches(clause('lessThan', [10], true), { key: 'k', a: ['1', 50] })).toBe(true);
  });

  it('an array with no element of a type the operator takes is wrong-typed: no match, negated or not', () => {
    expect(matches(clause('lessThan', [10]), { key: 'k', a: ['1', true] })).toBe(false);
    expect(matches(clause('lessThan', [10], true), { key: 'k', a: ['1', true] })).toBe(false);
  });

  it('a clause matches when any of its values matches', () => {
    expect(matches(clause('in', ['x', 'y', 'z']), { key: 'k', a: 'z' })).toBe(true);
  });

  it('the attribute "key" reads the context key', () => {
    expect(matches(clause('startsWith', ['user-'], false, 'key'), { key: 'user-7' })).toBe(true);
    expect(matches(clause('in', ['user-7'], true, 'key'), { key: 'user-7' })).toBe(false);
  });

  it('attributes are read as own data of the context; prototype members count as missing', () => {
    expect(matches(clause('in', ['x'], true, 'toString'), { key: 'k' })).toBe(false);
    expect(matches(clause('in', ['x'], true, 'constructor'), { key: 'k' })).toBe(false);
  });

  it('matches is unanchored and case-sensitive unless the pattern says otherwise', () => {
    expect(matches(clause('matches', ['b']), { key: 'k', a: 'abc' })).toBe(true);
    expect(matches(clause('matches', ['^b']), { key: 'k', a: 'abc' })).toBe(false);
    expect(matches(clause('matches', ['B']), { key: 'k', a: 'abc' })).toBe(false);
  });

  it('before/after compare instants: the same instant in different offsets is equal', () => {
    expect(matches(clause('before', ['2024-01-01T01:00:00+01:00']), { key: 'k', a: '2024-01-01T00:00:00Z' })).toBe(false);
    expect(matches(clause('after', ['2024-01-01T01:00:00+01:00']), { key: 'k', a: '2024-01-01T00:00:00Z' })).toBe(false);
    expect(matches(clause('before', ['2024-01-01T01:00:00+01:00']), { key: 'k', a: 1704067199999 })).toBe(true);
  });

  it('semver precedence follows SemVer 2.0 (the spec example chain)', () => {
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(matches(clause('semVerLessThan', [chain[i + 1]!]), { key: 'k', a: chain[i]! })).toBe(true);
      expect(matches(clause('semVerGreaterThan', [chain[i]!]), { key: 'k', a: chain[i + 1]! })).toBe(true);
      expect(matches(clause('semVerLessThan', [chain[i]!]), { key: 'k', a: chain[i + 1]! })).toBe(false);
    }
  });

  it('semVerEqual ignores build metadata and fills a missing minor/patch with 0', () => {
    expect(matches(clause('semVerEqual', ['1.2.0+a']), { key: 'k', a: '1.2+b' })).toBe(true);
    expect(matches(clause('semVerEqual', ['1.2-rc.1']), { key: 'k', a: '1.2.0-rc.1' })).toBe(true);
  });
});
