import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { whileHoldingLock } from '../db/locks.ts';
import type { MetricsLog } from './log.ts';
import type { MetricsMaintenance } from './maintenance-service.ts';

export type ScheduledJobsOptions = {
  /** The database the jobs run on; pg-boss keeps its own tables there, in the schema `pgboss`. */
  databaseUrl: string;
  /** Cron (UTC) of the compaction of minute rows into hour rows; default every 5 minutes. */
  compactionCron?: string;
  /** Cron (UTC) of the retention; default hourly. */
  retentionCron?: string;
  /** How often an idle worker asks for a job; default 10 s (a scheduled job waits at most that long). */
  pollingIntervalSeconds?: number;
  /** How often pg-boss checks the schedules (one replica at a time); default 30 s. */
  cronMonitorIntervalSeconds?: number;
};

export const METRICS_JOBS = { compaction: 'metrics-compaction', retention: 'metrics-retention' } as const;
type MetricsJobName = (typeof METRICS_JOBS)[keyof typeof METRICS_JOBS];

/** A job that has not ended within this is reported as a failure (and retried by pg-boss). */
const JOB_EXPIRE_SECONDS = 15 * 60;
/** How long stop() lets a running job finish. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * Compaction and retention, scheduled with pg-boss on PostgreSQL, so that with any number of
 * replicas each scheduled run happens once: pg-boss's cron check runs on one replica at a time and
 * sends one job per schedule and minute, and each job is fetched by one worker (FOR UPDATE SKIP
 * LOCKED). The work itself is also safe to run twice at once (see maintenance-repository.ts).
 */
export class MetricsJobs {
  private boss: PgBoss | null = null;
  private readonly ran = new Map<MetricsJobName, number>();

  constructor(
    private readonly deps: { options: ScheduledJobsOptions; maintenance: MetricsMaintenance; replica: string; log: MetricsLog },
  ) {}

  async start(): Promise<void> {
    const { options, maintenance, log } = this.deps;
    const boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: 'pgboss',
      max: 2,
      application_name: 'switchyard-jobs',
      cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 30,
    });
    boss.on('error', (err) => log.warn({ err }, 'scheduled jobs (pg-boss) failed; they are tried again'));
    this.boss = boss; // so that stop() closes its connections even when start() fails halfway
    const jobs: [MetricsJobName, string, () => Promise<object>][] = [
      [METRICS_JOBS.compaction, options.compactionCron ?? '*/5 * * * *', () => maintenance.compact()],
      [METRICS_JOBS.retention, options.retentionCron ?? '7 * * * *', () => maintenance.applyRetention()],
    ];
    // Replicas starting together on a new database each install pg-boss's schema and queues: done
    // concurrently, that failed start-up with "deadlock detected" (bench:telemetry, two replicas), so
    // they take turns.
    await whileHoldingLock(options.databaseUrl, 'scheduledJobsSetup', async () => {
      try {
        await boss.start();
      } catch (error) {
        throw new Error(`Could not start the scheduled jobs (pg-boss) on the database: ${(error as Error).message}`, { cause: error });
      }
      for (const [name, cron] of jobs) {
        await boss.createQueue(name, { name, retryLimit: 3, retryDelay: 60, expireInSeconds: JOB_EXPIRE_SECONDS });
        await boss.schedule(name, cron, {}, { tz: 'UTC' });
      }
    });
    for (const [name, , work] of jobs) {
      await boss.work(name, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 10 }, async () => {
        const output = await work();
        this.ran.set(name, (this.ran.get(name) ?? 0) + 1);
        return { replica: this.deps.replica, ...output };
      });
    }
  }

  /** Queues a run of the job now (as its schedule does), waits for whichever replica takes it, and returns its output. */
  async runNow(name: MetricsJobName): Promise<Record<string, unknown>> {
    const boss = this.started();
    const id = await boss.send(name, {});
    if (!id) throw new Error(`pg-boss did not queue a ${name} job`);
    for (;;) {
      const job = await boss.getJobById<object>(name, id, { includeArchive: true });
      if (job?.state === 'completed') return job.output as Record<string, unknown>;
      if (job?.state === 'failed' || job?.state === 'cancelled')
        throw new Error(`${name} job ${id} ${job.state}: ${JSON.stringify(job.output)}`);
      await sleep(50);
    }
  }

  /** How many jobs of this name this replica ran. */
  runs(name: MetricsJobName): number {
    return this.ran.get(name) ?? 0;
  }

  /** The schedules as stored (one per job, whichever replica wrote it last). */
  async schedules(): Promise<{ name: string; cron: string }[]> {
    return (await this.started().getSchedules()).map(({ name, cron }) => ({ name, cron }));
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    if (!boss) return;
    await boss.stop({ graceful: true, wait: true, close: true, timeout: STOP_TIMEOUT_MS });
    // Its pool resolves end() before every socket has closed: a database stopped right after (the embedded
    // one, at shutdown) makes those report "terminating connection", which is no problem of a stopped job runner.
    boss.removeAllListeners('error');
    boss.on('error', () => {});
  }

  private started(): PgBoss {
    if (!this.boss) throw new Error('The scheduled jobs are not started');
    return this.boss;
  }
}
