import type { MetricsReport } from '@switchyard/sdk/model';
import type pg from 'pg';
import { isForeignKeyViolation } from './sql-state.ts';

type Counts = { environments: number; inserted: number };

/** $1 the environment's id, $2 the report's id, $3 the report as JSON. */
const INSERT_REPORT = `
  WITH environment AS (SELECT "id" FROM "Environment" WHERE "id" = $1),
  inserted AS (
    INSERT INTO "MetricsReport" ("id", "environmentId", "receivedAt", "payload")
    SELECT $2, "id", now() AT TIME ZONE 'UTC', $3::jsonb FROM environment
    ON CONFLICT ("id") DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*)::int FROM environment) AS "environments", (SELECT count(*)::int FROM inserted) AS "inserted"`;

/** `duplicate`: the report id was already in the inbox. `environment-gone`: the environment was deleted. */
export type InsertReportResult = 'inserted' | 'duplicate' | 'environment-gone';

/**
 * Puts a report in the inbox (MetricsReport), once per report id: a retry of a report already there
 * inserts nothing. Times are UTC (the columns have no time zone; the session's may not be UTC).
 */
export async function insertReport(pool: pg.Pool, environmentId: string, report: MetricsReport): Promise<InsertReportResult> {
  try {
    const [row] = (await pool.query<Counts>(INSERT_REPORT, [environmentId, report.reportId, JSON.stringify(report)])).rows;
    if (!row?.environments) return 'environment-gone';
    return row.inserted ? 'inserted' : 'duplicate';
  } catch (error) {
    // Deleted between the read of "environment" and the insert's foreign key check.
    if (isForeignKeyViolation(error)) return 'environment-gone';
    throw error;
  }
}
