/**
 * Specification of the zod schemas: what they accept, what they refuse and where (issue paths).
 */

import {
  ClauseSchema,
  ContextSchema,
  type FlagConfig,
  FlagConfigSchema,
  type FlagDefinition,
  FlagDefinitionSchema,
  FlagKindSchema,
  KeySchema,
  LIMITS,
  OperatorSchema,
  PrerequisiteSchema,
  RolloutSchema,
  RuleSchema,
  SegmentDefinitionSchema,
  SegmentRuleSchema,
  SnapshotSchema,
  TargetSchema,
  VariationOrRolloutSchema,
} from '@switchyard/sdk/schema';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

/** The issues of a failed parse as [path, message]. */
function issues(schema: z.ZodType, value: unknown): [(string | number)[], string][] {
  const r = schema.safeParse(value);
  if (r.success) return [];
  return r.error.issues.map((i) => [i.path as (string | number)[], i.message]);
}

function paths(schema: z.ZodType, value: unknown): string[] {
  return issues(schema, value).map(([p]) => p.join('.'));
}

const config: FlagConfig = {
  on: true,
  offVariation: 1,
  fallthrough: {
    rollout: {
      variations: [
        { variation: 0, weight: 25000 },
        { variation: 1, weight: 75000 },
      ],
      bucketBy: 'org',
      seed: 4,
    },
  },
  targets: [{ variation: 0, values: ['u1', 'u2'] }],
  rules: [
    { id: 'r1', description: 'staff', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 },
    {
      id: 'r2',
      clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta'], negate: true }],
      rollout: { variations: [{ variation: 1, weight: 100000 }] },
    },
    {
      id: 'r3',
      clauses: [
        { attribute: 'v', op: 'semVerLessThan', values: ['2.0'] },
        { attribute: 'at', op: 'after', values: ['2024-01-01T00:00:00Z', 0] },
      ],
      variation: 1,
    },
  ],
  prerequisites: [{ key: 'other', variation: 0 }],
};

const definition: FlagDefinition = {
  ...config,
  key: 'f',
  kind: 'boolean',
  variations: [true, false],
  salt: 's',
  version: 3,
  clientSideAvailable: true,
};

describe('valid definitions pass', () => {
  it('a full flag configuration', () => {
    expect(FlagConfigSchema.parse(config)).toEqual(config);
  });

  it('a flag definition and a snapshot', () => {
    expect(FlagDefinitionSchema.parse(definition)).toEqual(definition);
    const snapshot = {
      environment: 'production',
      version: 12,
      flags: { f: definition },
      segments: {
        beta: {
          key: 'beta',
          included: ['u1'],
          excluded: [],
          rules: [{ id: 'x', clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }] }],
          version: 1,
        },
      },
    };
    expect(SnapshotSchema.parse(snapshot)).toEqual(snapshot);
  });

  it('json flags take any JSON variations; number flags take numbers', () => {
    expect(FlagDefinitionSchema.safeParse({ ...definition, kind: 'json', variations: [{ a: [1, null] }, 'x', 3, null] }).success).toBe(
      true,
    );
    expect(FlagDefinitionSchema.safeParse({ ...definition, kind: 'number', variations: [1.5, -2] }).success).toBe(true);
  });

  it('every operator with a valid value', () => {
    const values: Record<string, (string | number | boolean)[]> = {
      in: ['a', 1, true],
      startsWith: ['a'],
      endsWith: ['a'],
      contains: ['a'],
      matches: ['^a+$'],
      lessThan: [1],
      lessThanOrEqual: [1],
      greaterThan: [1],
      greaterThanOrEqual: [1],
      before: ['2024-01-01', 1700000000000],
      after: ['2024-01-01T10:00:00+02:00'],
      semVerEqual: ['1.2.3'],
      semVerLessThan: ['1'],
      semVerGreaterThan: ['1.2-beta.1'],
      segmentMatch: ['seg'],
    };
    for (const op of OperatorSchema.options) expect(issues(ClauseSchema, { attribute: 'a', op, values: values[op] })).toEqual([]);
  });

  it('a context with a key and typed attributes', () => {
    expect(ContextSchema.safeParse({ key: 'u', email: 'a@b.c', age: 3, beta: true, groups: ['a', 1, false] }).success).toBe(true);
  });

  it('the recommended key format', () => {
    expect(KeySchema.safeParse('new-checkout_v2.1').success).toBe(true);
    expect(KeySchema.safeParse('-bad').success).toBe(false);
    expect(KeySchema.safeParse('has space').success).toBe(false);
  });
});

describe('refusals, with paths', () => {
  it('unknown fields (schemas are strict)', () => {
    expect(paths(FlagConfigSchema, { ...config, extra: 1 })).toEqual(['']);
    expect(issues(FlagConfigSchema, { ...config, extra: 1 })[0]![1]).toMatch(/extra/);
    expect(paths(ClauseSchema, { attribute: 'a', op: 'in', values: ['x'], negated: true })).toEqual(['']);
    expect(paths(TargetSchema, { variation: 0, values: [], x: 1 })).toEqual(['']);
    expect(paths(FlagDefinitionSchema, { ...definition, extra: 1 })).toEqual(['']);
  });

  it('an unknown operator', () => {
    const r = issues(ClauseSchema, { attribute: 'a', op: 'like', values: ['x'] });
    expect(r.map(([p]) => p)).toEqual([['op']]);
    expect(r[0]![1]).toMatch(/unknown operator "like"/);
  });

  it('weights that do not sum to 100000', () => {
    const r = issues(RolloutSchema, {
      variations: [
        { variation: 0, weight: 50000 },
        { variation: 1, weight: 40000 },
      ],
    });
    expect(r).toEqual([[['variations'], 'weights must sum to 100000 (100%), got 90000']]);
  });

  it('a negative weight, with the path of the weight', () => {
    expect(
      paths(FlagConfigSchema, {
        ...config,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: -1 },
              { variation: 1, weight: 100001 },
            ],
          },
        },
      }),
    ).toEqual(expect.arrayContaining(['fallthrough.rollout.variations.0.weight']));
  });

  it('an empty rollout and a repeated rollout variation', () => {
    expect(paths(RolloutSchema, { variations: [] })).toEqual(['variations']);
    expect(
      paths(RolloutSchema, {
        variations: [
          { variation: 0, weight: 50000 },
          { variation: 0, weight: 50000 },
        ],
      }),
    ).toEqual(['variations.1.variation']);
  });

  it('duplicate rule ids', () => {
    const rules = [config.rules[0]!, { ...config.rules[1]!, id: 'r1' }];
    const r = issues(FlagConfigSchema, { ...config, rules });
    expect(r.map(([p]) => p.join('.'))).toEqual(['rules.1.id']);
    expect(r[0]![1]).toMatch(/duplicate rule id "r1"/);
  });

  it('a rule or fallthrough with both or neither of variation and rollout', () => {
    expect(paths(RuleSchema, { id: 'r', clauses: [] })).toEqual(['']);
    expect(paths(RuleSchema, { id: 'r', clauses: [], variation: 0, rollout: { variations: [{ variation: 0, weight: 100000 }] } })).toEqual([
      'rollout',
    ]);
    expect(paths(VariationOrRolloutSchema, {})).toEqual(['']);
  });

  it('a rule without an id', () => {
    expect(paths(RuleSchema, { clauses: [], variation: 0 })).toEqual(['id']);
  });

  it.each([
    ['(a+)+', /nested quantifiers/],
    ['(a*)*', /nested quantifiers/],
    ['(a|a)*', /alternation/],
    ['(x)\\1', /backreferences/],
    ['([', /does not compile/],
    ['a'.repeat(LIMITS.maxRegexLength + 1), /longer than 500/],
  ])('a matches pattern %j', (pattern, message) => {
    const r = issues(ClauseSchema, { attribute: 'a', op: 'matches', values: ['ok', pattern] });
    expect(r.map(([p]) => p)).toEqual([['values', 1]]);
    expect(r[0]![1]).toMatch(message);
  });

  it.each([
    ['before', 'next tuesday'],
    ['after', '2024-01-01T00:00:00'],
    ['before', true],
    ['semVerEqual', 'v1.0.0'],
    ['semVerLessThan', '1.0.0.0'],
    ['semVerGreaterThan', 3],
    ['lessThan', '5'],
    ['startsWith', 5],
    ['segmentMatch', ''],
  ])('%s with the value %j', (op, value) => {
    expect(paths(ClauseSchema, { attribute: 'a', op, values: [value] })).toEqual(['values.0']);
  });

  it('a clause without values, or without an attribute (except segmentMatch)', () => {
    expect(paths(ClauseSchema, { attribute: 'a', op: 'in', values: [] })).toEqual(['values']);
    expect(paths(ClauseSchema, { attribute: '', op: 'in', values: ['x'] })).toEqual(['attribute']);
    expect(paths(ClauseSchema, { attribute: '', op: 'segmentMatch', values: ['s'] })).toEqual([]);
  });

  it('clause values that are not strings, finite numbers or booleans', () => {
    expect(paths(ClauseSchema, { attribute: 'a', op: 'in', values: [null] })).toEqual(['values.0']);
    expect(paths(ClauseSchema, { attribute: 'a', op: 'in', values: [Number.POSITIVE_INFINITY] })).toEqual(['values.0']);
  });

  it('negative or fractional variation indices', () => {
    expect(paths(FlagConfigSchema, { ...config, offVariation: -1 })).toEqual(['offVariation']);
    expect(paths(PrerequisiteSchema, { key: 'p', variation: 0.5 })).toEqual(['variation']);
  });

  it('size limits', () => {
    const many = Array.from({ length: LIMITS.maxRules + 1 }, (_, i) => ({ id: `r${i}`, clauses: [], variation: 0 }));
    expect(paths(FlagConfigSchema, { ...config, rules: many })).toEqual(['rules']);
    const clauses = Array.from({ length: LIMITS.maxClausesPerRule + 1 }, () => ({ attribute: 'a', op: 'in', values: ['x'] }));
    expect(paths(RuleSchema, { id: 'r', clauses, variation: 0 })).toEqual(['clauses']);
    const values = Array.from({ length: LIMITS.maxValuesPerClause + 1 }, (_, i) => `v${i}`);
    expect(paths(ClauseSchema, { attribute: 'a', op: 'in', values })).toEqual(['values']);
    const keys = Array.from({ length: 6000 }, (_, i) => `u${i}`);
    expect(
      paths(FlagConfigSchema, {
        ...config,
        targets: [
          { variation: 0, values: keys },
          { variation: 1, values: keys.map((k) => `x${k}`) },
        ],
      }),
    ).toEqual(['targets']);
    const variations = Array.from({ length: LIMITS.maxVariations + 1 }, (_, i) => i);
    expect(paths(FlagDefinitionSchema, { ...definition, kind: 'number', variations, offVariation: 0 })).toEqual(['variations']);
  });

  it('variations that do not fit the kind', () => {
    expect(paths(FlagDefinitionSchema, { ...definition, variations: [true, 'false'] })).toEqual(['variations.1']);
    expect(paths(FlagDefinitionSchema, { ...definition, kind: 'string', variations: ['a', 1] })).toEqual(['variations.1']);
  });

  it('an unknown kind', () => {
    expect(issues(FlagKindSchema, 'date')[0]![1]).toMatch(/unknown flag kind "date"/);
  });

  it('flag definitions check variation indices against their variations', () => {
    expect(paths(FlagDefinitionSchema, { ...definition, offVariation: 2, targets: [{ variation: 5, values: ['u'] }] })).toEqual([
      'offVariation',
      'targets.0.variation',
    ]);
    expect(
      paths(FlagDefinitionSchema, {
        ...definition,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 50000 },
              { variation: 2, weight: 50000 },
            ],
          },
        },
      }),
    ).toEqual(['fallthrough.rollout.variations.1.variation']);
  });

  it('a snapshot whose record key differs from the flag key', () => {
    expect(paths(SnapshotSchema, { environment: 'e', version: 1, flags: { g: definition }, segments: {} })).toEqual(['flags.g.key']);
  });

  it('segments: duplicate rule ids, unknown fields, bad clauses', () => {
    const seg = { key: 's', included: [], excluded: [], version: 1 };
    expect(
      paths(SegmentDefinitionSchema, {
        ...seg,
        rules: [
          { id: 'a', clauses: [] },
          { id: 'a', clauses: [] },
        ],
      }),
    ).toEqual(['rules.1.id']);
    expect(paths(SegmentDefinitionSchema, { ...seg, rules: [], extra: 1 })).toEqual(['']);
    expect(paths(SegmentRuleSchema, { clauses: [{ attribute: 'a', op: 'matches', values: ['(a+)+'] }] })).toEqual(['clauses.0.values.0']);
  });

  it('contexts: missing or empty key, bad attribute values', () => {
    expect(paths(ContextSchema, { email: 'x' })).toEqual(['key']);
    expect(paths(ContextSchema, { key: '' })).toEqual(['key']);
    expect(paths(ContextSchema, { key: 'u', nested: { a: 1 } })).toEqual(['nested']);
    expect(paths(ContextSchema, { key: 'u', list: [[1]] })).toEqual(['list']);
  });
});
