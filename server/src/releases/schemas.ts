import { EventKeySchema, KeySchema } from '@switchyard/sdk/schema';
import { z } from 'zod';
import { DescriptionSchema, NameSchema } from '../http/schemas.ts';

const Timestamp = z.string().describe('ISO 8601, UTC');
const VariationIndex = z.number().int().min(0).max(99);

/** How far a stage rolls the new variation out: a share of contexts, plus contexts in segments (e.g. internal users). */
export const ReleaseStageSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional().describe('e.g. "internal users", "canary"; defaults to the percentage'),
    percentage: z
      .number()
      .min(0)
      .max(100)
      .multipleOf(0.001)
      .describe('share of contexts (by the flag’s bucketing) served the new variation, in percent; never lower than an earlier stage’s'),
    segments: z
      .array(KeySchema)
      .max(20)
      .default([])
      .describe('contexts in these segments of the environment are served the new variation whatever the percentage'),
    holdMinutes: z
      .number()
      .min(0)
      .max(60 * 24 * 90)
      .describe('the stage is held at least this long (fractions allowed: 0.5 is 30 s)'),
    requireApproval: z.boolean().default(false).describe('after the hold, wait until a person approves moving on'),
    guarded: z.boolean().default(true).describe('checked by the plan’s guard, when it has one'),
  })
  .strict()
  .describe('ReleaseStage');
export type ReleaseStage = z.infer<typeof ReleaseStageSchema>;

const ReleaseStagesSchema = z
  .array(ReleaseStageSchema)
  .min(1)
  .max(20)
  .superRefine((stages, ctx) => {
    for (let i = 1; i < stages.length; i++) {
      if (stages[i]!.percentage < stages[i - 1]!.percentage) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'percentage'],
          message: `must not be lower than the previous stage's ${stages[i - 1]!.percentage} % (contexts only move forward)`,
        });
      }
    }
  });

export const GuardMetricSchema = z
  .object({
    key: EventKeySchema.describe('the custom event key SDKs track (flags.track(key, context, value?))'),
    kind: z
      .enum(['binary', 'numeric'])
      .describe('binary: share of exposed contexts with at least one event; numeric: mean of the event values'),
    direction: z.enum(['lower-is-better', 'higher-is-better']).default('lower-is-better'),
    tolerance: z
      .object({ kind: z.enum(['absolute', 'relative']), value: z.number().min(0).max(1_000_000) })
      .strict()
      .default({ kind: 'absolute', value: 0 })
      .describe('the regression tolerated: absolute in the metric’s units (binary: 0.005 = +0.5 points) or relative (0.1 = 10 %)'),
    minimumContexts: z.number().int().min(1).max(10_000_000).default(100).describe('exposed contexts per variation before any decision'),
  })
  .strict()
  .describe('GuardMetric');

export const ReleaseGuardSchema = z
  .object({
    metrics: z.array(GuardMetricSchema).min(1).max(10),
    onRegression: z.enum(['rollback', 'pause']).default('rollback'),
  })
  .strict()
  .describe('ReleaseGuard');
export type ReleaseGuard = z.infer<typeof ReleaseGuardSchema>;

// ---- templates ---------------------------------------------------------------------------------------

export const ReleaseTemplateParamsSchema = z.object({ key: KeySchema });

export const CreateReleaseTemplateSchema = z
  .object({
    key: KeySchema,
    name: NameSchema,
    description: DescriptionSchema.optional(),
    stages: ReleaseStagesSchema,
    guard: ReleaseGuardSchema.nullable().optional(),
  })
  .strict()
  .describe('CreateReleaseTemplate');

export const UpdateReleaseTemplateSchema = CreateReleaseTemplateSchema.omit({ key: true })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .describe('UpdateReleaseTemplate');

export const ReleaseTemplateSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    stages: z.array(ReleaseStageSchema),
    guard: ReleaseGuardSchema.nullable(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('ReleaseTemplate');
export type ReleaseTemplateView = z.infer<typeof ReleaseTemplateSchema>;

// ---- plans -----------------------------------------------------------------------------------------

/** What a plan does, as stored in ReleasePlan.definition. */
export const ReleaseDefinitionSchema = z.object({
  variation: VariationIndex.describe('the new variation being released'),
  controlVariation: VariationIndex.describe('the variation everyone else keeps being served (the guard’s comparison)'),
  stages: z.array(ReleaseStageSchema),
  guard: ReleaseGuardSchema.nullable(),
});
export type ReleaseDefinition = z.infer<typeof ReleaseDefinitionSchema>;

export const StartReleasePlanSchema = z
  .object({
    template: KeySchema.optional().describe('start from this template (its stages and guard, unless given here)'),
    stages: ReleaseStagesSchema.optional().describe('the stages, when there is no template (or to replace its stages)'),
    guard: ReleaseGuardSchema.nullable().optional().describe('the guard (null: none, even if the template has one)'),
    variation: VariationIndex.optional().describe('the new variation; default: 0 (true for a boolean flag)'),
    controlVariation: VariationIndex.optional().describe(
      'the variation the others keep; default: what they are served now (the off variation while the flag is off, else the fallthrough’s main variation)',
    ),
  })
  .strict()
  .refine((body) => body.template !== undefined || body.stages !== undefined, { message: 'give a template or stages', path: ['stages'] })
  .describe('StartReleasePlan');
export type StartReleasePlan = z.infer<typeof StartReleasePlanSchema>;

export const RELEASE_PLAN_STATUSES = ['running', 'paused', 'completed', 'rolled-back', 'abandoned'] as const;
export type ReleasePlanStatus = (typeof RELEASE_PLAN_STATUSES)[number];

export const ReleasePlanParamsSchema = z.object({ id: z.string().uuid() });
/** A flag in an environment, as the flags domain's configuration routes name it. */
export const FlagEnvironmentParamsSchema = z.object({ key: KeySchema, env: KeySchema });
export const ReleasePlanOperationSchema = z
  .object({ reason: z.string().trim().max(500).optional().describe('recorded in the audit log (pause, roll back)') })
  .strict()
  .default({})
  .describe('ReleasePlanOperation');

export const ReleasePlansQuerySchema = z.object({
  env: KeySchema.optional(),
  flag: KeySchema.optional(),
  status: z.enum(RELEASE_PLAN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const MetricVerdictSchema = z.object({
  metricKey: z.string(),
  outcome: z.enum(['regression', 'no-regression', 'insufficient-data']),
  control: z.object({ contexts: z.number(), estimate: z.number().nullable() }),
  treatment: z.object({ contexts: z.number(), estimate: z.number().nullable() }),
  difference: z.number().nullable().describe('treatment - control, in the metric’s units'),
  interval: z.tuple([z.number(), z.number()]).nullable().describe('the always-valid confidence sequence for the difference'),
  threshold: z.number().nullable().describe('the worst difference tolerated'),
  reason: z.string(),
});

export const GuardVerdictViewSchema = z
  .object({
    outcome: z.enum(['regression', 'healthy', 'waiting']),
    reason: z.string(),
    metrics: z.array(MetricVerdictSchema),
    judgedAt: Timestamp,
  })
  .describe('GuardVerdict');

export const ReleasePlanSchema = z
  .object({
    id: z.string(),
    flagKey: z.string(),
    environmentKey: z.string(),
    status: z.enum(RELEASE_PLAN_STATUSES),
    templateKey: z.string().nullable(),
    variation: z.number().int(),
    controlVariation: z.number().int(),
    stages: z.array(ReleaseStageSchema),
    guard: ReleaseGuardSchema.nullable(),
    stageIndex: z.number().int().describe('the stage applied now (0-based)'),
    stageStartedAt: Timestamp,
    approvedStage: z.number().int().describe('the stage a person approved moving past (-1: none)'),
    nextCheckAt: Timestamp.nullable().describe('when the server looks at the plan next; null while only a person can move it'),
    waitingFor: z.string().nullable().describe('why the plan is not moving on (hold, approval, guard data, pause), or how it ended'),
    lastVerdict: GuardVerdictViewSchema.nullable(),
    version: z.number().int(),
    createdBy: z.string(),
    startedAt: Timestamp,
    updatedAt: Timestamp,
    endedAt: Timestamp.nullable(),
  })
  .describe('ReleasePlan');
export type ReleasePlanView = z.infer<typeof ReleasePlanSchema>;

export const GuardHistorySchema = z
  .object({
    planId: z.string(),
    flagKey: z.string(),
    environmentKey: z.string(),
    from: Timestamp.describe('when the plan started (its guard counts contexts first seen from the start of that minute)'),
    to: Timestamp.describe('when the plan ended, or now'),
    stepSeconds: z.number().describe('the time between points (at most 120 points)'),
    metrics: z
      .array(
        z.object({
          key: z.string(),
          kind: GuardMetricSchema.shape.kind,
          direction: GuardMetricSchema.shape.direction,
          points: z
            .array(MetricVerdictSchema.omit({ metricKey: true, reason: true }).extend({ at: Timestamp.describe('the end of the step') }))
            .describe('the guard’s statistics and verdict as they stood at each step, oldest first'),
        }),
      )
      .describe('one per guard metric (empty for a plan without a guard)'),
  })
  .describe('GuardHistory');
export type GuardHistoryView = z.infer<typeof GuardHistorySchema>;
