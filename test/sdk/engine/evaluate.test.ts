/**
 * Specification of evaluate(): the order in which a flag is evaluated, every reason and error kind,
 * defaults and types, targets, rules, prerequisites, isEnabled and allFlags.
 */
import { describe, expect, it } from 'vitest';
import { allFlags, type Context, evaluate, isEnabled, prepareSnapshot, type Snapshot } from '../../../sdk/src/index.ts';
import { flag, ruleFlag, segment, snapshot } from './helpers.ts';

const user: Context = { key: 'user-1', email: 'ada@example.com', plan: 'pro' };

describe('evaluate: unknown flags and contexts', () => {
  const snap = snapshot([flag('f')]);

  it('an unknown flag gives the default with ERROR/FLAG_NOT_FOUND', () => {
    expect(evaluate(snap, 'nope', user, 'dflt')).toEqual({
      value: 'dflt',
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' },
    });
  });

  it('a missing context key gives the default with ERROR/USER_NOT_SPECIFIED', () => {
    expect(evaluate(snap, 'f', { email: 'a@b.c' }, false)).toEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' },
    });
  });

  it.each([[''], [5], [null], [true], [['k']]])('a key that is not a non-empty string (%j) is USER_NOT_SPECIFIED', (key) => {
    expect(evaluate(snap, 'f', { key } as unknown as Context, false).reason).toEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' });
  });

  it('USER_NOT_SPECIFIED applies to every flag, even one that is off', () => {
    const off = snapshot([flag('f', { on: false })]);
    expect(evaluate(off, 'f', {}, true).reason).toEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' });
  });

  it('a context that is not an object is USER_NOT_SPECIFIED', () => {
    expect(evaluate(snap, 'f', null as unknown as Context, false).reason).toEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' });
  });

  it('an unknown flag is reported before a missing key', () => {
    expect(evaluate(snap, 'nope', {}, false).reason).toEqual({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' });
  });
});

describe('evaluate: off, targets, rules, fallthrough', () => {
  it('a flag that is off serves its off variation with OFF', () => {
    const snap = snapshot([flag('f', { on: false, offVariation: 1, targets: [{ variation: 0, values: ['user-1'] }] })]);
    expect(evaluate(snap, 'f', user, true)).toEqual({ value: false, variationIndex: 1, reason: { kind: 'OFF' } });
  });

  it('an individually targeted context gets its target variation with TARGET_MATCH, before any rule', () => {
    const snap = snapshot([
      flag('f', {
        kind: 'string',
        variations: ['a', 'b', 'c'],
        offVariation: 0,
        targets: [{ variation: 2, values: ['user-1', 'user-2'] }],
        rules: [{ id: 'r', clauses: [], variation: 1 }],
      }),
    ]);
    expect(evaluate(snap, 'f', user, 'x')).toEqual({ value: 'c', variationIndex: 2, reason: { kind: 'TARGET_MATCH' } });
    expect(evaluate(snap, 'f', { key: 'user-3' }, 'x').reason).toEqual({ kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r' });
  });

  it('targets compare context keys exactly (case-sensitive)', () => {
    const snap = snapshot([flag('f', { targets: [{ variation: 1, values: ['User-1'] }] })]);
    expect(evaluate(snap, 'f', user, true).reason).toEqual({ kind: 'FALLTHROUGH' });
  });

  it('when a key is listed in two targets, the first target wins', () => {
    const snap = snapshot([
      flag('f', {
        targets: [
          { variation: 1, values: ['user-1'] },
          { variation: 0, values: ['user-1'] },
        ],
      }),
    ]);
    expect(evaluate(snap, 'f', user, true).variationIndex).toBe(1);
  });

  it('rules are tried in order and the first match wins, with RULE_MATCH, ruleIndex and ruleId', () => {
    const snap = snapshot([
      flag('f', {
        kind: 'number',
        variations: [10, 20, 30],
        offVariation: 0,
        rules: [
          { id: 'enterprise', clauses: [{ attribute: 'plan', op: 'in', values: ['enterprise'] }], variation: 0 },
          { id: 'pro', clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }], variation: 1 },
          { id: 'everyone', clauses: [], variation: 2 },
        ],
      }),
    ]);
    expect(evaluate(snap, 'f', user, 0)).toEqual({
      value: 20,
      variationIndex: 1,
      reason: { kind: 'RULE_MATCH', ruleIndex: 1, ruleId: 'pro' },
    });
  });

  it('clauses in a rule are AND-ed', () => {
    const both = ruleFlag(
      { attribute: 'plan', op: 'in', values: ['pro'] },
      { attribute: 'email', op: 'endsWith', values: ['@example.com'] },
    );
    expect(evaluate(snapshot([both]), 'f', user, false).reason.kind).toBe('RULE_MATCH');
    expect(evaluate(snapshot([both]), 'f', { ...user, plan: 'free' }, false).reason.kind).toBe('FALLTHROUGH');
  });

  it('a rule with no clauses matches everyone', () => {
    expect(evaluate(snapshot([ruleFlag()]), 'f', { key: 'anyone' }, false).reason).toEqual({
      kind: 'RULE_MATCH',
      ruleIndex: 0,
      ruleId: 'r0',
    });
  });

  it('with no target or rule matching, the fallthrough is served with FALLTHROUGH', () => {
    const snap = snapshot([flag('f', { fallthrough: { variation: 1 } })]);
    expect(evaluate(snap, 'f', user, true)).toEqual({ value: false, variationIndex: 1, reason: { kind: 'FALLTHROUGH' } });
  });

  it('rules and the fallthrough can serve rollouts', () => {
    const rollout = {
      variations: [
        { variation: 0, weight: 0 },
        { variation: 1, weight: 100000 },
      ],
    };
    const snap = snapshot([
      flag('f', { rules: [{ id: 'r', clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }], rollout }], fallthrough: { rollout } }),
    ]);
    expect(evaluate(snap, 'f', user, true)).toEqual({
      value: false,
      variationIndex: 1,
      reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r' },
    });
    expect(evaluate(snap, 'f', { key: 'k' }, true)).toEqual({ value: false, variationIndex: 1, reason: { kind: 'FALLTHROUGH' } });
  });
});

describe('evaluate: defaults and kinds', () => {
  const kinds: [string, unknown[], unknown, unknown][] = [
    // kind, variations, a default of the right type, a default of the wrong type
    ['boolean', [true, false], false, 'false'],
    ['string', ['a', 'b'], 'x', 1],
    ['number', [1, 2], 0, '0'],
  ];

  it.each(kinds)(
    'a %s flag refuses a default of another type with ERROR/WRONG_TYPE, returning that default',
    (kind, variations, ok, wrong) => {
      const snap = snapshot([flag('f', { kind: kind as 'boolean', variations })]);
      expect(evaluate(snap, 'f', user, ok).reason).toEqual({ kind: 'FALLTHROUGH' });
      expect(evaluate(snap, 'f', user, wrong)).toEqual({
        value: wrong,
        variationIndex: null,
        reason: { kind: 'ERROR', errorKind: 'WRONG_TYPE' },
      });
    },
  );

  it.each(kinds)('a %s flag accepts undefined and null as the default', (kind, variations) => {
    const snap = snapshot([flag('f', { kind: kind as 'boolean', variations })]);
    expect(evaluate(snap, 'f', user, undefined).variationIndex).toBe(0);
    expect(evaluate(snap, 'f', user, null).variationIndex).toBe(0);
  });

  it('a json flag accepts a default of any type', () => {
    const snap = snapshot([flag('f', { kind: 'json', variations: [{ a: [1, 2] }, null] })]);
    for (const d of [1, 'x', true, {}, [], null, undefined]) {
      expect(evaluate(snap, 'f', user, d)).toEqual({ value: { a: [1, 2] }, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
    }
  });

  it('a number default is accepted for a number flag even when NaN', () => {
    const snap = snapshot([flag('f', { kind: 'number', variations: [1, 2] })]);
    expect(evaluate(snap, 'f', user, Number.NaN).value).toBe(1);
  });

  it('a served variation whose value does not fit the kind is MALFORMED_FLAG (only when served)', () => {
    const snap = snapshot([
      flag('f', {
        variations: [true, 'nope'] as unknown[],
        rules: [{ id: 'r', clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }], variation: 1 }],
      }),
    ]);
    expect(evaluate(snap, 'f', user, true)).toEqual({
      value: true,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    });
    expect(evaluate(snap, 'f', { key: 'other' }, false)).toEqual({ value: true, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
  });

  it('a WRONG_TYPE default is reported even when the flag is off', () => {
    const snap = snapshot([flag('f', { on: false })]);
    expect(evaluate(snap, 'f', user, 'x').reason).toEqual({ kind: 'ERROR', errorKind: 'WRONG_TYPE' });
  });
});

describe('evaluate: malformed flags give the default with ERROR/MALFORMED_FLAG', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['offVariation out of range', { offVariation: 2 }],
    ['fallthrough variation out of range', { fallthrough: { variation: 5 } }],
    ['negative variation', { fallthrough: { variation: -1 } }],
    ['non-integer variation', { fallthrough: { variation: 0.5 } }],
    ['target variation out of range', { targets: [{ variation: 2, values: ['x'] }] }],
    ['rule variation out of range', { rules: [{ id: 'r', clauses: [], variation: 9 }] }],
    ['rollout variation out of range', { fallthrough: { rollout: { variations: [{ variation: 3, weight: 100000 }] } } }],
    ['empty rollout', { fallthrough: { rollout: { variations: [] } } }],
    [
      'negative weight',
      {
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: -1 },
              { variation: 1, weight: 100001 },
            ],
          },
        },
      },
    ],
    ['both variation and rollout', { fallthrough: { variation: 0, rollout: { variations: [{ variation: 0, weight: 100000 }] } } }],
    ['neither variation nor rollout', { fallthrough: {} }],
    ['unknown kind', { kind: 'date' }],
    ['no variations', { variations: [] }],
    ['unknown operator', { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'like', values: ['x'] }], variation: 0 }] }],
    ['regex that does not compile', { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'matches', values: ['('] }], variation: 0 }] }],
    ['catastrophic regex', { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'matches', values: ['(a+)+$'] }], variation: 0 }] }],
    ['unparseable date value', { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'before', values: ['yesterday'] }], variation: 0 }] }],
    [
      'unparseable semver value',
      { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'semVerEqual', values: ['v1.0.0'] }], variation: 0 }] },
    ],
    [
      'string value for a numeric operator',
      { rules: [{ id: 'r', clauses: [{ attribute: 'a', op: 'lessThan', values: ['5'] }], variation: 0 }] },
    ],
    ['rule without id', { rules: [{ clauses: [], variation: 0 }] }],
    ['rules not an array', { rules: 'nope' }],
    ['on not a boolean', { on: 'yes' }],
    ['salt not a string', { salt: 5 }],
  ];

  it.each(cases)('%s', (_name, overrides) => {
    const snap = snapshot([flag('f', overrides as never)]);
    expect(evaluate(snap, 'f', user, true)).toEqual({
      value: true,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    });
  });

  it('a malformed flag is malformed for every context, even when the bad piece would not be reached', () => {
    const snap = snapshot([flag('f', { on: false, rules: [{ id: 'r', clauses: [], variation: 9 }] })]);
    expect(evaluate(snap, 'f', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });

  it('a flag stored under another key is malformed', () => {
    const snap: Snapshot = { environment: 'e', version: 1, flags: { f: flag('g') }, segments: {} };
    expect(evaluate(snap, 'f', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });

  it('a flag that is not an object is malformed, others are unaffected', () => {
    const snap = { environment: 'e', version: 1, flags: { f: 'garbage', g: flag('g') }, segments: {} } as unknown as Snapshot;
    expect(evaluate(snap, 'f', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
    expect(evaluate(snap, 'g', user, false).value).toBe(true);
  });

  it('prepared snapshots explain why a flag is malformed', () => {
    const p = prepareSnapshot(snapshot([flag('f', { offVariation: 7 })]));
    expect(p.malformedReason('f')).toMatch(/offVariation 7 out of range/);
  });
});

describe('evaluate: prerequisites', () => {
  const parent = (overrides = {}) => flag('parent', { kind: 'string', variations: ['a', 'b'], offVariation: 1, ...overrides });
  const child = flag('child', { prerequisites: [{ key: 'parent', variation: 0 }], offVariation: 1 });

  it('when every prerequisite is on and serves the required variation, evaluation continues', () => {
    expect(evaluate(snapshot([parent(), child]), 'child', user, false)).toEqual({
      value: true,
      variationIndex: 0,
      reason: { kind: 'FALLTHROUGH' },
    });
  });

  it('a prerequisite that serves another variation fails: off variation with PREREQUISITE_FAILED', () => {
    const snap = snapshot([parent({ fallthrough: { variation: 1 } }), child]);
    expect(evaluate(snap, 'child', user, true)).toEqual({
      value: false,
      variationIndex: 1,
      reason: { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'parent' },
    });
  });

  it('a prerequisite that is off fails, even if its off variation is the required one', () => {
    const snap = snapshot([parent({ on: false, offVariation: 0 }), child]);
    expect(evaluate(snap, 'child', user, true).reason).toEqual({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'parent' });
  });

  it('a prerequisite that does not exist fails', () => {
    expect(evaluate(snapshot([child]), 'child', user, true).reason).toEqual({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'parent' });
  });

  it('a malformed prerequisite fails', () => {
    expect(evaluate(snapshot([parent({ offVariation: 9 }), child]), 'child', user, true).reason).toEqual({
      kind: 'PREREQUISITE_FAILED',
      prerequisiteKey: 'parent',
    });
  });

  it('a prerequisite is evaluated for the same context (targets, rules and its own prerequisites)', () => {
    const snap = snapshot([parent({ fallthrough: { variation: 1 }, targets: [{ variation: 0, values: ['user-1'] }] }), child]);
    expect(evaluate(snap, 'child', user, false).value).toBe(true);
    expect(evaluate(snap, 'child', { key: 'user-2' }, true).reason.kind).toBe('PREREQUISITE_FAILED');
    const grand = flag('grand', { prerequisites: [{ key: 'child', variation: 0 }] });
    expect(evaluate(snap, 'child', user, false).value).toBe(true);
    expect(evaluate(snapshot([parent({ fallthrough: { variation: 1 } }), child, grand]), 'grand', user, true).reason).toEqual({
      kind: 'PREREQUISITE_FAILED',
      prerequisiteKey: 'child',
    });
  });

  it('prerequisites are checked in order and the first failure is reported', () => {
    const snap = snapshot([
      flag('p1', { fallthrough: { variation: 1 } }),
      flag('p2', { fallthrough: { variation: 1 } }),
      flag('c', {
        prerequisites: [
          { key: 'p1', variation: 0 },
          { key: 'p2', variation: 0 },
        ],
      }),
    ]);
    expect(evaluate(snap, 'c', user, true).reason).toEqual({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'p1' });
  });

  it('prerequisites come before targets', () => {
    const snap = snapshot([
      flag('c', { prerequisites: [{ key: 'missing', variation: 0 }], targets: [{ variation: 0, values: ['user-1'] }] }),
    ]);
    expect(evaluate(snap, 'c', user, true).reason.kind).toBe('PREREQUISITE_FAILED');
  });

  it('an off flag does not look at its prerequisites', () => {
    const snap = snapshot([flag('c', { on: false, prerequisites: [{ key: 'missing', variation: 0 }] })]);
    expect(evaluate(snap, 'c', user, true).reason).toEqual({ kind: 'OFF' });
  });

  it('a flag that is its own prerequisite is MALFORMED_FLAG', () => {
    const snap = snapshot([flag('f', { prerequisites: [{ key: 'f', variation: 0 }] })]);
    expect(evaluate(snap, 'f', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });

  it('flags on a prerequisite cycle are MALFORMED_FLAG; a flag depending on the cycle fails its prerequisite', () => {
    const snap = snapshot([
      flag('a', { prerequisites: [{ key: 'b', variation: 0 }] }),
      flag('b', { prerequisites: [{ key: 'c', variation: 0 }] }),
      flag('c', { prerequisites: [{ key: 'a', variation: 0 }] }),
      flag('d', { prerequisites: [{ key: 'a', variation: 0 }] }),
    ]);
    for (const k of ['a', 'b', 'c']) expect(evaluate(snap, k, user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
    expect(evaluate(snap, 'd', user, true).reason).toEqual({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'a' });
  });

  it('a served off variation whose value does not fit the kind is MALFORMED_FLAG on prerequisite failure too', () => {
    const snap = snapshot([flag('c', { variations: [true, 3] as unknown[], prerequisites: [{ key: 'missing', variation: 0 }] })]);
    expect(evaluate(snap, 'c', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });
});

describe('evaluate: results and robustness', () => {
  it('never throws: an exception inside evaluation gives ERROR/EXCEPTION with the default', () => {
    const snap = snapshot([ruleFlag({ attribute: 'boom', op: 'in', values: ['x'] })]);
    const ctx = {
      key: 'k',
      get boom(): string {
        throw new Error('getter');
      },
    };
    expect(evaluate(snap, 'f', ctx, false)).toEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'EXCEPTION' },
    });
    expect(isEnabled(snap, 'f', ctx)).toBe(false);
  });

  it('never throws for a snapshot that is not an object', () => {
    expect(evaluate(null as unknown as Snapshot, 'f', user, 1).reason).toEqual({ kind: 'ERROR', errorKind: 'EXCEPTION' });
    expect(evaluate({} as Snapshot, 'f', user, 1).reason).toEqual({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' });
  });

  it('successful results are frozen and shared; json values are frozen copies of the snapshot values', () => {
    const value = { colour: 'blue', sizes: [1, 2] };
    const snap = snapshot([flag('f', { kind: 'json', variations: [value, null] })]);
    const d1 = evaluate(snap, 'f', user, null);
    const d2 = evaluate(snap, 'f', { key: 'other' }, null);
    expect(d1).toBe(d2);
    expect(Object.isFrozen(d1)).toBe(true);
    expect(Object.isFrozen(d1.value)).toBe(true);
    expect(Object.isFrozen((d1.value as unknown as typeof value).sizes)).toBe(true);
    expect(d1.value).toEqual(value);
    expect(Object.isFrozen(value)).toBe(false);
  });

  it('accepts a plain snapshot and caches its preparation per snapshot object', () => {
    const snap = snapshot([flag('f')]);
    expect(evaluate(snap, 'f', user, false)).toBe(evaluate(snap, 'f', user, false));
    const copy = structuredClone(snap);
    expect(evaluate(copy, 'f', user, false)).not.toBe(evaluate(snap, 'f', user, false));
    expect(evaluate(copy, 'f', user, false)).toEqual(evaluate(snap, 'f', user, false));
  });

  it('gives the same results for a plain and a prepared snapshot', () => {
    const snap = snapshot([flag('f', { targets: [{ variation: 1, values: ['user-1'] }] })]);
    const p = prepareSnapshot(snap);
    for (const ctx of [user, { key: 'x' }, {}]) expect(evaluate(p, 'f', ctx, true)).toEqual(evaluate(snap, 'f', ctx, true));
  });

  it('prepared snapshots expose environment, version and flag keys', () => {
    const p = prepareSnapshot(snapshot([flag('a'), flag('b')]));
    expect([p.environment, p.version, p.flagKeys()]).toEqual(['test', 1, ['a', 'b']]);
  });
});

describe('isEnabled', () => {
  const snap = snapshot([
    flag('on'),
    flag('off', { on: false }),
    flag('false', { fallthrough: { variation: 1 } }),
    flag('string', { kind: 'string', variations: ['true', 'false'] }),
    flag('json', { kind: 'json', variations: [true, false] }),
    flag('malformed', { offVariation: 5 }),
  ]);

  it('is true only for a boolean flag that evaluates to true', () => {
    expect(isEnabled(snap, 'on', user)).toBe(true);
    expect(isEnabled(prepareSnapshot(snap), 'on', user)).toBe(true);
  });

  it.each(['off', 'false', 'string', 'json', 'malformed', 'unknown'])('is false for %s', (key) => {
    expect(isEnabled(snap, key, user)).toBe(false);
  });

  it('is false without a context key', () => {
    expect(isEnabled(snap, 'on', {})).toBe(false);
  });

  it('agrees with evaluate(..., false).value for every flag but a json flag serving true', () => {
    for (const key of ['on', 'off', 'false', 'string', 'malformed', 'unknown']) {
      expect(isEnabled(snap, key, user)).toBe(evaluate(snap, key, user, false).value === true);
    }
  });
});

describe('allFlags', () => {
  const snap = snapshot([
    flag('a', { clientSideAvailable: true }),
    flag('b', { kind: 'string', variations: ['x', 'y'], fallthrough: { variation: 1 } }),
    flag('c', { offVariation: 9, clientSideAvailable: true }),
  ]);

  it('evaluates every flag with a null default', () => {
    expect(allFlags(snap, user)).toEqual({
      a: { value: true, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } },
      b: { value: 'y', variationIndex: 1, reason: { kind: 'FALLTHROUGH' } },
      c: { value: null, variationIndex: null, reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' } },
    });
  });

  it('can be restricted to client-side-available flags', () => {
    expect(Object.keys(allFlags(prepareSnapshot(snap), user, { clientSideOnly: true }))).toEqual(['a', 'c']);
  });

  it('reports USER_NOT_SPECIFIED for every flag when the key is missing', () => {
    for (const d of Object.values(allFlags(snap, {}))) expect(d.reason).toEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' });
  });

  it('handles a flag named __proto__ as an ordinary key', () => {
    const raw = JSON.parse(`{"environment":"e","version":1,"flags":{"__proto__":${JSON.stringify(flag('__proto__'))}},"segments":{}}`);
    const out = allFlags(raw, user);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('an unknown segment in one flag does not disturb the others', () => {
    const s = snapshot([ruleFlag({ attribute: '', op: 'segmentMatch', values: ['ghost'] }), flag('g')], [segment('real')]);
    expect(allFlags(s, user).f!.reason.kind).toBe('FALLTHROUGH');
  });
});
