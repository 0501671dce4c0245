/**
 * Specification of prepareSnapshot and immutability: inputs are never modified (they may be deeply
 * frozen), bad data never throws, and the prepared form evaluates like the plain one.
 */
import { describe, expect, it } from 'vitest';
import { allFlags, evaluate, isEnabled, isPreparedSnapshot, prepareSnapshot, type Snapshot } from '../../../sdk/src/index.ts';
import { deepFreeze, flag, segment, snapshot } from './helpers.ts';

function richSnapshot(): Snapshot {
  return snapshot(
    [
      flag('parent'),
      flag('f', {
        kind: 'json',
        variations: [{ a: 1 }, [1, 2], 'x'],
        offVariation: 2,
        prerequisites: [{ key: 'parent', variation: 0 }],
        targets: [{ variation: 1, values: ['t1', 't2'] }],
        rules: [
          { id: 'seg', clauses: [{ attribute: '', op: 'segmentMatch', values: ['s'] }], variation: 0 },
          {
            id: 're',
            clauses: [
              { attribute: 'email', op: 'matches', values: ['@corp\\.com$'] },
              { attribute: 'v', op: 'semVerGreaterThan', values: ['1.2'] },
            ],
            variation: 1,
          },
          {
            id: 'date',
            clauses: [{ attribute: 'joined', op: 'before', values: ['2020-01-01'] }],
            rollout: {
              variations: [
                { variation: 0, weight: 50000 },
                { variation: 1, weight: 50000 },
              ],
              bucketBy: 'org',
              seed: 3,
            },
          },
        ],
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 30000 },
              { variation: 2, weight: 70000 },
            ],
          },
        },
        clientSideAvailable: true,
      }),
    ],
    [segment('s', { included: ['i'], excluded: ['e'], rules: [{ clauses: [{ attribute: 'plan', op: 'in', values: ['pro', 5, true] }] }] })],
  );
}

const contexts = [
  { key: 't1' },
  { key: 'i' },
  { key: 'e', plan: 'pro' },
  { key: 'u', plan: 'pro' },
  { key: 'u2', email: 'x@corp.com', v: '1.3.0' },
  { key: 'u3', joined: '2019-05-05', org: 'acme' },
  { key: 'u4', groups: ['a', 'b'] },
  {},
];

describe('prepareSnapshot', () => {
  it('does not modify a deeply frozen snapshot or context, and evaluation works on them', () => {
    const raw = deepFreeze(richSnapshot());
    const before = JSON.stringify(raw);
    const p = prepareSnapshot(raw);
    for (const ctx of contexts.map((c) => deepFreeze(structuredClone(c)))) {
      expect(() => evaluate(p, 'f', ctx, null)).not.toThrow();
      expect(() => evaluate(raw, 'f', ctx, null)).not.toThrow();
      expect(() => isEnabled(raw, 'parent', ctx)).not.toThrow();
      expect(() => allFlags(raw, ctx)).not.toThrow();
      expect(evaluate(p, 'f', ctx, null).reason).not.toEqual({ kind: 'ERROR', errorKind: 'EXCEPTION' });
    }
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('does not modify (or freeze) an unfrozen snapshot', () => {
    const raw = richSnapshot();
    const before = structuredClone(raw);
    const p = prepareSnapshot(raw);
    for (const ctx of contexts) evaluate(p, 'f', ctx, null);
    expect(raw).toEqual(before);
    expect(Object.isFrozen(raw.flags.f!.variations[0])).toBe(false);
  });

  it('does not modify the context', () => {
    const ctx = { key: 'u3', joined: '2019-05-05', org: 'acme', tags: ['x'] };
    const copy = structuredClone(ctx);
    evaluate(richSnapshot(), 'f', ctx, null);
    expect(ctx).toEqual(copy);
  });

  it('evaluates like the plain snapshot for every context', () => {
    const raw = richSnapshot();
    const p = prepareSnapshot(raw);
    expect(isPreparedSnapshot(p)).toBe(true);
    expect(isPreparedSnapshot(raw)).toBe(false);
    for (const ctx of contexts) expect(evaluate(p, 'f', ctx, null)).toEqual(evaluate(structuredClone(raw), 'f', ctx, null));
  });

  it.each([
    ['null', null],
    ['a string', 'snapshot'],
    ['an empty object', {}],
    ['flags as an array', { flags: [], segments: [] }],
    ['flags with garbage entries', { flags: { a: null, b: 5, c: [], d: { key: 'd' } }, segments: { s: null } }],
  ])('never throws for %s', (_name, raw) => {
    expect(() => prepareSnapshot(raw as unknown as Snapshot)).not.toThrow();
    const p = prepareSnapshot(raw as unknown as Snapshot);
    for (const key of p.flagKeys())
      expect(evaluate(p, key, { key: 'k' }, 0).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });

  it('a flag whose reading throws (a hostile getter) is malformed, not a crash', () => {
    const hostile = { ...flag('f') };
    Object.defineProperty(hostile, 'rules', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const p = prepareSnapshot(snapshot([hostile]));
    expect(evaluate(p, 'f', { key: 'k' }, false).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
  });

  it('ignores unknown fields (forward compatibility)', () => {
    const raw = snapshot([{ ...flag('f'), futureField: 1 } as never]);
    expect(evaluate(raw, 'f', { key: 'k' }, false).value).toBe(true);
  });
});
