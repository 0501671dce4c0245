import type { FlagConfig } from '@switchyard/sdk/schema';
import { describe, expect, it } from 'vitest';
import { applyInstructions, describeInstruction, onlyToggles, variationProblems } from '../../../server/src/schedules/instructions.ts';
import { type ConfigInstruction, InstructionsSchema } from '../../../server/src/schedules/schemas.ts';

const rule = (id: string, variation = 0) => ({
  id,
  clauses: [{ attribute: 'email', op: 'endsWith' as const, values: ['@example.com'] }],
  variation,
});

const base: FlagConfig = {
  on: false,
  offVariation: 1,
  fallthrough: { variation: 1 },
  targets: [
    { variation: 0, values: ['alice', 'bob'] },
    { variation: 1, values: ['carol'] },
  ],
  rules: [rule('beta'), rule('internal', 1)],
  prerequisites: [],
};

const apply = (instructions: ConfigInstruction[], config = base) => applyInstructions(config, instructions, 2);

describe('scheduled instructions applied to a configuration', () => {
  it('applies each instruction in order, to a copy', () => {
    const result = apply([
      { kind: 'turnOn' },
      {
        kind: 'setFallthrough',
        rollout: {
          variations: [
            { variation: 0, weight: 50_000 },
            { variation: 1, weight: 50_000 },
          ],
        },
      },
      { kind: 'setOffVariation', variation: 0 },
      { kind: 'addTargets', variation: 0, values: ['dave', 'alice'] },
      { kind: 'addTargets', variation: 1, values: ['erin'] },
      { kind: 'removeTargets', variation: 1, values: ['carol'] },
      { kind: 'removeRule', ruleId: 'beta' },
      { kind: 'addRule', rule: rule('gamma') },
    ]);
    expect(result).toEqual({
      ok: true,
      changed: true,
      config: {
        on: true,
        offVariation: 0,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
        targets: [
          { variation: 0, values: ['alice', 'bob', 'dave'] },
          { variation: 1, values: ['erin'] },
        ],
        rules: [rule('internal', 1), rule('gamma')],
        prerequisites: [],
      },
    });
    expect(base.on).toBe(false);
    expect(base.targets[1]!.values).toEqual(['carol']);
  });

  it('drops a target left empty, and creates one for a variation that had none', () => {
    const result = apply([{ kind: 'removeTargets', variation: 1, values: ['carol'] }]);
    expect(result.ok && result.config.targets).toEqual([{ variation: 0, values: ['alice', 'bob'] }]);
    const added = apply([{ kind: 'addTargets', variation: 1, values: ['x'] }], { ...base, targets: [] });
    expect(added.ok && added.config.targets).toEqual([{ variation: 1, values: ['x'] }]);
  });

  it('replaces the rules as a whole', () => {
    const result = apply([{ kind: 'replaceRules', rules: [rule('only', 1)] }]);
    expect(result.ok && result.config.rules).toEqual([rule('only', 1)]);
  });

  it('says when the configuration already is as the instructions ask', () => {
    expect(apply([{ kind: 'turnOff' }, { kind: 'addTargets', variation: 0, values: ['alice'] }])).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(apply([{ kind: 'turnOn' }, { kind: 'turnOff' }])).toMatchObject({ ok: true, changed: false });
  });

  it('fails the whole list on an instruction that no longer makes sense, naming it', () => {
    expect(apply([{ kind: 'turnOn' }, { kind: 'removeRule', ruleId: 'gone' }])).toEqual({
      ok: false,
      problems: [{ path: ['instructions', 1, 'ruleId'], message: 'there is no rule with id "gone"' }],
    });
    expect(apply([{ kind: 'removeTargets', variation: 0, values: ['alice', 'carol'] }])).toEqual({
      ok: false,
      problems: [{ path: ['instructions', 0, 'values', 1], message: 'context key "carol" is not targeted with variation 0' }],
    });
    expect(apply([{ kind: 'addTargets', variation: 0, values: ['carol'] }])).toEqual({
      ok: false,
      problems: [{ path: ['instructions', 0, 'values', 0], message: 'context key "carol" is targeted with variation 1' }],
    });
    expect(apply([{ kind: 'addRule', rule: rule('beta') }])).toEqual({
      ok: false,
      problems: [{ path: ['instructions', 0, 'rule', 'id'], message: 'a rule with id "beta" already exists' }],
    });
  });

  it('refuses variations the flag does not have, and results the schema refuses', () => {
    expect(apply([{ kind: 'setOffVariation', variation: 2 }])).toMatchObject({
      ok: false,
      problems: [{ path: ['instructions', 0, 'variation'], message: expect.stringContaining('variation 2 does not exist') }],
    });
    const full = { ...base, rules: Array.from({ length: 200 }, (_, i) => rule(`r${i}`)) };
    expect(apply([{ kind: 'addRule', rule: rule('one-too-many') }], full)).toMatchObject({
      ok: false,
      problems: [{ path: ['configuration', 'rules'] }],
    });
  });

  it('finds out-of-range variations in every kind of instruction', () => {
    const problems = variationProblems(
      [
        { kind: 'setFallthrough', rollout: { variations: [{ variation: 3, weight: 100_000 }] } },
        { kind: 'addRule', rule: rule('r', 5) },
        { kind: 'replaceRules', rules: [rule('ok'), rule('bad', 2)] },
        { kind: 'startReleasePlan', plan: { stages: [], variation: 0, controlVariation: 7 } as never },
      ],
      2,
    );
    expect(problems.map((p) => p.path)).toEqual([
      ['instructions', 0, 'rollout', 'variations', 0, 'variation'],
      ['instructions', 1, 'rule', 'variation'],
      ['instructions', 2, 'rules', 1, 'variation'],
      ['instructions', 3, 'plan', 'controlVariation'],
    ]);
  });

  it('parses lists of 1 to 20 instructions, with a release plan start only last', () => {
    const start = { kind: 'startReleasePlan', plan: { stages: [{ percentage: 10, holdMinutes: 1 }] } };
    expect(InstructionsSchema.safeParse([{ kind: 'turnOn' }, start]).success).toBe(true);
    const misplaced = InstructionsSchema.safeParse([start, { kind: 'turnOn' }]);
    expect(misplaced.error?.issues.map((i) => i.path)).toEqual([[0, 'kind']]);
    expect(InstructionsSchema.safeParse([]).success).toBe(false);
    expect(InstructionsSchema.safeParse(Array.from({ length: 21 }, () => ({ kind: 'turnOn' }))).success).toBe(false);
    const both = InstructionsSchema.safeParse([
      { kind: 'setFallthrough', variation: 0, rollout: { variations: [{ variation: 0, weight: 100_000 }] } },
    ]);
    expect(both.success).toBe(false);
  });

  it('describes instructions in words, and tells a kill switch apart', () => {
    expect(
      describeInstruction({
        kind: 'setFallthrough',
        rollout: {
          variations: [
            { variation: 0, weight: 12_345 },
            { variation: 1, weight: 87_655 },
          ],
        },
      }),
    ).toBe('set the fallthrough to a rollout (variation 0: 12.345 %, variation 1: 87.655 %)');
    expect(describeInstruction({ kind: 'removeTargets', variation: 0, values: ['a', 'b'] })).toBe(
      'stop targeting 2 context keys "a", "b" with variation 0',
    );
    expect(onlyToggles([{ kind: 'turnOff' }, { kind: 'turnOn' }])).toBe(true);
    expect(onlyToggles([{ kind: 'turnOff' }, { kind: 'removeRule', ruleId: 'x' }])).toBe(false);
  });
});
