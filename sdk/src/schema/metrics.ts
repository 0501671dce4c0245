/**
 * The zod schema of a metrics report (`POST /sdk/metrics`). It parses to exactly the model's
 * MetricsReport (test/sdk/schema/model-types.test.ts) and bounds every list by METRICS_LIMITS.
 */
import { z } from 'zod';
import { LIMITS } from '../model/index.ts';
import {
  CONTEXT_HASH_PATTERN,
  EVENT_KEY_PATTERN,
  METRICS_ERROR_KINDS,
  METRICS_LIMITS,
  type MetricsErrorKind,
  SDK_MODES,
} from '../model/metrics.ts';

const Count = z.number().int('must be an integer').min(0, 'cannot be negative').max(Number.MAX_SAFE_INTEGER);
const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const FlagKey = z.string().min(1, 'must not be empty').max(LIMITS.maxKeyLength, `must be at most ${LIMITS.maxKeyLength} characters`);
export const EventKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(METRICS_LIMITS.maxEventKeyLength, `must be at most ${METRICS_LIMITS.maxEventKeyLength} characters`)
  .regex(EVENT_KEY_PATTERN, 'must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-"');
const VariationIndex = z
  .number()
  .int('must be an integer')
  .min(0, 'cannot be negative')
  .max(LIMITS.maxVariations - 1);
const ContextHash = z.string().regex(CONTEXT_HASH_PATTERN, 'must be 16 lowercase hex digits');
const ContextHashes = z.array(ContextHash).max(METRICS_LIMITS.maxContextHashes);
const Epoch = z.number().int('must be an integer (epoch milliseconds)').min(0).max(8.64e15);

export const SdkIdentitySchema = z.strictObject({
  name: z.string().min(1).max(100),
  version: z.string().min(1).max(50),
  instanceId: z.string().min(1).max(100),
  mode: z.enum(SDK_MODES),
  snapshotVersion: z.number().int().min(0).nullable(),
});

const ErrorKindSchema = z.enum(METRICS_ERROR_KINDS as [MetricsErrorKind, ...MetricsErrorKind[]]);

export const EvaluationCountSchema = z.union(
  [
    z.strictObject({ flag: FlagKey, variation: VariationIndex, count: Count }),
    z.strictObject({ flag: FlagKey, error: ErrorKindSchema, count: Count }),
  ],
  { error: 'an evaluation count is { flag, variation, count } or { flag, error, count }' },
);

export const EventSummarySchema = z.strictObject({
  key: EventKeySchema,
  count: Count,
  valueCount: Count,
  sum: Finite,
  sumSquares: Finite.refine((v) => v >= 0, 'cannot be negative'),
});

export const GuardedMetricSummarySchema = EventSummarySchema.extend({ contexts: ContextHashes });

export const GuardedVariationSummarySchema = z.strictObject({
  flag: FlagKey,
  variation: VariationIndex,
  exposures: ContextHashes,
  metrics: z.array(GuardedMetricSummarySchema).max(METRICS_LIMITS.maxGuardedMetrics),
});

export const DroppedCountsSchema = z.strictObject({ evaluations: Count, events: Count, contexts: Count, reports: Count });

export const MetricsReportSchema = z
  .strictObject({
    reportId: z.uuid('must be a UUID'),
    sdk: SdkIdentitySchema,
    window: z.strictObject({ start: Epoch, end: Epoch }),
    evaluations: z.array(EvaluationCountSchema).max(METRICS_LIMITS.maxEvaluationEntries),
    events: z.array(EventSummarySchema).max(METRICS_LIMITS.maxEventKeys),
    guarded: z.array(GuardedVariationSummarySchema).max(METRICS_LIMITS.maxGuardedEntries),
    dropped: DroppedCountsSchema,
  })
  .superRefine((report, ctx) => {
    const { start, end } = report.window;
    if (end < start) ctx.addIssue({ code: 'custom', path: ['window', 'end'], message: 'must not be before window.start' });
    else if (end - start > METRICS_LIMITS.maxWindowMs)
      ctx.addIssue({ code: 'custom', path: ['window', 'end'], message: `a window lasts at most ${METRICS_LIMITS.maxWindowMs} ms` });
    let hashes = 0;
    for (const g of report.guarded) {
      hashes += g.exposures.length;
      for (const m of g.metrics) hashes += m.contexts.length;
    }
    if (hashes > METRICS_LIMITS.maxContextHashes)
      ctx.addIssue({
        code: 'custom',
        path: ['guarded'],
        message: `a report carries at most ${METRICS_LIMITS.maxContextHashes} context hashes, got ${hashes}`,
      });
    // One entry per (flag, variation or error), per event key, per guarded (flag, variation): a
    // duplicate would be ambiguous (add or replace?), so it is refused rather than guessed at.
    const seen = new Set<string>();
    report.evaluations.forEach((e, i) => {
      const id = 'variation' in e ? `${e.flag}\u0000v${e.variation}` : `${e.flag}\u0000e${e.error}`;
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: ['evaluations', i], message: 'duplicate entry for this flag and variation/error' });
      seen.add(id);
    });
    const keys = new Set<string>();
    report.events.forEach((e, i) => {
      if (keys.has(e.key)) ctx.addIssue({ code: 'custom', path: ['events', i, 'key'], message: 'duplicate event key' });
      keys.add(e.key);
    });
    const guarded = new Set<string>();
    report.guarded.forEach((g, i) => {
      const id = `${g.flag}\u0000${g.variation}`;
      if (guarded.has(id)) ctx.addIssue({ code: 'custom', path: ['guarded', i], message: 'duplicate entry for this flag and variation' });
      guarded.add(id);
      const metricKeys = new Set<string>();
      g.metrics.forEach((m, j) => {
        if (metricKeys.has(m.key))
          ctx.addIssue({ code: 'custom', path: ['guarded', i, 'metrics', j, 'key'], message: 'duplicate metric key' });
        metricKeys.add(m.key);
      });
    });
  });
