/**
 * The zod schemas parse to exactly the model's plain types (`npm run typecheck` checks this file; at run
 * time it only checks that the schema entry point hands out the model's own values).
 */

import type * as M from '@switchyard/sdk/model';
import * as model from '@switchyard/sdk/model';
import * as schema from '@switchyard/sdk/schema';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';

describe('schemas and model', () => {
  it('parse to exactly the model types', () => {
    expectTypeOf<z.infer<typeof schema.OperatorSchema>>().toEqualTypeOf<M.Operator>();
    expectTypeOf<z.infer<typeof schema.ClauseSchema>>().toEqualTypeOf<M.Clause>();
    expectTypeOf<z.infer<typeof schema.WeightedVariationSchema>>().toEqualTypeOf<M.WeightedVariation>();
    expectTypeOf<z.infer<typeof schema.RolloutSchema>>().toEqualTypeOf<M.Rollout>();
    expectTypeOf<z.infer<typeof schema.VariationOrRolloutSchema>>().toEqualTypeOf<M.VariationOrRollout>();
    expectTypeOf<z.infer<typeof schema.RuleSchema>>().toEqualTypeOf<M.Rule>();
    expectTypeOf<z.infer<typeof schema.TargetSchema>>().toEqualTypeOf<M.Target>();
    expectTypeOf<z.infer<typeof schema.PrerequisiteSchema>>().toEqualTypeOf<M.Prerequisite>();
    expectTypeOf<z.infer<typeof schema.FlagConfigSchema>>().toEqualTypeOf<M.FlagConfig>();
    expectTypeOf<z.infer<typeof schema.FlagKindSchema>>().toEqualTypeOf<M.FlagKind>();
    expectTypeOf<z.infer<typeof schema.FlagDefinitionSchema>>().toEqualTypeOf<M.FlagDefinition>();
    expectTypeOf<z.infer<typeof schema.SegmentRuleSchema>>().toEqualTypeOf<M.SegmentRule>();
    expectTypeOf<z.infer<typeof schema.SegmentDefinitionSchema>>().toEqualTypeOf<M.SegmentDefinition>();
    expectTypeOf<z.infer<typeof schema.SnapshotSchema>>().toEqualTypeOf<M.Snapshot>();
    expectTypeOf<z.infer<typeof schema.ContextValueSchema>>().toEqualTypeOf<M.ContextValue>();
    expectTypeOf<z.infer<typeof schema.ContextSchema>>().toEqualTypeOf<M.ValidContext>();
    expectTypeOf<z.infer<typeof schema.SdkIdentitySchema>>().toEqualTypeOf<M.SdkIdentity>();
    expectTypeOf<z.infer<typeof schema.EvaluationCountSchema>>().toEqualTypeOf<M.EvaluationCount>();
    expectTypeOf<z.infer<typeof schema.EventSummarySchema>>().toEqualTypeOf<M.EventSummary>();
    expectTypeOf<z.infer<typeof schema.GuardedMetricSummarySchema>>().toEqualTypeOf<M.GuardedMetricSummary>();
    expectTypeOf<z.infer<typeof schema.GuardedVariationSummarySchema>>().toEqualTypeOf<M.GuardedVariationSummary>();
    expectTypeOf<z.infer<typeof schema.DroppedCountsSchema>>().toEqualTypeOf<M.DroppedCounts>();
    expectTypeOf<z.infer<typeof schema.MetricsReportSchema>>().toEqualTypeOf<M.MetricsReport>();
  });

  it('take the operators and limits from the model', () => {
    expect(schema.OperatorSchema.options).toEqual([...model.OPERATORS]);
    expect(model.OPERATORS).toEqual(Object.keys(model.OPERATOR_TABLE));
    expect(schema.OPERATORS).toBe(model.OPERATORS);
    expect(schema.LIMITS).toBe(model.LIMITS);
    expect(schema.FlagKindSchema.options).toEqual([...model.FLAG_KINDS]);
  });
});
