import { describe, expect, it } from 'vitest';
import { changedFlagKeys } from '../../../sdk/src/client/changes.ts';
import { booleanFlag, segment, snapshotOf } from './protocol-server.ts';

const inSegment = (key: string, segmentKey: string, version = 1) =>
  booleanFlag(key, true, version, {
    rules: [{ id: 'r1', clauses: [{ attribute: '', op: 'segmentMatch', values: [segmentKey] }], variation: 1 }],
  });

describe('changedFlagKeys', () => {
  it('reports nothing when every flag and segment keeps its version', () => {
    const s = snapshotOf(4, [booleanFlag('a', true), inSegment('b', 'beta')], [segment('beta', ['u1'])]);
    expect(changedFlagKeys(s, { ...s, version: 9 })).toEqual([]);
  });

  it('reports flags added, removed and at a new version, and not the others', () => {
    const before = snapshotOf(1, [booleanFlag('kept', true), booleanFlag('gone', true), booleanFlag('edited', true, 1)]);
    const after = snapshotOf(2, [booleanFlag('kept', true), booleanFlag('edited', false, 2), booleanFlag('new', true)]);
    expect(changedFlagKeys(before, after)).toEqual(['edited', 'gone', 'new']);
  });

  it('reports the flags that use a changed, added or deleted segment', () => {
    const before = snapshotOf(
      1,
      [inSegment('uses-beta', 'beta'), inSegment('uses-gone', 'gone'), booleanFlag('plain', true)],
      [segment('beta', ['u1']), segment('gone', [])],
    );
    const after = snapshotOf(
      2,
      [inSegment('uses-beta', 'beta'), inSegment('uses-gone', 'gone'), booleanFlag('plain', true)],
      [segment('beta', ['u1', 'u2'], 2)],
    );
    expect(changedFlagKeys(before, after)).toEqual(['uses-beta', 'uses-gone']);
  });

  it('follows segments nested in segment rules and prerequisites, and terminates on cycles', () => {
    const outer = { ...segment('outer', []), rules: [{ clauses: [{ attribute: '', op: 'segmentMatch' as const, values: ['inner'] }] }] };
    const dependent = booleanFlag('dependent', true, 1, { prerequisites: [{ key: 'uses-outer', variation: 1 }] });
    const loopA = booleanFlag('loop-a', true, 1, { prerequisites: [{ key: 'loop-b', variation: 1 }] });
    const loopB = booleanFlag('loop-b', true, 1, { prerequisites: [{ key: 'loop-a', variation: 1 }] });
    const flags = [inSegment('uses-outer', 'outer'), dependent, loopA, loopB];
    const before = snapshotOf(1, flags, [segment('inner', ['u1']), outer]);
    const after = snapshotOf(2, flags, [segment('inner', ['u2'], 2), outer]);
    expect(changedFlagKeys(before, after)).toEqual(['dependent', 'uses-outer']);

    const loopB2 = { ...loopB, version: 2 };
    expect(changedFlagKeys(snapshotOf(1, [loopA, loopB]), snapshotOf(2, [loopA, loopB2]))).toEqual(['loop-a', 'loop-b']);
  });
});
