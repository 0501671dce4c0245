import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MetricsFolder } from './fold-service.ts';
import { MetricsMaintenance, type RetentionSettings } from './maintenance-service.ts';
import { MetricsJobs, type ScheduledJobsOptions } from './scheduled-jobs.ts';
import { MetricsService } from './service.ts';

export type MetricsOptions = RetentionSettings & {
  /** How often each replica folds the inbox into the rollups; 0: never on its own (tests fold with `folder.foldPending()`). */
  foldIntervalMs: number;
  /** Reports folded per transaction. */
  foldBatchSize: number;
  /** How often the counts of remote evaluations are sent through the inbox (and on close). */
  remoteCountsFlushIntervalMs: number;
  /** Compaction and retention scheduled with pg-boss; null: not started (most tests). */
  jobs: ScheduledJobsOptions | null;
};

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  foldIntervalMs: 1000,
  foldBatchSize: 100,
  remoteCountsFlushIntervalMs: 10_000,
  minuteRetentionHours: 48,
  retentionDays: 90,
  jobs: null,
};

/** The metrics machinery of one replica. */
export type Metrics = {
  /** Random per replica (per app): the instanceId of its own reports, and who ran a scheduled job. */
  replica: string;
  settings: MetricsOptions;
  reports: MetricsService;
  folder: MetricsFolder;
  maintenance: MetricsMaintenance;
  /** Null unless `jobs` was given. */
  jobs: MetricsJobs | null;
};

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/** Builds the metrics services; starts the folding loop (and the scheduled jobs when asked) on ready, stops them on close. */
export default fp(
  async function metrics(app: FastifyInstance, opts: { options: Partial<MetricsOptions> }) {
    const settings: MetricsOptions = { ...DEFAULT_METRICS_OPTIONS, ...opts.options };
    const replica = randomUUID();
    const maintenance = new MetricsMaintenance({ prisma: app.prisma, retention: settings });
    const folder = new MetricsFolder({ prisma: app.prisma, batchSize: settings.foldBatchSize, log: app.log });
    const jobs = settings.jobs ? new MetricsJobs({ options: settings.jobs, maintenance, replica, log: app.log }) : null;
    app.decorate('metrics', { replica, settings, reports: new MetricsService({ prisma: app.prisma }), folder, maintenance, jobs });

    app.addHook('onReady', async () => {
      if (settings.foldIntervalMs > 0) folder.start(settings.foldIntervalMs);
      await jobs?.start();
    });
    app.addHook('onClose', async () => {
      await folder.stop();
      await jobs?.stop();
    });
  },
  { name: 'metrics', dependencies: ['prisma'] },
);
