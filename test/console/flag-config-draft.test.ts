/**
 * The flag page's form model (console/src/pages/flag-config): a configuration read and shown writes back
 * exactly as read, so only what the person changes is saved; values are read the model's way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EditableConfig } from '../../console/src/pages/flag-config/api.ts';
import { parseValue } from '../../console/src/pages/flag-config/clause-values.ts';
import { changedFields, configOf, draftIsValid, draftOf } from '../../console/src/pages/flag-config/draft.ts';
import { clauseProblems, newRule } from '../../console/src/pages/flag-config/rule-draft.ts';

const stored: EditableConfig = {
  prerequisites: [{ key: 'parent', variation: 1 }],
  targets: [{ variation: 1, values: ['bob'] }],
  rules: [
    {
      id: 'everything',
      description: 'every operator kind',
      clauses: [
        { attribute: 'country', op: 'in', values: ['fr', 'de'] },
        { attribute: 'seats', op: 'in', values: [10, 2e21] },
        { attribute: 'beta', op: 'in', values: [true] },
        { attribute: 'email', op: 'matches', values: ['@example\\.com$'], negate: true },
        { attribute: 'age', op: 'greaterThanOrEqual', values: [18.5] },
        { attribute: 'signedUp', op: 'before', values: ['2025-06-01', 1_700_000_000_123, '2025-06-01T10:00:00+02:00'] },
        { attribute: 'appVersion', op: 'semVerLessThan', values: ['3.0.0-rc.1'] },
        { attribute: '', op: 'segmentMatch', values: ['internal-users'] },
      ],
      rollout: { variations: [{ variation: 1, weight: 100_000 }], bucketBy: 'orgId', seed: 7 },
    },
    { id: 'no-clauses', clauses: [], variation: 0 },
  ],
  fallthrough: {
    rollout: {
      variations: [
        { variation: 1, weight: 60_000 },
        { variation: 0, weight: 40_000 },
      ],
    },
  },
  offVariation: 1,
};

const savedTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = savedTz;
});

describe('the flag page’s form model', () => {
  it('writes a configuration it shows back exactly as read, key order included', () => {
    process.env.TZ = 'Asia/Kolkata';
    const draft = draftOf(stored, 2);
    expect(JSON.stringify(configOf(draft))).toBe(JSON.stringify(stored));
    expect(changedFields(stored, configOf(draft))).toEqual({});
    expect(draftIsValid(draft)).toBe(true);
  });

  it('writes only the rules when one clause value changes, as the operator’s kind of value', () => {
    const draft = draftOf(stored, 2);
    const rule = draft.rules[0]!;
    const age = rule.clauses[4]!;
    const edited = configOf({
      ...draft,
      rules: [{ ...rule, clauses: rule.clauses.map((c) => (c === age ? { ...c, texts: ['21'] } : c)) }, draft.rules[1]!],
    });
    const patch = changedFields(stored, edited);
    expect(Object.keys(patch)).toEqual(['rules']);
    expect(patch.rules?.[0]?.clauses[4]).toEqual({ attribute: 'age', op: 'greaterThanOrEqual', values: [21] });
    expect(patch.rules?.[0]).toEqual({ ...stored.rules[0], clauses: expect.any(Array) });
    expect(patch.rules?.[1]).toEqual(stored.rules[1]);
  });

  it('reads date-times in the browser’s time zone and stores them in UTC', () => {
    process.env.TZ = 'America/New_York';
    expect(parseValue('after', 'string', '2026-01-15T09:30')).toEqual({ value: '2026-01-15T14:30:00.000Z' });
    expect(parseValue('after', 'string', '2026-07-15T09:30:15')).toEqual({ value: '2026-07-15T13:30:15.000Z' });
    expect(parseValue('after', 'string', 'soon').problem).toBe('Give a date and a time');
  });

  it('refuses what the model refuses, with the model’s reasons', () => {
    expect(parseValue('semVerEqual', 'string', 'v1.2.3').problem).toMatch(/not a semantic version/);
    expect(parseValue('semVerEqual', 'string', ' 1.2.3 ')).toEqual({ value: '1.2.3' });
    expect(parseValue('matches', 'string', '(a|b)*').problem).toBe(
      'Potentially catastrophic pattern: a repeated group containing alternation such as (a|b)* is not allowed',
    );
    expect(parseValue('matches', 'string', '[').problem).toMatch(/^Pattern does not compile/);
    expect(parseValue('lessThan', 'string', '12abc').problem).toBe('“12abc” is not a number');
    expect(parseValue('in', 'number', ' 12 ')).toEqual({ value: 12 });
    expect(parseValue('in', 'boolean', 'yes').problem).toBe('“yes” is neither true nor false');
    expect(parseValue('in', 'string', 'x'.repeat(1025)).problem).toBe('A value can be at most 1024 characters long');
  });

  it('marks a new rule’s empty clause as incomplete until it has an attribute and a value', () => {
    const rule = newRule(2);
    const clause = rule.clauses[0]!;
    expect(clauseProblems(clause)).toMatchObject({ attribute: 'Give the context attribute to compare', clause: 'Give at least one value' });
    const draft = { ...draftOf(stored, 2), rules: [rule] };
    expect(draftIsValid(draft)).toBe(false);
    const filled = { ...clause, attribute: 'plan', texts: ['pro', '', 'team'] };
    expect(clauseProblems(filled).values.size).toBe(0);
    expect(draftIsValid({ ...draft, rules: [{ ...rule, clauses: [filled] }] })).toBe(true);
    expect(configOf({ ...draft, rules: [{ ...rule, clauses: [filled] }] }).rules[0]).toEqual({
      id: rule.id,
      clauses: [{ attribute: 'plan', op: 'in', values: ['pro', 'team'] }],
      variation: 0,
    });
  });
});
