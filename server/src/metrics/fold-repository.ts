import { type Db, Prisma, type Transaction } from '../db/prisma.ts';

/**
 * Folding: adding the reports of the inbox (MetricsReport) into the rollups, set-based, in one
 * statement per batch, and marking them folded in that same statement, so that a report's counts
 * enter the rollups exactly when it stops being unfolded.
 *
 * Bucket and clamp rules (what the insights read): a report's times are clamped into
 * [receivedAt - 24 h, receivedAt]; its counts go to the minute of its clamped window start;
 * FlagServed's firstAt/lastAt come from the clamped window start/end; SdkInstance.lastSeenAt is the
 * receive time. Errors are stored with variation -1 and their errorKind, variations with errorKind ''.
 * Counts saturate at the largest bigint rather than fail (one report cannot stop the folding).
 */

/**
 * Folds up to `limit` of the oldest unfolded reports (or only the report `onlyId`, when given and still
 * unfolded); returns how many. Reports whose environment is being deleted are skipped (FOR KEY SHARE
 * ... SKIP LOCKED: the deletion waits for no fold, no fold waits for it, and the reports go with their
 * environment).
 */
export async function foldOldestReports(tx: Transaction, limit: number, onlyId?: string): Promise<number> {
  // The planner guesses 100 rows per JSON array element, so its cost estimate of this statement is far
  // above jit_above_cost, and JIT compiling it took seconds, for a statement that runs in milliseconds.
  await tx.$executeRaw`SET LOCAL jit = off`;
  const [row] = await tx.$queryRaw<{ folded: number }[]>`
    WITH claimed AS (
      SELECT r."id", r."environmentId" AS env, r."receivedAt" AS at, r."payload" AS p
      FROM "MetricsReport" r JOIN "Environment" e ON e."id" = r."environmentId"
      WHERE r."foldedAt" IS NULL ${onlyId === undefined ? Prisma.empty : Prisma.sql`AND r."id" = ${onlyId}`}
      ORDER BY r."receivedAt", r."id"
      LIMIT ${limit}
      FOR UPDATE OF r SKIP LOCKED
      FOR KEY SHARE OF e SKIP LOCKED
    ),
    reports AS (
      SELECT c.*,
        LEAST(GREATEST(timestamp 'epoch' + (c.p #>> '{window,start}')::bigint * interval '1 millisecond', c.at - interval '24 hours'), c.at)
          AS started,
        LEAST(GREATEST(timestamp 'epoch' + (c.p #>> '{window,end}')::bigint * interval '1 millisecond', c.at - interval '24 hours'), c.at)
          AS ended
      FROM claimed c
    ),
    evaluations AS (
      SELECT r.env, r.started, r.ended, e.flag, COALESCE(e.variation, -1) AS variation, COALESCE(e.error, '') AS error, e.count
      FROM reports r CROSS JOIN LATERAL jsonb_to_recordset(r.p -> 'evaluations') AS e(flag text, variation int, error text, count bigint)
      WHERE e.count > 0
    ),
    evaluation_rollups AS (
      INSERT INTO "FlagEvaluationRollup" AS t ("environmentId", "flagKey", "granularity", "bucketStart", "variation", "errorKind", "count")
      SELECT env, flag, 'minute', date_trunc('minute', started), variation, error, LEAST(sum(count), 9223372036854775807)::bigint
      FROM evaluations
      GROUP BY env, flag, date_trunc('minute', started), variation, error
      ON CONFLICT ("environmentId", "flagKey", "granularity", "bucketStart", "variation", "errorKind")
      DO UPDATE SET "count" = LEAST(t."count"::numeric + EXCLUDED."count", 9223372036854775807)::bigint
    ),
    served AS (
      INSERT INTO "FlagServed" AS t ("environmentId", "flagKey", "variation", "errorKind", "firstAt", "lastAt")
      SELECT env, flag, variation, error, min(started), max(ended)
      FROM evaluations
      GROUP BY env, flag, variation, error
      ON CONFLICT ("environmentId", "flagKey", "variation", "errorKind")
      DO UPDATE SET "firstAt" = LEAST(t."firstAt", EXCLUDED."firstAt"), "lastAt" = GREATEST(t."lastAt", EXCLUDED."lastAt")
      WHERE EXCLUDED."firstAt" < t."firstAt" OR EXCLUDED."lastAt" > t."lastAt"
    ),
    event_rollups AS (
      INSERT INTO "CustomEventRollup" AS t
        ("environmentId", "eventKey", "granularity", "bucketStart", "count", "valueCount", "sum", "sumSquares")
      SELECT r.env, v.key, 'minute', date_trunc('minute', r.started),
        LEAST(sum(v.count), 9223372036854775807)::bigint, LEAST(sum(v."valueCount"), 9223372036854775807)::bigint,
        sum(v.sum), sum(v."sumSquares")
      FROM reports r
      CROSS JOIN LATERAL jsonb_to_recordset(r.p -> 'events')
        AS v(key text, count bigint, "valueCount" bigint, sum float8, "sumSquares" float8)
      WHERE v.count > 0 OR v."valueCount" > 0
      GROUP BY r.env, v.key, date_trunc('minute', r.started)
      ON CONFLICT ("environmentId", "eventKey", "granularity", "bucketStart")
      DO UPDATE SET
        "count" = LEAST(t."count"::numeric + EXCLUDED."count", 9223372036854775807)::bigint,
        "valueCount" = LEAST(t."valueCount"::numeric + EXCLUDED."valueCount", 9223372036854775807)::bigint,
        "sum" = t."sum" + EXCLUDED."sum",
        "sumSquares" = t."sumSquares" + EXCLUDED."sumSquares"
    ),
    guarded AS (
      SELECT r.env, r.started, g.flag, g.variation, g.exposures, g.metrics
      FROM reports r CROSS JOIN LATERAL jsonb_to_recordset(r.p -> 'guarded') AS g(flag text, variation int, exposures jsonb, metrics jsonb)
    ),
    exposures AS (
      INSERT INTO "GuardedExposure" AS t ("environmentId", "flagKey", "variation", "contextHash", "firstAt")
      SELECT g.env, g.flag, g.variation, h.hash, min(g.started)
      FROM guarded g CROSS JOIN LATERAL jsonb_array_elements_text(g.exposures) AS h(hash)
      GROUP BY g.env, g.flag, g.variation, h.hash
      ON CONFLICT ("environmentId", "flagKey", "variation", "contextHash")
      DO UPDATE SET "firstAt" = EXCLUDED."firstAt" WHERE EXCLUDED."firstAt" < t."firstAt"
    ),
    guarded_metrics AS (
      SELECT g.env, g.started, g.flag, g.variation, m.key AS metric, m.count, m."valueCount" AS value_count, m.sum AS total,
        m."sumSquares" AS total_squares, m.contexts
      FROM guarded g
      CROSS JOIN LATERAL jsonb_to_recordset(g.metrics)
        AS m(key text, count bigint, "valueCount" bigint, sum float8, "sumSquares" float8, contexts jsonb)
    ),
    metric_contexts AS (
      INSERT INTO "GuardedMetricContext" AS t ("environmentId", "flagKey", "metricKey", "variation", "contextHash", "firstAt")
      SELECT m.env, m.flag, m.metric, m.variation, h.hash, min(m.started)
      FROM guarded_metrics m CROSS JOIN LATERAL jsonb_array_elements_text(m.contexts) AS h(hash)
      GROUP BY m.env, m.flag, m.metric, m.variation, h.hash
      ON CONFLICT ("environmentId", "flagKey", "metricKey", "variation", "contextHash")
      DO UPDATE SET "firstAt" = EXCLUDED."firstAt" WHERE EXCLUDED."firstAt" < t."firstAt"
    ),
    metric_rollups AS (
      INSERT INTO "GuardedMetricRollup" AS t
        ("environmentId", "flagKey", "metricKey", "variation", "bucketStart", "count", "valueCount", "sum", "sumSquares")
      SELECT env, flag, metric, variation, date_trunc('minute', started),
        LEAST(sum(count), 9223372036854775807)::bigint, LEAST(sum(value_count), 9223372036854775807)::bigint,
        sum(total), sum(total_squares)
      FROM guarded_metrics
      WHERE count > 0 OR value_count > 0
      GROUP BY env, flag, metric, variation, date_trunc('minute', started)
      ON CONFLICT ("environmentId", "flagKey", "metricKey", "variation", "bucketStart")
      DO UPDATE SET
        "count" = LEAST(t."count"::numeric + EXCLUDED."count", 9223372036854775807)::bigint,
        "valueCount" = LEAST(t."valueCount"::numeric + EXCLUDED."valueCount", 9223372036854775807)::bigint,
        "sum" = t."sum" + EXCLUDED."sum",
        "sumSquares" = t."sumSquares" + EXCLUDED."sumSquares"
    ),
    instances AS (
      -- Identity fields from the instance's last report (by receive time), drops summed over all of them.
      INSERT INTO "SdkInstance" AS t ("environmentId", "instanceId", "sdkName", "sdkVersion", "mode", "snapshotVersion",
        "firstSeenAt", "lastSeenAt", "droppedEvaluations", "droppedEvents", "droppedContexts", "droppedReports")
      SELECT s.env, s.instance, s.sdk ->> 'name', s.sdk ->> 'version', s.sdk ->> 'mode',
        CASE WHEN (s.sdk ->> 'snapshotVersion')::bigint <= 2147483647 THEN (s.sdk ->> 'snapshotVersion')::int END,
        s.first_seen, s.last_seen, s.evaluations, s.events, s.contexts, s.reports
      FROM (
        SELECT r.env, r.p #>> '{sdk,instanceId}' AS instance, (array_agg(r.p -> 'sdk' ORDER BY r.at DESC, r.id DESC))[1] AS sdk,
          min(r.at) AS first_seen, max(r.at) AS last_seen,
          LEAST(sum((r.p #>> '{dropped,evaluations}')::bigint), 9223372036854775807)::bigint AS evaluations,
          LEAST(sum((r.p #>> '{dropped,events}')::bigint), 9223372036854775807)::bigint AS events,
          LEAST(sum((r.p #>> '{dropped,contexts}')::bigint), 9223372036854775807)::bigint AS contexts,
          LEAST(sum((r.p #>> '{dropped,reports}')::bigint), 9223372036854775807)::bigint AS reports
        FROM reports r
        GROUP BY r.env, r.p #>> '{sdk,instanceId}'
      ) s
      ON CONFLICT ("environmentId", "instanceId") DO UPDATE SET
        "sdkName" = CASE WHEN EXCLUDED."lastSeenAt" >= t."lastSeenAt" THEN EXCLUDED."sdkName" ELSE t."sdkName" END,
        "sdkVersion" = CASE WHEN EXCLUDED."lastSeenAt" >= t."lastSeenAt" THEN EXCLUDED."sdkVersion" ELSE t."sdkVersion" END,
        "mode" = CASE WHEN EXCLUDED."lastSeenAt" >= t."lastSeenAt" THEN EXCLUDED."mode" ELSE t."mode" END,
        "snapshotVersion" = CASE WHEN EXCLUDED."lastSeenAt" >= t."lastSeenAt" THEN EXCLUDED."snapshotVersion" ELSE t."snapshotVersion" END,
        "firstSeenAt" = LEAST(t."firstSeenAt", EXCLUDED."firstSeenAt"),
        "lastSeenAt" = GREATEST(t."lastSeenAt", EXCLUDED."lastSeenAt"),
        "droppedEvaluations" = LEAST(t."droppedEvaluations"::numeric + EXCLUDED."droppedEvaluations", 9223372036854775807)::bigint,
        "droppedEvents" = LEAST(t."droppedEvents"::numeric + EXCLUDED."droppedEvents", 9223372036854775807)::bigint,
        "droppedContexts" = LEAST(t."droppedContexts"::numeric + EXCLUDED."droppedContexts", 9223372036854775807)::bigint,
        "droppedReports" = LEAST(t."droppedReports"::numeric + EXCLUDED."droppedReports", 9223372036854775807)::bigint
    ),
    folded AS (
      UPDATE "MetricsReport" m SET "foldedAt" = now() AT TIME ZONE 'UTC', "payload" = NULL
      FROM claimed c WHERE m."id" = c."id"
      RETURNING 1
    )
    SELECT count(*)::int AS folded FROM folded`;
  return row?.folded ?? 0;
}

/** The id of the report that `foldOldestReports(tx, 1)` would fold next, or null when none waits. */
export async function oldestUnfoldedReport(db: Db): Promise<string | null> {
  const [row] = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "MetricsReport" WHERE "foldedAt" IS NULL ORDER BY "receivedAt", "id" LIMIT 1`;
  return row?.id ?? null;
}

/**
 * Takes a report out of the folding without counting it (foldedAt set, payload kept for a day for
 * whoever investigates): for a report whose numbers cannot be added (a sum that overflows a double).
 * False when it was folded or deleted meanwhile.
 */
export async function setAsideReport(tx: Transaction, id: string): Promise<boolean> {
  const changed = await tx.$executeRaw`
    UPDATE "MetricsReport" SET "foldedAt" = now() AT TIME ZONE 'UTC' WHERE "id" = ${id} AND "foldedAt" IS NULL`;
  return changed === 1;
}

export async function countUnfoldedReports(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "MetricsReport" WHERE "foldedAt" IS NULL`;
  return row?.n ?? 0;
}
