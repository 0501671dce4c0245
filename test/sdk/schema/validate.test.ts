/**
 * Specification of the cross-reference validators used by the admin API.
 */

import {
  type FlagConfig,
  type Prerequisite,
  type SegmentRule,
  type Snapshot,
  validateFlagConfig,
  validateSegment,
  validateSnapshot,
} from '@switchyard/sdk/schema';
import { describe, expect, it } from 'vitest';

const base: FlagConfig = { on: true, offVariation: 0, fallthrough: { variation: 1 }, targets: [], rules: [], prerequisites: [] };

function ctx(prereqs: Record<string, Prerequisite[]> = {}, segments: string[] = ['beta']) {
  return {
    variationCount: 2,
    segmentKeys: new Set(segments),
    flagKey: 'f',
    prerequisitesOf: (k: string) => prereqs[k],
  };
}

const paths = (problems: { path: (string | number)[] }[]) => problems.map((p) => p.path.join('.'));

describe('validateFlagConfig', () => {
  it('a valid configuration has no problems', () => {
    expect(validateFlagConfig(base, ctx())).toEqual([]);
  });

  it('reports every variation index out of range with its path', () => {
    const config: FlagConfig = {
      ...base,
      offVariation: 2,
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 50000 },
            { variation: 3, weight: 50000 },
          ],
        },
      },
      targets: [{ variation: 2, values: ['u'] }],
      rules: [
        { id: 'a', clauses: [], variation: 5 },
        { id: 'b', clauses: [], rollout: { variations: [{ variation: 9, weight: 100000 }] } },
      ],
    };
    const problems = validateFlagConfig(config, ctx());
    expect(paths(problems)).toEqual([
      'offVariation',
      'fallthrough.rollout.variations.1.variation',
      'targets.0.variation',
      'rules.0.variation',
      'rules.1.rollout.variations.0.variation',
    ]);
    expect(problems[0]!.message).toBe('variation 2 does not exist (the flag has 2 variations, indices 0..1)');
  });

  it('reports unknown segments in segmentMatch clauses', () => {
    const config: FlagConfig = {
      ...base,
      rules: [{ id: 'r', clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta', 'ghost'] }], variation: 0 }],
    };
    const problems = validateFlagConfig(config, ctx());
    expect(problems).toEqual([{ path: ['rules', 0, 'clauses', 0, 'values', 1], message: 'unknown segment "ghost"' }]);
  });

  it('reports unknown, self and duplicate prerequisites', () => {
    const config: FlagConfig = {
      ...base,
      prerequisites: [
        { key: 'ghost', variation: 0 },
        { key: 'f', variation: 0 },
        { key: 'p', variation: 0 },
        { key: 'p', variation: 1 },
      ],
    };
    const problems = validateFlagConfig(config, ctx({ p: [] }));
    expect(problems.map((p) => [p.path.join('.'), p.message])).toEqual([
      ['prerequisites.0.key', 'unknown flag "ghost"'],
      ['prerequisites.1.key', 'a flag cannot be its own prerequisite'],
      ['prerequisites.3.key', 'prerequisite "p" is listed twice'],
    ]);
  });

  it('reports a prerequisite cycle through other flags', () => {
    const config: FlagConfig = { ...base, prerequisites: [{ key: 'a', variation: 0 }] };
    const problems = validateFlagConfig(config, ctx({ a: [{ key: 'b', variation: 0 }], b: [{ key: 'f', variation: 1 }] }));
    expect(problems).toEqual([{ path: ['prerequisites', 0, 'key'], message: 'prerequisite cycle: f -> a -> b -> f' }]);
  });

  it('reports an existing cycle reachable through a prerequisite', () => {
    const config: FlagConfig = { ...base, prerequisites: [{ key: 'a', variation: 0 }] };
    const problems = validateFlagConfig(config, ctx({ a: [{ key: 'b', variation: 0 }], b: [{ key: 'a', variation: 0 }] }));
    expect(problems).toEqual([{ path: ['prerequisites', 0, 'key'], message: 'prerequisite cycle: f -> a -> b -> a' }]);
  });

  it('checks a prerequisite variation against the prerequisite flag when variationCountOf is given', () => {
    const config: FlagConfig = { ...base, prerequisites: [{ key: 'a', variation: 3 }] };
    expect(validateFlagConfig(config, ctx({ a: [] }))).toEqual([]);
    expect(paths(validateFlagConfig(config, { ...ctx({ a: [] }), variationCountOf: () => 3 }))).toEqual(['prerequisites.0.variation']);
  });

  it('reports a context key listed in two targets, or twice in one', () => {
    const config: FlagConfig = {
      ...base,
      targets: [
        { variation: 0, values: ['u1', 'u2', 'u1'] },
        { variation: 1, values: ['u2'] },
      ],
    };
    const problems = validateFlagConfig(config, ctx());
    expect(problems.map((p) => [p.path.join('.'), p.message])).toEqual([
      ['targets.0.values.2', 'context key "u1" is listed twice in this target'],
      ['targets.1.values.0', 'context key "u2" is already targeted by targets[0]'],
    ]);
  });
});

describe('validateSegment', () => {
  const ref = (...keys: string[]): SegmentRule => ({ clauses: [{ attribute: '', op: 'segmentMatch', values: keys }] });
  const sctx = (rules: Record<string, SegmentRule[]>) => ({
    segmentKeys: new Set(['s', ...Object.keys(rules)]),
    segmentKey: 's',
    rulesOf: (k: string) => rules[k],
  });

  it('a segment without references, or with references to acyclic segments, has no problems', () => {
    expect(validateSegment({ rules: [{ clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }] }] }, sctx({}))).toEqual([]);
    expect(validateSegment({ rules: [ref('a')] }, sctx({ a: [ref('b')], b: [] }))).toEqual([]);
  });

  it('reports unknown segments and self references', () => {
    expect(validateSegment({ rules: [ref('ghost', 's')] }, sctx({}))).toEqual([
      { path: ['rules', 0, 'clauses', 0, 'values', 0], message: 'unknown segment "ghost"' },
      { path: ['rules', 0, 'clauses', 0, 'values', 1], message: 'a segment cannot refer to itself' },
    ]);
  });

  it('reports cycles through other segments', () => {
    expect(validateSegment({ rules: [ref('a')] }, sctx({ a: [ref('b')], b: [ref('s')] }))).toEqual([
      { path: ['rules', 0, 'clauses', 0, 'values', 0], message: 'segment cycle: s -> a -> b -> s' },
    ]);
  });
});

describe('validateSnapshot', () => {
  it('reports cross-reference problems of every flag and segment, with full paths', () => {
    const snapshot: Snapshot = {
      environment: 'e',
      version: 1,
      flags: {
        f: {
          ...base,
          key: 'f',
          kind: 'boolean',
          variations: [true, false],
          salt: 's',
          version: 1,
          clientSideAvailable: false,
          prerequisites: [{ key: 'g', variation: 0 }],
        },
      },
      segments: {
        s: {
          key: 's',
          included: [],
          excluded: [],
          rules: [{ clauses: [{ attribute: '', op: 'segmentMatch', values: ['s'] }] }],
          version: 1,
        },
      },
    };
    expect(paths(validateSnapshot(snapshot))).toEqual(['flags.f.prerequisites.0.key', 'segments.s.rules.0.clauses.0.values.0']);
  });
});
