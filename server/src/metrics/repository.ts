import type { MetricsReport } from '@switchyard/sdk/model';
import type { Db } from '../db/prisma.ts';
import { isForeignKeyViolation } from './sql-state.ts';

/** `duplicate`: the report id was already in the inbox. `environment-gone`: the environment was deleted. */
export type InsertReportResult = 'inserted' | 'duplicate' | 'environment-gone';

/**
 * Puts a report in the inbox (MetricsReport), once per report id: a retry of a report already there
 * inserts nothing. Times are UTC (the columns have no time zone; the session's may not be UTC).
 */
export async function insertReport(db: Db, environmentId: string, report: MetricsReport): Promise<InsertReportResult> {
  try {
    const [row] = await db.$queryRaw<{ environments: number; inserted: number }[]>`
      WITH environment AS (SELECT "id" FROM "Environment" WHERE "id" = ${environmentId}),
      inserted AS (
        INSERT INTO "MetricsReport" ("id", "environmentId", "receivedAt", "payload")
        SELECT ${report.reportId}, "id", now() AT TIME ZONE 'UTC', ${JSON.stringify(report)}::jsonb FROM environment
        ON CONFLICT ("id") DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT count(*)::int FROM environment) AS "environments", (SELECT count(*)::int FROM inserted) AS "inserted"`;
    if (!row?.environments) return 'environment-gone';
    return row.inserted ? 'inserted' : 'duplicate';
  } catch (error) {
    // Deleted between the read of "environment" and the insert's foreign key check.
    if (isForeignKeyViolation(error)) return 'environment-gone';
    throw error;
  }
}
