/**
 * Specification of segments: included, excluded (beats rules), rules (clauses AND-ed), nested
 * segments, cycles and unknown segments.
 */
import { describe, expect, it } from 'vitest';
import { type Clause, type Context, evaluate, type SegmentDefinition } from '../../../sdk/src/index.ts';
import { ruleFlag, segment, snapshot } from './helpers.ts';

function inSegment(segments: SegmentDefinition[], key: string, context: Context, negate = false): boolean {
  const clause: Clause = { attribute: '', op: 'segmentMatch', values: [key], negate };
  const d = evaluate(snapshot([ruleFlag(clause)], segments), 'f', context, false);
  if (d.reason.kind === 'ERROR') throw new Error(JSON.stringify(d.reason));
  return d.reason.kind === 'RULE_MATCH';
}

const proRule = { clauses: [{ attribute: 'plan', op: 'in' as const, values: ['pro'] }] };

describe('segments', () => {
  it('a context whose key is in included is in the segment', () => {
    expect(inSegment([segment('s', { included: ['u1'] })], 's', { key: 'u1' })).toBe(true);
    expect(inSegment([segment('s', { included: ['u1'] })], 's', { key: 'u2' })).toBe(false);
  });

  it('included beats excluded', () => {
    expect(inSegment([segment('s', { included: ['u1'], excluded: ['u1'] })], 's', { key: 'u1' })).toBe(true);
  });

  it('excluded beats rules', () => {
    const s = segment('s', { excluded: ['u1'], rules: [proRule] });
    expect(inSegment([s], 's', { key: 'u1', plan: 'pro' })).toBe(false);
    expect(inSegment([s], 's', { key: 'u2', plan: 'pro' })).toBe(true);
  });

  it('a context matching any segment rule is in the segment; clauses in a segment rule are AND-ed', () => {
    const s = segment('s', {
      rules: [
        {
          id: 'a',
          clauses: [
            { attribute: 'plan', op: 'in', values: ['pro'] },
            { attribute: 'country', op: 'in', values: ['NL'] },
          ],
        },
        { clauses: [{ attribute: 'beta', op: 'in', values: [true] }] },
      ],
    });
    expect(inSegment([s], 's', { key: 'k', plan: 'pro', country: 'NL' })).toBe(true);
    expect(inSegment([s], 's', { key: 'k', plan: 'pro', country: 'BE' })).toBe(false);
    expect(inSegment([s], 's', { key: 'k', beta: true })).toBe(true);
  });

  it('a segment rule with no clauses matches everyone', () => {
    expect(inSegment([segment('s', { rules: [{ clauses: [] }] })], 's', { key: 'anyone' })).toBe(true);
  });

  it('a segment with no included keys and no rules contains nobody', () => {
    expect(inSegment([segment('s')], 's', { key: 'k' })).toBe(false);
  });

  it('negated segmentMatch matches contexts outside the segment', () => {
    expect(inSegment([segment('s', { included: ['u1'] })], 's', { key: 'u2' }, true)).toBe(true);
    expect(inSegment([segment('s', { included: ['u1'] })], 's', { key: 'u1' }, true)).toBe(false);
  });

  it('a clause lists several segments: being in any of them matches', () => {
    const clause: Clause = { attribute: '', op: 'segmentMatch', values: ['a', 'b'] };
    const snap = snapshot([ruleFlag(clause)], [segment('a', { included: ['u1'] }), segment('b', { included: ['u2'] })]);
    expect(evaluate(snap, 'f', { key: 'u2' }, false).value).toBe(true);
    expect(evaluate(snap, 'f', { key: 'u3' }, false).value).toBe(false);
  });

  it('segment rules can refer to other segments (nested)', () => {
    const inner = segment('inner', { rules: [proRule] });
    const outer = segment('outer', { rules: [{ clauses: [{ attribute: '', op: 'segmentMatch', values: ['inner'] }] }] });
    expect(inSegment([inner, outer], 'outer', { key: 'k', plan: 'pro' })).toBe(true);
    expect(inSegment([inner, outer], 'outer', { key: 'k', plan: 'free' })).toBe(false);
  });

  it('an unknown segment contains nobody (so a negated clause on it matches)', () => {
    expect(inSegment([], 'ghost', { key: 'k' })).toBe(false);
    expect(inSegment([], 'ghost', { key: 'k' }, true)).toBe(true);
  });

  it('segmentMatch ignores the attribute and uses the context key', () => {
    const clause: Clause = { attribute: 'email', op: 'segmentMatch', values: ['s'] };
    const snap = snapshot([ruleFlag(clause)], [segment('s', { included: ['u1'] })]);
    expect(evaluate(snap, 'f', { key: 'u1', email: 'x' }, false).value).toBe(true);
  });

  describe('cycles', () => {
    const ref = (key: string, negate = false) => ({ clauses: [{ attribute: '', op: 'segmentMatch' as const, values: [key], negate }] });

    it('a segment referring to itself: the cyclic reference is false, nothing throws', () => {
      const s = segment('s', { rules: [ref('s'), proRule] });
      expect(inSegment([s], 's', { key: 'k', plan: 'pro' })).toBe(true);
      expect(inSegment([s], 's', { key: 'k', plan: 'free' })).toBe(false);
    });

    it('a cyclic reference is false even when negated', () => {
      const s = segment('s', { rules: [ref('s', true)] });
      expect(inSegment([s], 's', { key: 'k' })).toBe(false);
    });

    it('a cycle through several segments is caught; included keys still count', () => {
      const a = segment('a', { included: ['ia'], rules: [ref('b')] });
      const b = segment('b', { included: ['ib'], rules: [ref('c')] });
      const c = segment('c', { rules: [ref('a')] });
      expect(inSegment([a, b, c], 'a', { key: 'k' })).toBe(false);
      expect(inSegment([a, b, c], 'a', { key: 'ib' })).toBe(true);
      expect(inSegment([a, b, c], 'c', { key: 'ia' })).toBe(true);
    });

    it('evaluating after a cycle leaves no state behind', () => {
      const s = segment('s', { rules: [ref('s'), proRule] });
      for (let i = 0; i < 3; i++) expect(inSegment([s], 's', { key: 'k', plan: 'pro' })).toBe(true);
    });
  });

  describe('malformed segments', () => {
    it('a flag that can reach a segment with an invalid clause is MALFORMED_FLAG', () => {
      const bad = segment('bad', { rules: [{ clauses: [{ attribute: 'a', op: 'matches', values: ['(a*)*'] }] }] });
      const outer = segment('outer', { rules: [{ clauses: [{ attribute: '', op: 'segmentMatch', values: ['bad'] }] }] });
      const snap = snapshot([ruleFlag({ attribute: '', op: 'segmentMatch', values: ['outer'] })], [bad, outer]);
      expect(evaluate(snap, 'f', { key: 'k' }, false).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
    });

    it('a segment whose included list is not a list of strings is malformed', () => {
      const bad = { key: 'bad', included: [1], excluded: [], rules: [], version: 1 } as unknown as SegmentDefinition;
      const snap = snapshot([ruleFlag({ attribute: '', op: 'segmentMatch', values: ['bad'] })], [bad]);
      expect(evaluate(snap, 'f', { key: 'k' }, false).reason).toEqual({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' });
    });
  });
});
