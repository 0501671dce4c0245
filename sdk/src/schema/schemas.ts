/**
 * Zod schemas of flags, segments, snapshots and contexts: what the admin API accepts. They parse to
 * exactly the model's types (../model/; test/sdk/schema/model-types.test.ts checks it) and refuse what
 * the model's checks refuse (operators and the values each takes, variation values, limits).
 *
 * Every object schema is strict (unknown fields are refused). Limits come from LIMITS.
 * Cross-references (variation indices against the flag's variations, segment and prerequisite keys,
 * cycles) need context and are checked by validateFlagConfig / validateSegment in validate.ts, except
 * that FlagDefinitionSchema also checks variation indices against its own variations.
 */
import { z } from 'zod';
import {
  clauseValueProblem,
  FLAG_KINDS,
  LIMITS,
  OPERATORS,
  type Rule,
  TOTAL_WEIGHT,
  type VariationOrRollout,
  variationValueFitsKind,
} from '../model/index.ts';
import { METRICS_LIMITS } from '../model/metrics.ts';
import { EventKeySchema } from './metrics.ts';
import { variationIndexProblems } from './variation-indices.ts';

export const OperatorSchema = z.enum(OPERATORS, {
  error: (issue) => `unknown operator ${JSON.stringify(issue.input)}; expected one of: ${OPERATORS.join(', ')}`,
});

/** Recommended format for flag and segment keys (the snapshot schemas only bound their length). */
export const KeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxKeyLength, `must be at most ${LIMITS.maxKeyLength} characters`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-"');

const KeyRef = z.string().min(1, 'must not be empty').max(LIMITS.maxKeyLength, `must be at most ${LIMITS.maxKeyLength} characters`);

const ContextKeyRef = z
  .string()
  .min(1, 'a context key must not be empty')
  .max(LIMITS.maxContextKeyLength, `a context key must be at most ${LIMITS.maxContextKeyLength} characters`);

const VariationIndexSchema = z
  .number({ error: 'a variation index must be a number' })
  .int('a variation index must be an integer')
  .min(0, 'a variation index cannot be negative');

const ClauseValueSchema = z.union(
  [
    z.string().max(LIMITS.maxClauseValueLength, `a clause value must be at most ${LIMITS.maxClauseValueLength} characters`),
    z.number(),
    z.boolean(),
  ],
  { error: 'a clause value must be a string, a finite number or a boolean' },
);

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export const ClauseSchema = z
  .strictObject({
    attribute: z
      .string()
      .max(LIMITS.maxAttributeNameLength, `an attribute name must be at most ${LIMITS.maxAttributeNameLength} characters`),
    op: OperatorSchema,
    values: z
      .array(ClauseValueSchema)
      .min(1, 'a clause needs at least one value')
      .max(LIMITS.maxValuesPerClause, `a clause can have at most ${LIMITS.maxValuesPerClause} values`),
    negate: z.boolean().optional(),
  })
  .superRefine((clause, ctx) => {
    if (clause.op !== 'segmentMatch' && clause.attribute === '') {
      ctx.addIssue({ code: 'custom', path: ['attribute'], message: `${clause.op} needs an attribute name` });
    }
    clause.values.forEach((value, i) => {
      const problem = clauseValueProblem(clause.op, value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['values', i], message: problem });
    });
  });

export const WeightedVariationSchema = z.strictObject({
  variation: VariationIndexSchema,
  weight: z
    .number({ error: 'a weight must be a number' })
    .int('a weight must be an integer (thousandths of a percent)')
    .min(0, 'a weight cannot be negative')
    .max(TOTAL_WEIGHT, `a weight cannot exceed ${TOTAL_WEIGHT}`),
});

export const RolloutSchema = z
  .strictObject({
    variations: z
      .array(WeightedVariationSchema)
      .min(1, 'a rollout needs at least one variation')
      .max(LIMITS.maxVariations, `a rollout can have at most ${LIMITS.maxVariations} variations`),
    bucketBy: z.string().min(1, 'bucketBy must not be empty (omit it to bucket by key)').max(LIMITS.maxAttributeNameLength).optional(),
    seed: z.number().int('a seed must be an integer').optional(),
  })
  .superRefine((rollout, ctx) => {
    const sum = rollout.variations.reduce((s, v) => s + v.weight, 0);
    if (rollout.variations.length > 0 && sum !== TOTAL_WEIGHT) {
      ctx.addIssue({
        code: 'custom',
        path: ['variations'],
        message: `weights must sum to ${TOTAL_WEIGHT} (100%), got ${sum}`,
      });
    }
    const seen = new Set<number>();
    rollout.variations.forEach((v, i) => {
      if (seen.has(v.variation)) {
        ctx.addIssue({
          code: 'custom',
          path: ['variations', i, 'variation'],
          message: `variation ${v.variation} appears twice in the rollout`,
        });
      }
      seen.add(v.variation);
    });
  });

function exactlyOneOf(value: { variation?: unknown; rollout?: unknown }, ctx: z.RefinementCtx): void {
  const hasVariation = value.variation !== undefined;
  const hasRollout = value.rollout !== undefined;
  if (hasVariation === hasRollout) {
    ctx.addIssue({
      code: 'custom',
      path: hasVariation ? ['rollout'] : [],
      message: hasVariation ? 'give either variation or rollout, not both' : 'either variation or rollout is required',
    });
  }
}

/**
 * `{ variation }` or `{ rollout }`. Parsed as one object with both optional and a refinement (which
 * gives precise error paths, unlike a union), and typed as the union.
 */
export const VariationOrRolloutSchema = z
  .strictObject({ variation: VariationIndexSchema.optional(), rollout: RolloutSchema.optional() })
  .superRefine(exactlyOneOf) as unknown as z.ZodType<VariationOrRollout>;

export const RuleSchema = z
  .strictObject({
    id: z
      .string({ error: 'a rule needs an id' })
      .min(1, 'a rule id must not be empty')
      .max(LIMITS.maxRuleIdLength, `a rule id must be at most ${LIMITS.maxRuleIdLength} characters`),
    description: z.string().max(LIMITS.maxDescriptionLength).optional(),
    clauses: z.array(ClauseSchema).max(LIMITS.maxClausesPerRule, `a rule can have at most ${LIMITS.maxClausesPerRule} clauses`),
    variation: VariationIndexSchema.optional(),
    rollout: RolloutSchema.optional(),
  })
  .superRefine(exactlyOneOf) as unknown as z.ZodType<Rule>;

export const TargetSchema = z.strictObject({
  variation: VariationIndexSchema,
  values: z.array(ContextKeyRef).max(LIMITS.maxTargetsValues, `targets can list at most ${LIMITS.maxTargetsValues} context keys`),
});

export const PrerequisiteSchema = z.strictObject({
  key: KeyRef,
  variation: VariationIndexSchema,
});

const RulesSchema = z
  .array(RuleSchema)
  .max(LIMITS.maxRules, `a flag can have at most ${LIMITS.maxRules} rules`)
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((rule, i) => {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${JSON.stringify(rule.id)} (also rules[${first}])` });
      } else {
        seen.set(rule.id, i);
      }
    });
  });

const TargetsSchema = z
  .array(TargetSchema)
  .max(LIMITS.maxTargets, `a flag can have at most ${LIMITS.maxTargets} targets`)
  .superRefine((targets, ctx) => {
    const total = targets.reduce((n, t) => n + t.values.length, 0);
    if (total > LIMITS.maxTargetsValues) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `targets can list at most ${LIMITS.maxTargetsValues} context keys in total, got ${total}`,
      });
    }
  });

/** Per-environment configuration of a flag, as stored and as edited over the admin API. */
export const FlagConfigSchema = z.strictObject({
  on: z.boolean(),
  offVariation: VariationIndexSchema,
  fallthrough: VariationOrRolloutSchema,
  targets: TargetsSchema,
  rules: RulesSchema,
  prerequisites: z
    .array(PrerequisiteSchema)
    .max(LIMITS.maxPrerequisites, `a flag can have at most ${LIMITS.maxPrerequisites} prerequisites`),
  guardedMetrics: z
    .array(EventKeySchema)
    .min(1, 'give at least one metric, or leave guardedMetrics out when the flag is not under a guarded release')
    .max(METRICS_LIMITS.maxGuardedMetrics, `a guarded release measures at most ${METRICS_LIMITS.maxGuardedMetrics} metrics`)
    .refine((keys) => new Set(keys).size === keys.length, 'lists a metric twice')
    .optional()
    .describe('the custom event keys measured per variation while the flag is under a guarded release'),
});

export const FlagKindSchema = z.enum(FLAG_KINDS, {
  error: (issue) => `unknown flag kind ${JSON.stringify(issue.input)}; expected boolean, string, number or json`,
});

/** One flag in an environment snapshot. Also checks variation values against the kind and indices against the variations. */
export const FlagDefinitionSchema = FlagConfigSchema.extend({
  key: KeyRef,
  kind: FlagKindSchema,
  // Any JSON values; the refinement below checks them against the kind (json: any JSON value).
  variations: z
    .array(z.unknown())
    .min(1, 'a flag needs at least one variation')
    .max(LIMITS.maxVariations, `a flag can have at most ${LIMITS.maxVariations} variations`),
  salt: z.string().max(LIMITS.maxSaltLength),
  version: z.number().int().min(0),
  clientSideAvailable: z.boolean(),
}).superRefine((flag, ctx) => {
  flag.variations.forEach((value, i) => {
    if (!variationValueFitsKind(flag.kind, value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['variations', i],
        message: `a ${flag.kind} flag cannot have the variation ${describe(value)}`,
      });
    }
  });
  for (const p of variationIndexProblems(flag, flag.variations.length)) {
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  }
});

export const SegmentRuleSchema = z.strictObject({
  id: z.string().min(1).max(LIMITS.maxRuleIdLength).optional(),
  clauses: z.array(ClauseSchema).max(LIMITS.maxClausesPerRule, `a rule can have at most ${LIMITS.maxClausesPerRule} clauses`),
});

const SegmentKeysSchema = z
  .array(ContextKeyRef)
  .max(LIMITS.maxSegmentKeys, `a segment can list at most ${LIMITS.maxSegmentKeys} context keys here`);

export const SegmentRulesSchema = z
  .array(SegmentRuleSchema)
  .max(LIMITS.maxSegmentRules, `a segment can have at most ${LIMITS.maxSegmentRules} rules`)
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((rule, i) => {
      if (rule.id === undefined) return;
      const first = seen.get(rule.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${JSON.stringify(rule.id)} (also rules[${first}])` });
      } else {
        seen.set(rule.id, i);
      }
    });
  });

export const SegmentDefinitionSchema = z.strictObject({
  key: KeyRef,
  included: SegmentKeysSchema,
  excluded: SegmentKeysSchema,
  rules: SegmentRulesSchema,
  version: z.number().int().min(0),
});

/**
 * A whole environment snapshot. Checks each flag and segment on its own and that record keys match the
 * `key` inside; it does not refuse references to missing flags or segments (the engine tolerates them).
 * Use validateSnapshot for the cross-reference checks.
 */
export const SnapshotSchema = z
  .strictObject({
    environment: KeyRef,
    version: z.number().int().min(0),
    flags: z.record(z.string(), FlagDefinitionSchema),
    segments: z.record(z.string(), SegmentDefinitionSchema),
  })
  .superRefine((snapshot, ctx) => {
    for (const [k, flag] of Object.entries(snapshot.flags)) {
      if (flag.key !== k)
        ctx.addIssue({
          code: 'custom',
          path: ['flags', k, 'key'],
          message: `flag stored under ${JSON.stringify(k)} has key ${JSON.stringify(flag.key)}`,
        });
    }
    for (const [k, segment] of Object.entries(snapshot.segments)) {
      if (segment.key !== k)
        ctx.addIssue({
          code: 'custom',
          path: ['segments', k, 'key'],
          message: `segment stored under ${JSON.stringify(k)} has key ${JSON.stringify(segment.key)}`,
        });
    }
  });

const ContextPrimitiveSchema = z.union(
  [
    z.string().max(LIMITS.maxContextStringLength, `a context value must be at most ${LIMITS.maxContextStringLength} characters`),
    z.number(),
    z.boolean(),
  ],
  { error: 'a context attribute must be a string, a finite number, a boolean or an array of those' },
);

export const ContextValueSchema = z.union(
  [
    ContextPrimitiveSchema,
    z
      .array(ContextPrimitiveSchema)
      .max(LIMITS.maxContextArrayLength, `an array attribute can have at most ${LIMITS.maxContextArrayLength} elements`),
  ],
  { error: 'a context attribute must be a string, a finite number, a boolean or an array of those' },
);

/** A context as sent by a client for remote evaluation: a non-empty key and well-typed attributes. */
export const ContextSchema = z
  .object({ key: ContextKeyRef })
  .catchall(ContextValueSchema)
  .superRefine((context, ctx) => {
    const n = Object.keys(context).length;
    if (n > LIMITS.maxContextAttributes) {
      ctx.addIssue({ code: 'custom', path: [], message: `a context can have at most ${LIMITS.maxContextAttributes} attributes, got ${n}` });
    }
  });
