/**
 * prepareSnapshotFrom re-prepares only the flags a patch changed: the others keep their prepared
 * objects (and counts), and wherever reuse could evaluate differently from a full prepare it prepares
 * everything again. That it evaluates like a full prepare is prepare-from.property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type CountVisitor, harvestCounts } from '../../../sdk/src/engine/counters.ts';
import { evaluate, type PreparedSnapshot, prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import { prepareCountedSnapshot, prepareSnapshotFrom } from '../../../sdk/src/engine/prepare/snapshot.ts';
import { EvaluationCounters } from '../../../sdk/src/engine/prepared.ts';
import type { FlagDefinition, Snapshot } from '../../../sdk/src/model/index.ts';
import { flag, segment, snapshot } from './helpers.ts';

const inSegment = (key: string, segmentKey: string) =>
  flag(key, {
    rules: [{ id: 'r0', clauses: [{ attribute: '', op: 'segmentMatch', values: [segmentKey] }], variation: 0 }],
    fallthrough: { variation: 1 },
  });

/** `before` with flags and segments replaced (a definition) or removed (null), unchanged ones copied by reference. */
function patched(
  before: Snapshot,
  flags: Record<string, FlagDefinition | null>,
  segments: Record<string, ReturnType<typeof segment> | null> = {},
): Snapshot {
  const nextFlags = { ...before.flags };
  for (const [k, f] of Object.entries(flags)) {
    if (f) nextFlags[k] = f;
    else delete nextFlags[k];
  }
  const nextSegments = { ...before.segments };
  for (const [k, s] of Object.entries(segments)) {
    if (s) nextSegments[k] = s;
    else delete nextSegments[k];
  }
  return { ...before, version: before.version + 1, flags: nextFlags, segments: nextSegments };
}

/** How many prepared flags of `next` are the very objects of `previous`. */
function reusedCount(next: PreparedSnapshot, previous: PreparedSnapshot): number {
  let n = 0;
  for (const [k, f] of next.flags) if (previous.flags.get(k) === f) n++;
  return n;
}

const counters = () => new EvaluationCounters(() => {}, 100);

describe('prepareSnapshotFrom', () => {
  const many = snapshot(
    [...Array.from({ length: 199 }, (_, i) => flag(`plan-${i}`)), inSegment('beta-only', 'beta')],
    [segment('beta', { included: ['ana'] })],
  );

  it('re-prepares only the flag a patch changes: the other 199 are the same objects', () => {
    const prepared = prepareSnapshot(many);
    const next = patched(many, { 'plan-7': flag('plan-7', { version: 2, on: false }) });
    const result = prepareSnapshotFrom(next, { snapshot: many, prepared }, null);

    expect(reusedCount(result, prepared)).toBe(199);
    expect(result.flags.get('plan-7')).not.toBe(prepared.flags.get('plan-7'));
    expect(result.segments).toBe(prepared.segments);
    expect(result.flagKeys()).toEqual(prepared.flagKeys());
    expect(result.version).toBe(2);
    expect(evaluate(result, 'plan-7', { key: 'ana' }, null)).toMatchObject({ value: false, reason: { kind: 'OFF' } });
    expect(evaluate(result, 'beta-only', { key: 'ana' }, null)).toMatchObject({ value: true, reason: { kind: 'RULE_MATCH' } });
  });

  it('prepares an added flag against the reused segments, and drops a removed one', () => {
    const prepared = prepareSnapshot(many);
    const next = patched(many, { 'plan-0': null, 'also-beta': inSegment('also-beta', 'beta') });
    const result = prepareSnapshotFrom(next, { snapshot: many, prepared }, null);

    expect(reusedCount(result, prepared)).toBe(199);
    expect(result.flags.has('plan-0')).toBe(false);
    expect(evaluate(result, 'also-beta', { key: 'ana' }, null).reason).toEqual({ kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r0' });
    expect(evaluate(result, 'also-beta', { key: 'bo' }, null).reason).toEqual({ kind: 'FALLTHROUGH' });
  });

  it('reuses flags when a changed flag has prerequisites on unchanged ones, resolved to the reused flags', () => {
    const base = snapshot([flag('parent', { on: false }), flag('child')]);
    const prepared = prepareSnapshot(base);
    const next = patched(base, { child: flag('child', { version: 2, prerequisites: [{ key: 'parent', variation: 0 }] }) });
    const result = prepareSnapshotFrom(next, { snapshot: base, prepared }, null);

    expect(result.flags.get('parent')).toBe(prepared.flags.get('parent'));
    expect(result.flags.get('child')!.prerequisites[0]!.flag).toBe(prepared.flags.get('parent'));
    expect(evaluate(result, 'child', { key: 'ana' }, null).reason).toEqual({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'parent' });
  });

  describe('prepares everything again (reuses no flag) when', () => {
    const base = snapshot(
      [flag('a'), flag('b', { prerequisites: [{ key: 'a', variation: 0 }] }), inSegment('c', 'beta'), flag('d')],
      [segment('beta', { included: ['ana'] })],
    );
    const cases: [string, Snapshot][] = [
      ['a segment changes', patched(base, { d: flag('d', { version: 2 }) }, { beta: segment('beta', { included: ['bo'], version: 2 }) })],
      ['a segment is added', patched(base, { d: flag('d', { version: 2 }) }, { gamma: segment('gamma') })],
      ['a segment is removed', patched(base, { d: flag('d', { version: 2 }) }, { beta: null })],
      ['a flag has a prerequisite on a changed flag', patched(base, { a: flag('a', { version: 2, on: false }) })],
      ['a flag has a prerequisite on a removed flag', patched(base, { a: null })],
      [
        'a flag has a prerequisite on an added flag',
        patched(base, { d: flag('d', { prerequisites: [{ key: 'e', variation: 0 }] }), e: flag('e') }),
      ],
      [
        'a changed flag becomes its own prerequisite (a cycle)',
        patched(base, { d: flag('d', { prerequisites: [{ key: 'd', variation: 0 }] }) }),
      ],
    ];
    for (const [name, next] of cases) {
      it(name, () => {
        const prepared = prepareSnapshot(base);
        const result = prepareSnapshotFrom(next, { snapshot: base, prepared }, null);
        expect(reusedCount(result, prepared)).toBe(0);
        expect(result.segments).not.toBe(prepared.segments);
      });
    }

    it('a changed flag closes a prerequisite cycle with unchanged flags, which become malformed', () => {
      const prepared = prepareSnapshot(base);
      const next = patched(base, { a: flag('a', { prerequisites: [{ key: 'b', variation: 0 }] }) });
      const result = prepareSnapshotFrom(next, { snapshot: base, prepared }, null);
      expect(reusedCount(result, prepared)).toBe(0);
      expect(result.malformedReason('b')).toBe('prerequisite cycle');
    });

    it('counted rules follow uncounted ones, or the reverse', () => {
      const next = patched(base, { d: flag('d', { version: 2 }) });
      const uncounted = prepareSnapshot(base);
      const counted = prepareSnapshotFrom(next, { snapshot: base, prepared: uncounted }, counters());
      expect(reusedCount(counted, uncounted)).toBe(0);
      for (const f of counted.flags.values()) expect(f.counts).not.toBeNull();

      const wasCounted = prepareCountedSnapshot(base, counters());
      const notCounted = prepareSnapshotFrom(next, { snapshot: base, prepared: wasCounted }, null);
      expect(reusedCount(notCounted, wasCounted)).toBe(0);
      for (const f of notCounted.flags.values()) expect(f.counts).toBeNull();
    });

    it('the previous prepared rules lack an unchanged flag', () => {
      const other = prepareSnapshot(snapshot([flag('a')]));
      const result = prepareSnapshotFrom(patched(base, { d: flag('d', { version: 2 }) }), { snapshot: base, prepared: other }, null);
      expect(reusedCount(result, other)).toBe(0);
      expect(result.flagKeys()).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  it('keeps the counts of reused flags: counted before the patch, harvested once; after it, in the next harvest', () => {
    const base = snapshot([
      flag('a'),
      flag('b'),
      flag('c', { kind: 'string', variations: ['x', 'y', 'z'], fallthrough: { variation: 2 } }),
    ]);
    const previous = prepareCountedSnapshot(base, counters());
    const eval_ = (p: PreparedSnapshot, key: string, n: number) => {
      for (let i = 0; i < n; i++) evaluate(p, key, { key: `u${i}` }, null);
    };
    eval_(previous, 'a', 3);
    eval_(previous, 'b', 2);
    eval_(previous, 'c', 1);
    evaluate(previous, 'missing', { key: 'u' }, null);

    const next = prepareSnapshotFrom(
      patched(base, { b: flag('b', { version: 2, on: false }) }),
      { snapshot: base, prepared: previous },
      counters(),
    );
    expect(next.flags.get('a')).toBe(previous.flags.get('a'));
    // What the client's recorder does on adopt: harvest the replaced rules.
    const totals: Record<string, number> = {};
    const visit: CountVisitor = (flagKey, outcome, count) => {
      totals[`${flagKey}/${outcome}`] = (totals[`${flagKey}/${outcome}`] ?? 0) + count;
    };
    harvestCounts(previous, visit);
    expect(totals).toEqual({ 'a/0': 3, 'b/0': 2, 'c/2': 1, 'missing/FLAG_NOT_FOUND': 1 });

    eval_(next, 'a', 4);
    eval_(next, 'b', 5);
    evaluate(next, 'missing', { key: 'u' }, null);
    harvestCounts(next, visit);
    harvestCounts(next, visit);
    harvestCounts(previous, visit);
    expect(totals).toEqual({ 'a/0': 7, 'b/0': 2, 'b/1': 5, 'c/2': 1, 'missing/FLAG_NOT_FOUND': 2 });
  });
});
