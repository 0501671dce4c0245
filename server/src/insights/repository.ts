/**
 * Reads of the production signal tables (written by server/src/metrics) and of the flags they are
 * about. Counts are stored per minute and, once compacted, per hour: a per-hour read sums both.
 * Dates are compared with the tables' UTC timestamps as they are, whatever the session's time zone.
 */
import { type Db, Prisma } from '../db/prisma.ts';
import type { ValueSums } from './statistics.ts';
import type { ServedRow } from './statuses.ts';

export type InsightFlagRow = {
  key: string;
  name: string;
  variations: unknown;
  temporary: boolean;
  archived: boolean;
  archivedAt: Date | null;
  createdAt: Date;
};

export type EvaluationCountRow = { variation: number; errorKind: string; count: number };
export type BucketedEvaluationRow = EvaluationCountRow & { start: Date };
export type BucketedEventRow = ValueSums & { eventKey: string; start: Date };

export type SdkInstanceRow = {
  instanceId: string;
  sdkName: string;
  sdkVersion: string;
  mode: string;
  snapshotVersion: number | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  droppedEvaluations: bigint;
  droppedEvents: bigint;
  droppedContexts: bigint;
  droppedReports: bigint;
};

const flagColumns = {
  key: true,
  name: true,
  variations: true,
  temporary: true,
  archived: true,
  archivedAt: true,
  createdAt: true,
} as const;
const servedColumns = { flagKey: true, variation: true, errorKind: true, firstAt: true, lastAt: true } as const;

const toNumber = (value: bigint | number | null | undefined) => Number(value ?? 0);

/** Every environment, oldest first (as the environments are listed). */
export function environmentsInOrder(db: Db): Promise<{ id: string; key: string }[]> {
  return db.environment.findMany({ select: { id: true, key: true }, orderBy: { createdAt: 'asc' } });
}

export function findInsightFlag(db: Db, key: string): Promise<InsightFlagRow | null> {
  return db.flag.findUnique({ where: { key }, select: flagColumns });
}

/** Every flag, by key. */
export function listInsightFlags(db: Db): Promise<InsightFlagRow[]> {
  return db.flag.findMany({ select: flagColumns, orderBy: { key: 'asc' } });
}

/** The flag's values, by key, for the given keys (keys of no flag are left out). */
export async function variationsByKey(db: Db, keys: readonly string[]): Promise<Map<string, unknown>> {
  const rows = await db.flag.findMany({ where: { key: { in: [...keys] } }, select: { key: true, variations: true } });
  return new Map(rows.map((row) => [row.key, row.variations]));
}

/** The metric keys of the flag's guarded release in the environment (empty when none, or no such flag). */
export async function guardedMetricsOf(db: Db, flagKey: string, environmentId: string): Promise<string[]> {
  const row = await db.flagEnvironment.findFirst({ where: { environmentId, flag: { key: flagKey } }, select: { guardedMetrics: true } });
  return row?.guardedMetrics ?? [];
}

/** Past this many keys, the environment's rows are read whole rather than through an IN list of bind parameters. */
const MAX_KEYS_IN_LIST = 1000;

/** FlagServed rows of the given flags in one environment (of every flag key when `flagKeys` is undefined), by flag key. */
export async function servedByFlag(db: Db, environmentId: string, flagKeys?: readonly string[]): Promise<Map<string, ServedRow[]>> {
  const some = flagKeys && flagKeys.length <= MAX_KEYS_IN_LIST;
  const rows = await db.flagServed.findMany({
    where: { environmentId, ...(some ? { flagKey: { in: [...flagKeys] } } : {}) },
    select: servedColumns,
  });
  const byFlag = new Map<string, ServedRow[]>();
  for (const { flagKey, ...row } of rows) {
    let list = byFlag.get(flagKey);
    if (!list) byFlag.set(flagKey, (list = []));
    list.push(row);
  }
  return byFlag;
}

/**
 * Evaluations of one flag in [start, end), per bucket, variation and error. Per minute: the minute
 * rows; per hour: the minute rows summed per hour plus the hour rows of compacted data.
 */
export async function evaluationBuckets(
  db: Db,
  q: { environmentId: string; flagKey: string; granularity: 'minute' | 'hour'; start: Date; end: Date },
): Promise<BucketedEvaluationRow[]> {
  const rows = await db.$queryRaw<{ start: Date; variation: number; errorKind: string; count: bigint }[]>`
    SELECT date_trunc(${q.granularity}, "bucketStart") AS "start", "variation", "errorKind", SUM("count")::bigint AS "count"
    FROM "FlagEvaluationRollup"
    WHERE "environmentId" = ${q.environmentId} AND "flagKey" = ${q.flagKey}
      AND "bucketStart" >= ${q.start} AND "bucketStart" < ${q.end}
      ${q.granularity === 'minute' ? Prisma.sql`AND "granularity" = 'minute'` : Prisma.empty}
    GROUP BY 1, 2, 3`;
  return rows.map((row) => ({ ...row, count: toNumber(row.count) }));
}

/** Evaluations of every flag key in the environment, per variation and error, of the buckets starting in [from, to). */
export async function evaluationTotalsByFlag(
  db: Db,
  environmentId: string,
  range: { from: Date; to: Date },
): Promise<Map<string, EvaluationCountRow[]>> {
  const rows = await db.flagEvaluationRollup.groupBy({
    by: ['flagKey', 'variation', 'errorKind'],
    where: { environmentId, bucketStart: { gte: range.from, lt: range.to } },
    _sum: { count: true },
    orderBy: [{ flagKey: 'asc' }, { variation: 'asc' }, { errorKind: 'asc' }],
  });
  const byFlag = new Map<string, EvaluationCountRow[]>();
  for (const row of rows) {
    let list = byFlag.get(row.flagKey);
    if (!list) byFlag.set(row.flagKey, (list = []));
    list.push({ variation: row.variation, errorKind: row.errorKind, count: toNumber(row._sum.count) });
  }
  return byFlag;
}

/** Evaluations (variations and errors alike) per environment and flag key, of the buckets starting at or after `since`. */
export async function evaluationCountsSince(db: Db, environmentIds: readonly string[], since: Date): Promise<Map<string, number>> {
  const rows = await db.flagEvaluationRollup.groupBy({
    by: ['environmentId', 'flagKey'],
    where: { environmentId: { in: [...environmentIds] }, bucketStart: { gte: since } },
    _sum: { count: true },
  });
  return new Map(rows.map((row) => [`${row.environmentId}\u0000${row.flagKey}`, toNumber(row._sum.count)]));
}

/** The event keys with data in [start, end) (minute rows only when `granularity` is minute), by key. */
export async function eventKeysWithData(
  db: Db,
  q: { environmentId: string; granularity: 'minute' | 'hour'; start: Date; end: Date },
): Promise<string[]> {
  const rows = await db.customEventRollup.groupBy({
    by: ['eventKey'],
    where: {
      environmentId: q.environmentId,
      bucketStart: { gte: q.start, lt: q.end },
      ...(q.granularity === 'minute' ? { granularity: 'minute' } : {}),
    },
    orderBy: { eventKey: 'asc' },
  });
  return rows.map((row) => row.eventKey);
}

/** `track()` sums of the given event keys in [start, end), per key and bucket (per hour: minute and hour rows together). */
export async function eventBuckets(
  db: Db,
  q: { environmentId: string; eventKeys: readonly string[]; granularity: 'minute' | 'hour'; start: Date; end: Date },
): Promise<BucketedEventRow[]> {
  if (q.eventKeys.length === 0) return [];
  const rows = await db.$queryRaw<{ eventKey: string; start: Date; count: bigint; valueCount: bigint; sum: number; sumSquares: number }[]>`
    SELECT "eventKey", date_trunc(${q.granularity}, "bucketStart") AS "start",
      SUM("count")::bigint AS "count", SUM("valueCount")::bigint AS "valueCount", SUM("sum") AS "sum", SUM("sumSquares") AS "sumSquares"
    FROM "CustomEventRollup"
    WHERE "environmentId" = ${q.environmentId} AND "eventKey" IN (${Prisma.join([...q.eventKeys])})
      AND "bucketStart" >= ${q.start} AND "bucketStart" < ${q.end}
      ${q.granularity === 'minute' ? Prisma.sql`AND "granularity" = 'minute'` : Prisma.empty}
    GROUP BY 1, 2`;
  return rows.map((row) => ({
    eventKey: row.eventKey,
    start: row.start,
    count: toNumber(row.count),
    valueCount: toNumber(row.valueCount),
    sum: Number(row.sum),
    sumSquares: Number(row.sumSquares),
  }));
}

/** SDK instances of the environment seen at or after `since` (all when null), most recently seen first. */
export async function sdkInstances(
  db: Db,
  q: { environmentId: string; since: Date | null; limit: number; offset: number },
): Promise<{ total: number; rows: SdkInstanceRow[] }> {
  const where = { environmentId: q.environmentId, ...(q.since ? { lastSeenAt: { gte: q.since } } : {}) };
  const [total, rows] = await Promise.all([
    db.sdkInstance.count({ where }),
    db.sdkInstance.findMany({ where, orderBy: [{ lastSeenAt: 'desc' }, { instanceId: 'asc' }], skip: q.offset, take: q.limit }),
  ]);
  return { total, rows };
}

/** SDK instances of the environment seen at or after `since` (all when null), per SDK name and version. */
export async function sdkVersions(
  db: Db,
  environmentId: string,
  since: Date | null,
): Promise<{ name: string; version: string; instances: number; lastSeenAt: Date }[]> {
  const rows = await db.sdkInstance.groupBy({
    by: ['sdkName', 'sdkVersion'],
    where: { environmentId, ...(since ? { lastSeenAt: { gte: since } } : {}) },
    _count: { _all: true },
    _max: { lastSeenAt: true },
    orderBy: [{ sdkName: 'asc' }, { sdkVersion: 'asc' }],
  });
  return rows.map((row) => ({
    name: row.sdkName,
    version: row.sdkVersion,
    instances: row._count._all,
    lastSeenAt: row._max.lastSeenAt!,
  }));
}

/** Whether anything was ever counted for the flag key in the environment. */
export async function wasEverEvaluated(db: Db, environmentId: string, flagKey: string): Promise<boolean> {
  return (await db.flagServed.findFirst({ where: { environmentId, flagKey }, select: { flagKey: true } })) !== null;
}

type GuardedQuery = { environmentId: string; flagKey: string; since: Date | null };

/** Distinct contexts exposed to each variation of a guarded flag (first exposed at or after `since`). */
export async function exposedContexts(db: Db, q: GuardedQuery): Promise<Map<number, number>> {
  const rows = await db.guardedExposure.groupBy({
    by: ['variation'],
    where: { environmentId: q.environmentId, flagKey: q.flagKey, ...(q.since ? { firstAt: { gte: q.since } } : {}) },
    _count: { _all: true },
  });
  return new Map(rows.map((row) => [row.variation, row._count._all]));
}

/**
 * Distinct contexts per variation and metric that tracked the metric and are among the contexts
 * exposed to that variation (both first seen at or after `since`), so that a conversion rate is at
 * most 1 even when `since` cuts between a context's exposure and its event.
 */
export async function convertedContexts(db: Db, q: GuardedQuery): Promise<{ variation: number; metricKey: string; contexts: number }[]> {
  const after = (column: Prisma.Sql) => (q.since ? Prisma.sql`AND ${column} >= ${q.since}` : Prisma.empty);
  const rows = await db.$queryRaw<{ variation: number; metricKey: string; contexts: bigint }[]>`
    SELECT m."variation", m."metricKey", COUNT(*)::bigint AS "contexts"
    FROM "GuardedMetricContext" m
    JOIN "GuardedExposure" e ON e."environmentId" = m."environmentId" AND e."flagKey" = m."flagKey"
      AND e."variation" = m."variation" AND e."contextHash" = m."contextHash"
    WHERE m."environmentId" = ${q.environmentId} AND m."flagKey" = ${q.flagKey}
      ${after(Prisma.sql`m."firstAt"`)} ${after(Prisma.sql`e."firstAt"`)}
    GROUP BY 1, 2`;
  return rows.map((row) => ({ variation: row.variation, metricKey: row.metricKey, contexts: toNumber(row.contexts) }));
}

/** A guarded flag's metric sums per variation and metric, of the minute buckets starting at or after `since`. */
export async function guardedMetricSums(db: Db, q: GuardedQuery): Promise<(ValueSums & { variation: number; metricKey: string })[]> {
  const rows = await db.guardedMetricRollup.groupBy({
    by: ['variation', 'metricKey'],
    where: { environmentId: q.environmentId, flagKey: q.flagKey, ...(q.since ? { bucketStart: { gte: q.since } } : {}) },
    _sum: { count: true, valueCount: true, sum: true, sumSquares: true },
  });
  return rows.map((row) => ({
    variation: row.variation,
    metricKey: row.metricKey,
    count: toNumber(row._sum.count),
    valueCount: toNumber(row._sum.valueCount),
    sum: row._sum.sum ?? 0,
    sumSquares: row._sum.sumSquares ?? 0,
  }));
}

/** A guarded flag's statistics over time: rows per step of `stepMs` from `origin` (step 0 also holds what came before it). */
type GuardedHistoryQuery = GuardedQuery & { origin: Date; until: Date; stepMs: number };

export type GuardedHistoryRows = {
  exposed: { step: number; variation: number; contexts: number }[];
  converted: { step: number; variation: number; metricKey: string; contexts: number }[];
  sums: (ValueSums & { step: number; variation: number; metricKey: string })[];
};

/**
 * What exposedContexts, convertedContexts and guardedMetricSums count, per step: a context counts as
 * converted from when both its exposure and its event were first seen; metric sums are per minute, so
 * a minute's sums count from the step holding its start. Rows after `until` are left out.
 */
export async function guardedHistoryRows(db: Db, q: GuardedHistoryQuery): Promise<GuardedHistoryRows> {
  const step = (column: Prisma.Sql) =>
    Prisma.sql`GREATEST(0, FLOOR((EXTRACT(EPOCH FROM ${column}) * 1000 - ${q.origin.getTime()}) / ${q.stepMs}))::int`;
  const after = (column: Prisma.Sql) => (q.since ? Prisma.sql`AND ${column} >= ${q.since}` : Prisma.empty);
  const [exposed, converted, sums] = await Promise.all([
    db.$queryRaw<{ step: number; variation: number; contexts: bigint }[]>`
      SELECT ${step(Prisma.sql`"firstAt"`)} AS "step", "variation", COUNT(*)::bigint AS "contexts"
      FROM "GuardedExposure"
      WHERE "environmentId" = ${q.environmentId} AND "flagKey" = ${q.flagKey} AND "firstAt" <= ${q.until} ${after(Prisma.sql`"firstAt"`)}
      GROUP BY 1, 2`,
    db.$queryRaw<{ step: number; variation: number; metricKey: string; contexts: bigint }[]>`
      SELECT ${step(Prisma.sql`GREATEST(m."firstAt", e."firstAt")`)} AS "step", m."variation", m."metricKey", COUNT(*)::bigint AS "contexts"
      FROM "GuardedMetricContext" m
      JOIN "GuardedExposure" e ON e."environmentId" = m."environmentId" AND e."flagKey" = m."flagKey"
        AND e."variation" = m."variation" AND e."contextHash" = m."contextHash"
      WHERE m."environmentId" = ${q.environmentId} AND m."flagKey" = ${q.flagKey}
        AND m."firstAt" <= ${q.until} AND e."firstAt" <= ${q.until}
        ${after(Prisma.sql`m."firstAt"`)} ${after(Prisma.sql`e."firstAt"`)}
      GROUP BY 1, 2, 3`,
    db.$queryRaw<
      { step: number; variation: number; metricKey: string; count: bigint; valueCount: bigint; sum: number; sumSquares: number }[]
    >`
      SELECT ${step(Prisma.sql`"bucketStart"`)} AS "step", "variation", "metricKey",
        SUM("count")::bigint AS "count", SUM("valueCount")::bigint AS "valueCount", SUM("sum") AS "sum", SUM("sumSquares") AS "sumSquares"
      FROM "GuardedMetricRollup"
      WHERE "environmentId" = ${q.environmentId} AND "flagKey" = ${q.flagKey} AND "bucketStart" <= ${q.until} ${after(Prisma.sql`"bucketStart"`)}
      GROUP BY 1, 2, 3`,
  ]);
  return {
    exposed: exposed.map((row) => ({ ...row, contexts: toNumber(row.contexts) })),
    converted: converted.map((row) => ({ ...row, contexts: toNumber(row.contexts) })),
    sums: sums.map((row) => ({
      step: row.step,
      variation: row.variation,
      metricKey: row.metricKey,
      count: toNumber(row.count),
      valueCount: toNumber(row.valueCount),
      sum: Number(row.sum),
      sumSquares: Number(row.sumSquares),
    })),
  };
}
