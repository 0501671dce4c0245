import { evaluate, type FlagConfig, type Snapshot } from '@switchyard/sdk';
import { describe, expect, it } from 'vitest';
import { ReleaseStageSchema } from '../../../server/src/releases/schemas.ts';
import { configForStage, mainFallthroughVariation, planRuleId, withoutGuard } from '../../../server/src/releases/stage-config.ts';

const PLAN = '00000000-0000-4000-8000-000000000001';
const stage = (percentage: number, segments: string[] = []) => ReleaseStageSchema.parse({ percentage, segments, holdMinutes: 1 });
const GUARDED = {
  variation: 0,
  controlVariation: 1,
  guard: {
    metrics: [
      {
        key: 'checkout-error',
        kind: 'binary' as const,
        direction: 'lower-is-better' as const,
        tolerance: { kind: 'absolute' as const, value: 0 },
        minimumContexts: 100,
      },
    ],
    onRegression: 'rollback' as const,
  },
};
type Stage = ReturnType<typeof stage>;
/** The configuration of the last of `stages`, the plan's stages so far. */
const at = (current: FlagConfig, ...stages: Stage[]) => configForStage(current, PLAN, { ...GUARDED, stages }, stages.length - 1);
const handWritten: FlagConfig = {
  on: true,
  offVariation: 1,
  fallthrough: { variation: 1 },
  targets: [{ variation: 0, values: ['qa-bot'] }],
  rules: [{ id: 'beta', clauses: [{ attribute: 'country', op: 'in', values: ['NL'] }], variation: 1 }],
  prerequisites: [],
};

/** Which of `keys` the configuration serves the new variation (0), through the engine SDKs run. */
function servedNew(config: FlagConfig, keys: string[]): Set<string> {
  const snapshot: Snapshot = {
    environment: 'production',
    version: 1,
    flags: {
      f: { ...config, key: 'f', kind: 'boolean', variations: [true, false], salt: 'salt-of-f', version: 1, clientSideAvailable: false },
    },
    segments: { 'internal-users': { key: 'internal-users', included: ['alice'], excluded: [], rules: [], version: 1 } },
  } as Snapshot;
  return new Set(keys.filter((key) => evaluate(snapshot, 'f', { key, country: 'DE' }, false).variationIndex === 0));
}

describe('a stage as a configuration', () => {
  it('puts the plan’s segment rule first and the rollout in the fallthrough, keeping everything else', () => {
    const config = at(handWritten, stage(5, ['internal-users']));
    expect(config.rules.map((r) => r.id)).toEqual([planRuleId(PLAN), 'beta']);
    expect(config.rules[0]).toMatchObject({ clauses: [{ op: 'segmentMatch', values: ['internal-users'] }], variation: 0 });
    expect(config.fallthrough).toEqual({
      rollout: {
        variations: [
          { variation: 0, weight: 5000 },
          { variation: 1, weight: 95000 },
        ],
      },
    });
    expect(config.targets).toEqual(handWritten.targets);
    expect(config.guardedMetrics).toEqual(['checkout-error']);
    const next = configForStage(config, PLAN, { ...GUARDED, stages: [stage(5), stage(50)] }, 1);
    expect(next.rules.map((r) => r.id)).toEqual(['beta']);
    expect(withoutGuard(next).guardedMetrics).toBeUndefined();
  });

  it('moves contexts only forward: whoever got the new variation at one stage keeps it at every later one', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    let previous = new Set<string>();
    const stages: Stage[] = [];
    for (const percentage of [0, 1, 5, 10, 25, 50, 99.999, 100]) {
      stages.push(stage(percentage));
      const now = servedNew(at(handWritten, ...stages), keys);
      for (const key of previous) expect(now.has(key), `${key} at ${percentage} %`).toBe(true);
      // Targets still win: qa-bot is not one of the keys; the share follows the percentage.
      expect(Math.abs(now.size / keys.length - percentage / 100)).toBeLessThan(0.02);
      previous = now;
    }
    expect(previous.size).toBe(keys.length);
  });

  it('serves the new variation to the stage’s segments at 0 %, and keeps serving them at every later stage', () => {
    const internal = stage(0, ['internal-users']);
    expect([...servedNew(at(handWritten, internal), ['alice', 'bob', 'carol'])]).toEqual(['alice']);
    const later = at(handWritten, internal, stage(1), stage(10));
    expect(later.rules[0]).toMatchObject({ clauses: [{ op: 'segmentMatch', values: ['internal-users'] }] });
    expect(servedNew(later, ['alice']).has('alice')).toBe(true);
  });

  it('takes the control variation from what the fallthrough serves most', () => {
    expect(mainFallthroughVariation(handWritten)).toBe(1);
    expect(
      mainFallthroughVariation({
        ...handWritten,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 30000 },
              { variation: 1, weight: 70000 },
            ],
          },
        },
      }),
    ).toBe(1);
  });
});
