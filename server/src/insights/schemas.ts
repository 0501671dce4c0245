import { EventKeySchema, LIMITS } from '@switchyard/sdk/schema';
import { z } from 'zod';
import { KeySchema, PaginationQuerySchema, page } from '../http/schemas.ts';
import { textProblem } from '../http/storable-text.ts';
import { GRANULARITIES, MAX_BUCKETS } from './buckets.ts';
import { FLAG_STATUSES } from './statuses.ts';

/** Instants from the Unix epoch to the end of year 9999: the API answers in ISO-8601 UTC, which has four-digit years. */
const EARLIEST_INSTANT = 0;
const INSTANT_AFTER_LAST = Date.UTC(10000, 0, 1);
const Instant = z.iso
  .datetime({ offset: true })
  // Only the format's own message for text that is no date at all (NaN is neither below nor at or above a bound).
  .refine(
    (value) => !(Date.parse(value) < EARLIEST_INSTANT || Date.parse(value) >= INSTANT_AFTER_LAST),
    'must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z',
  )
  .transform((value) => new Date(value));

const Count = z.number().int();
const VariationValueSchema = z.unknown().optional().describe('the variation’s value (absent when the flag has no such variation)');
const Timestamp = z.iso.datetime();

/**
 * SDKs report the keys their code asks for, flags or not, so a counted key need not fit the key format
 * of flags: any text a report could carry, PostgreSQL-storable.
 */
const CountedFlagKeySchema = z
  .string()
  .min(1)
  .max(LIMITS.maxKeyLength)
  .superRefine((value, ctx) => {
    const problem = textProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const FlagEnvironmentParamsSchema = z.object({
  key: CountedFlagKeySchema.describe('a flag key, or any key SDKs reported'),
  env: KeySchema,
});
export const EnvironmentParamsSchema = z.object({ env: KeySchema });
export const EventParamsSchema = z.object({ env: KeySchema, key: EventKeySchema.describe('a custom event key (track)') });

const RangeQuery = {
  from: Instant.optional().describe('ISO-8601 with an offset; default: 24 hours before `to`'),
  to: Instant.optional().describe('ISO-8601 with an offset; default: now'),
};
const GranularityQuery = z
  .enum(GRANULARITIES)
  .optional()
  .describe(`bucket size; default: minute for a range of up to 6 hours, hour beyond. At most ${MAX_BUCKETS} buckets`);

export const SeriesQuerySchema = z.object({ ...RangeQuery, granularity: GranularityQuery });
export const EnvironmentFlagsQuerySchema = PaginationQuerySchema.extend(RangeQuery);
export const EventsQuerySchema = z.object({
  ...RangeQuery,
  granularity: GranularityQuery,
  limit: z.coerce.number().int().min(1).max(50).default(20).describe('event keys per page'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const SdksQuerySchema = PaginationQuerySchema.extend({
  since: Instant.optional().describe('only instances last seen at or after this instant'),
});
export const GuardedQuerySchema = z.object({
  since: Instant.optional().describe(
    'only contexts first exposed, and events counted, from the minute holding this instant on (e.g. when the guarded release started)',
  ),
});
export const StaleFlagsQuerySchema = z.object({ env: KeySchema.optional().describe('consider this environment only') });

export const FlagStatusNameSchema = z
  .enum(FLAG_STATUSES)
  .describe(
    'new: never evaluated there; active: evaluated recently; launched: for N days only one variation served, no error; ' +
      'inactive: not evaluated for N days; archived-but-evaluated: archived, yet evaluated since (N = SWITCHYARD_STALE_AFTER_DAYS)',
  );

const LaunchedSchema = z.object({
  variation: Count,
  value: VariationValueSchema,
  since: Timestamp.describe('from then on, nothing else was served and no error counted'),
});

export const FlagStatusSchema = z
  .object({
    status: FlagStatusNameSchema,
    firstEvaluatedAt: Timestamp.nullable(),
    lastEvaluatedAt: Timestamp.nullable(),
    launched: LaunchedSchema.optional().describe('for launched: the one variation served'),
    archivedAt: Timestamp.optional().describe('when the flag was archived, while it is'),
  })
  .describe('FlagStatus');

const VariationCountSchema = z.object({
  variation: Count,
  value: VariationValueSchema,
  count: Count,
});
const ErrorCountSchema = z.object({ errorKind: z.string(), count: Count });

const EvaluationTotalsSchema = z.object({
  evaluations: Count.describe('variations and errors together'),
  variations: z.array(VariationCountSchema),
  errors: z.array(ErrorCountSchema),
});

export const SdkVersionSchema = z
  .object({ name: z.string(), version: z.string(), instances: Count, lastSeenAt: Timestamp })
  .describe('SdkVersion');

const SeriesRangeSchema = {
  from: Timestamp,
  to: Timestamp,
  granularity: z.enum(GRANULARITIES),
};

export const FlagEvaluationsSchema = z
  .object({
    flagKey: z.string(),
    environmentKey: z.string(),
    exists: z.boolean().describe('false: no flag has this key (any more); what was counted for it is still shown'),
    ...SeriesRangeSchema,
    buckets: z
      .array(
        z.object({
          start: Timestamp,
          evaluations: Count,
          variations: z.array(z.object({ variation: Count, count: Count })).describe('in the order of totals.variations'),
          errors: z.array(ErrorCountSchema).describe('in the order of totals.errors'),
        }),
      )
      .describe('every bucket from the one holding `from` to the one holding `to`, zeros included'),
    totals: EvaluationTotalsSchema.describe('over the buckets; every variation of the flag, and any other index or error counted'),
    lastEvaluatedAt: Timestamp.nullable(),
    status: FlagStatusSchema,
    sdks: z.array(SdkVersionSchema).describe('SDKs that reported in this environment since `from`'),
  })
  .describe('FlagEvaluations');

export const EnvironmentFlagsSchema = page(
  z
    .object({
      flagKey: z.string(),
      exists: z.boolean().describe('false: no flag has this key (any more)'),
      ...EvaluationTotalsSchema.shape,
      lastEvaluatedAt: Timestamp.nullable(),
    })
    .describe('EvaluatedFlag'),
)
  .extend({ from: Timestamp, to: Timestamp })
  .describe('EvaluatedFlags');

const ValueSumsSchema = {
  count: Count.describe('track() calls'),
  valueCount: Count.describe('calls with a numeric value'),
  sum: z.number(),
  sumSquares: z.number(),
  mean: z.number().optional().describe('sum / valueCount, when valueCount > 0'),
  variance: z.number().optional().describe('sample variance of the values (n - 1), when valueCount > 1'),
};

const EventSeriesSchema = {
  key: z.string(),
  totals: z.object(ValueSumsSchema),
  buckets: z.array(z.object({ start: Timestamp, ...ValueSumsSchema })).describe('every bucket of the range, zeros included'),
};

export const EventsSchema = z
  .object({
    environmentKey: z.string(),
    ...SeriesRangeSchema,
    items: z.array(z.object(EventSeriesSchema)).describe('the event keys with data in the range, by key'),
    total: Count,
    limit: Count,
    offset: Count,
  })
  .describe('EventSeriesPage');

export const EventSchema = z.object({ environmentKey: z.string(), ...SeriesRangeSchema, ...EventSeriesSchema }).describe('EventSeries');

export const SdkInstancesSchema = page(
  z
    .object({
      instanceId: z.string(),
      name: z.string(),
      version: z.string(),
      mode: z.string(),
      snapshotVersion: Count.nullable(),
      firstSeenAt: Timestamp,
      lastSeenAt: Timestamp,
      dropped: z
        .object({ evaluations: Count, events: Count, contexts: Count, reports: Count })
        .describe('what the instance reported it could not count or send, over all its reports'),
    })
    .describe('SdkInstance'),
)
  .extend({ summary: z.array(SdkVersionSchema).describe('the same instances per SDK name and version') })
  .describe('SdkInstances');

export const GuardedStatisticsSchema = z
  .object({
    flagKey: z.string(),
    environmentKey: z.string(),
    since: Timestamp.nullable(),
    guardedMetrics: z.array(z.string()).describe('the metrics of the flag’s guarded release here (empty when none)'),
    variations: z.array(
      z.object({
        variation: Count,
        value: VariationValueSchema,
        exposedContexts: Count.describe('distinct contexts served this variation'),
        metrics: z.array(
          z.object({
            key: z.string(),
            contextsWithEvent: Count.describe('distinct exposed contexts that tracked the metric at least once'),
            conversionRate: z.number().nullable().describe('contextsWithEvent / exposedContexts; null with no exposed context'),
            ...ValueSumsSchema,
          }),
        ),
      }),
    ),
  })
  .describe('GuardedStatistics');

const EnvironmentEvidenceSchema = z.object({
  environmentKey: z.string(),
  status: FlagStatusNameSchema,
  lastEvaluatedAt: Timestamp.nullable(),
  recentEvaluations: Count.describe('evaluations in the last N days'),
  launched: LaunchedSchema.optional(),
});

export const StaleFlagsSchema = z
  .object({
    staleAfterDays: Count,
    generatedAt: Timestamp,
    ready: z
      .array(
        z.object({
          flagKey: z.string(),
          name: z.string(),
          archived: z.boolean(),
          reason: z.string(),
          environments: z.array(EnvironmentEvidenceSchema),
        }),
      )
      .describe('temporary flags whose removal would change nothing: launched everywhere alike, inactive or never evaluated'),
    archivedButEvaluated: z
      .array(
        z.object({
          flagKey: z.string(),
          name: z.string(),
          archivedAt: Timestamp.nullable(),
          reason: z.string(),
          environments: z.array(EnvironmentEvidenceSchema),
        }),
      )
      .describe('archived flags code still evaluates: removing them would change what it gets'),
  })
  .describe('StaleFlags');

export type SeriesQuery = z.infer<typeof SeriesQuerySchema>;
export type EnvironmentFlagsQuery = z.infer<typeof EnvironmentFlagsQuerySchema>;
export type EventsQuery = z.infer<typeof EventsQuerySchema>;
export type SdksQuery = z.infer<typeof SdksQuerySchema>;
export type FlagStatusView = z.infer<typeof FlagStatusSchema>;
export type FlagEvaluationsView = z.infer<typeof FlagEvaluationsSchema>;
export type EnvironmentFlagsView = z.infer<typeof EnvironmentFlagsSchema>;
export type EventsView = z.infer<typeof EventsSchema>;
export type EventView = z.infer<typeof EventSchema>;
export type SdkInstancesView = z.infer<typeof SdkInstancesSchema>;
export type GuardedStatisticsView = z.infer<typeof GuardedStatisticsSchema>;
export type StaleFlagsView = z.infer<typeof StaleFlagsSchema>;
