import type { PrismaClient } from '../db/prisma.ts';
import {
  compactEvaluationMinutes,
  compactEventMinutes,
  type DeletedRows,
  deleteMetricsBefore,
  deleteReportsFoldedBefore,
} from './maintenance-repository.ts';

/** How long what was folded is kept: minute rows (then compacted into hour rows), and everything. */
export type RetentionSettings = { minuteRetentionHours: number; retentionDays: number };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A folded report's id stays this long, so that a retry of it within the day is recognised and not counted again. */
const FOLDED_REPORT_RETENTION_MS = DAY_MS;

/** Compaction and retention of the stored metrics; scheduled by MetricsJobs, and callable directly. */
export class MetricsMaintenance {
  constructor(private readonly deps: { prisma: PrismaClient; retention: RetentionSettings }) {}

  /**
   * Compacts minute rows older than the minute retention into hour rows. The cutoff is a whole hour,
   * so hour rows are made of complete hours (bar a report folded late, added on a later run).
   */
  compact(now = new Date()): Promise<{ before: string; evaluationRows: number; eventRows: number }> {
    const before = new Date(Math.floor((now.getTime() - this.deps.retention.minuteRetentionHours * HOUR_MS) / HOUR_MS) * HOUR_MS);
    return this.deps.prisma.$transaction(async (tx) => ({
      before: before.toISOString(),
      evaluationRows: await compactEvaluationMinutes(tx, before),
      eventRows: await compactEventMinutes(tx, before),
    }));
  }

  /** Deletes what is older than the retention, and inbox rows folded more than a day ago. */
  async applyRetention(now = new Date()): Promise<DeletedRows & { before: string; metricsReports: number }> {
    const before = new Date(now.getTime() - this.deps.retention.retentionDays * DAY_MS);
    const deleted = await deleteMetricsBefore(this.deps.prisma, before);
    const metricsReports = await deleteReportsFoldedBefore(this.deps.prisma, new Date(now.getTime() - FOLDED_REPORT_RETENTION_MS));
    return { before: before.toISOString(), ...deleted, metricsReports };
  }
}
