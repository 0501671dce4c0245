import type { Db } from '../db/prisma.ts';

// Times are passed as ISO strings and read as UTC: the columns have no time zone, and the session's may not be UTC.

/**
 * Moves the minute rows of FlagEvaluationRollup from before `before` into hour rows. The rows are
 * deleted and added in one statement, so no reader ever sees a count twice or not at all, and two
 * compactions at once cannot move a row twice (the second finds it deleted). Returns the rows moved.
 */
export async function compactEvaluationMinutes(db: Db, before: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ moved: number }[]>`
    WITH moved AS (
      DELETE FROM "FlagEvaluationRollup"
      WHERE "granularity" = 'minute' AND "bucketStart" < ${before.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      RETURNING *
    ),
    added AS (
      INSERT INTO "FlagEvaluationRollup" AS t ("environmentId", "flagKey", "granularity", "bucketStart", "variation", "errorKind", "count")
      SELECT "environmentId", "flagKey", 'hour', date_trunc('hour', "bucketStart"), "variation", "errorKind",
        LEAST(sum("count"), 9223372036854775807)::bigint
      FROM moved
      GROUP BY "environmentId", "flagKey", date_trunc('hour', "bucketStart"), "variation", "errorKind"
      ON CONFLICT ("environmentId", "flagKey", "granularity", "bucketStart", "variation", "errorKind")
      DO UPDATE SET "count" = LEAST(t."count"::numeric + EXCLUDED."count", 9223372036854775807)::bigint
    )
    SELECT count(*)::int AS moved FROM moved`;
  return row?.moved ?? 0;
}

/** As compactEvaluationMinutes, for CustomEventRollup. */
export async function compactEventMinutes(db: Db, before: Date): Promise<number> {
  const [row] = await db.$queryRaw<{ moved: number }[]>`
    WITH moved AS (
      DELETE FROM "CustomEventRollup"
      WHERE "granularity" = 'minute' AND "bucketStart" < ${before.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      RETURNING *
    ),
    added AS (
      INSERT INTO "CustomEventRollup" AS t
        ("environmentId", "eventKey", "granularity", "bucketStart", "count", "valueCount", "sum", "sumSquares")
      SELECT "environmentId", "eventKey", 'hour', date_trunc('hour', "bucketStart"),
        LEAST(sum("count"), 9223372036854775807)::bigint, LEAST(sum("valueCount"), 9223372036854775807)::bigint,
        sum("sum"), sum("sumSquares")
      FROM moved
      GROUP BY "environmentId", "eventKey", date_trunc('hour', "bucketStart")
      ON CONFLICT ("environmentId", "eventKey", "granularity", "bucketStart")
      DO UPDATE SET
        "count" = LEAST(t."count"::numeric + EXCLUDED."count", 9223372036854775807)::bigint,
        "valueCount" = LEAST(t."valueCount"::numeric + EXCLUDED."valueCount", 9223372036854775807)::bigint,
        "sum" = t."sum" + EXCLUDED."sum",
        "sumSquares" = t."sumSquares" + EXCLUDED."sumSquares"
    )
    SELECT count(*)::int AS moved FROM moved`;
  return row?.moved ?? 0;
}

/** Rows deleted by deleteMetricsBefore, per table. */
export type DeletedRows = {
  flagEvaluationRollups: number;
  customEventRollups: number;
  guardedMetricRollups: number;
  guardedExposures: number;
  guardedMetricContexts: number;
  sdkInstances: number;
};

/**
 * Deletes what is older than `before`: rollup rows (either granularity) by bucket, guarded contexts
 * by when they were first seen, SDK instances by when they were last seen. FlagServed is kept: it
 * holds one row per flag and variation, and a flag's status needs its last evaluation however old.
 */
export async function deleteMetricsBefore(db: Db, before: Date): Promise<DeletedRows> {
  const [row] = await db.$queryRaw<DeletedRows[]>`
    WITH cutoff AS (SELECT ${before.toISOString()}::timestamptz AT TIME ZONE 'UTC' AS at),
    evaluations AS (DELETE FROM "FlagEvaluationRollup" WHERE "bucketStart" < (SELECT at FROM cutoff) RETURNING 1),
    events AS (DELETE FROM "CustomEventRollup" WHERE "bucketStart" < (SELECT at FROM cutoff) RETURNING 1),
    metrics AS (DELETE FROM "GuardedMetricRollup" WHERE "bucketStart" < (SELECT at FROM cutoff) RETURNING 1),
    exposures AS (DELETE FROM "GuardedExposure" WHERE "firstAt" < (SELECT at FROM cutoff) RETURNING 1),
    contexts AS (DELETE FROM "GuardedMetricContext" WHERE "firstAt" < (SELECT at FROM cutoff) RETURNING 1),
    instances AS (DELETE FROM "SdkInstance" WHERE "lastSeenAt" < (SELECT at FROM cutoff) RETURNING 1)
    SELECT
      (SELECT count(*)::int FROM evaluations) AS "flagEvaluationRollups",
      (SELECT count(*)::int FROM events) AS "customEventRollups",
      (SELECT count(*)::int FROM metrics) AS "guardedMetricRollups",
      (SELECT count(*)::int FROM exposures) AS "guardedExposures",
      (SELECT count(*)::int FROM contexts) AS "guardedMetricContexts",
      (SELECT count(*)::int FROM instances) AS "sdkInstances"`;
  return row!;
}

/** Deletes reports folded before `before` (a retry of one after that would be counted again); unfolded ones stay. */
export async function deleteReportsFoldedBefore(db: Db, before: Date): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "MetricsReport" WHERE "foldedAt" < ${before.toISOString()}::timestamptz AT TIME ZONE 'UTC'`;
}
