import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { METRICS_JOBS, type ScheduledJobsOptions } from '../../../server/src/metrics/scheduled-jobs.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { environmentId } from './reports.ts';

/** A schedule that does not come due while the tests run (New Year's midnight, UTC). */
const NEVER = '0 0 1 1 *';

/** Replicas of `t`'s service with the scheduled jobs started (pg-boss), as server.ts starts them. */
async function startReplicas(
  t: TestApp,
  count: number,
  jobs: Omit<ScheduledJobsOptions, 'databaseUrl'>,
  { together = false }: { together?: boolean } = {},
) {
  const replicas: { app: FastifyInstance; prisma: PrismaClient }[] = [];
  const startOne = async () => {
    const prisma = createPrisma(t.db.url, 3);
    const app = await buildApp({
      prisma,
      metrics: { foldIntervalMs: 0, jobs: { databaseUrl: t.db.url, pollingIntervalSeconds: 0.5, ...jobs } },
    });
    replicas.push({ app, prisma });
    await app.ready();
  };
  if (together) await Promise.all(Array.from({ length: count }, startOne));
  else for (let i = 0; i < count; i++) await startOne();
  let closed = false;
  return {
    apps: replicas.map((r) => r.app),
    async close() {
      if (closed) return;
      closed = true;
      for (const { app, prisma } of replicas) {
        await app.close();
        await prisma.$disconnect();
      }
    },
  };
}

type JobRow = { id: string; state: string; retry_count: number; output: Record<string, unknown> | null };
const jobsOf = (t: TestApp, name: string) =>
  t.db.prisma.$queryRaw<JobRow[]>`SELECT id::text, state::text, retry_count, output FROM pgboss.job WHERE name = ${name}`;

describe('scheduled compaction and retention (pg-boss)', () => {
  let t: TestApp;
  let env: string;

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    env = await environmentId(t.db.prisma, 'production');
  });
  afterAll(async () => t?.close());

  it('are not started unless asked: buildApp leaves them to server.ts', async () => {
    expect(t.app.metrics.jobs).toBeNull();
    const [row] = await t.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'pgboss'`;
    expect(row?.n).toBe(0);
  });

  it('start on replicas starting together on a database pg-boss has never seen: they take turns installing it', async () => {
    const t2 = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    try {
      const replicas = await startReplicas(t2, 3, { compactionCron: NEVER, retentionCron: NEVER }, { together: true });
      try {
        for (const app of replicas.apps) expect(await app.metrics.jobs!.schedules()).toHaveLength(2);
      } finally {
        await replicas.close();
      }
    } finally {
      await t2.close();
    }
  });

  describe('on two replicas of one database', () => {
    let replicas: Awaited<ReturnType<typeof startReplicas>>;
    let a: FastifyInstance;
    let b: FastifyInstance;

    beforeAll(async () => {
      replicas = await startReplicas(t, 2, { compactionCron: NEVER, retentionCron: NEVER });
      [a, b] = replicas.apps as [FastifyInstance, FastifyInstance];
    });
    afterAll(async () => replicas?.close());

    it('keep their tables in a schema of their own, and one schedule per job', async () => {
      const [row] = await t.db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'pgboss' AND table_name = 'job'`;
      expect(row?.n).toBe(1);
      expect((await a.metrics.jobs!.schedules()).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
        { name: METRICS_JOBS.compaction, cron: NEVER },
        { name: METRICS_JOBS.retention, cron: NEVER },
      ]);
    });

    it('run the compaction on demand on one of the replicas, keeping the totals', async () => {
      const old = new Date(Date.now() - 72 * 3_600_000);
      await t.db.prisma.flagEvaluationRollup.createMany({
        data: [1, 2, 3].map((minute) => ({
          environmentId: env,
          flagKey: 'new-checkout',
          granularity: 'minute',
          bucketStart: new Date(Math.floor(old.getTime() / 3_600_000) * 3_600_000 + minute * 60_000),
          variation: 0,
          errorKind: '',
          count: BigInt(minute),
        })),
      });
      const output = await a.metrics.jobs!.runNow(METRICS_JOBS.compaction);
      expect(output).toMatchObject({ evaluationRows: 3, eventRows: 0 });
      expect([a.metrics.replica, b.metrics.replica]).toContain(output.replica);
      const rows = await t.db.prisma.flagEvaluationRollup.findMany();
      expect(rows.map((r) => [r.granularity, Number(r.count)])).toEqual([['hour', 6]]);
    });

    it('run the retention on demand', async () => {
      const output = await b.metrics.jobs!.runNow(METRICS_JOBS.retention);
      expect(output).toMatchObject({ flagEvaluationRollups: 0, metricsReports: 0 });
    });

    it('run each job once, on one replica, however many are queued from both at once', async () => {
      const ranBefore = a.metrics.jobs!.runs(METRICS_JOBS.compaction) + b.metrics.jobs!.runs(METRICS_JOBS.compaction);
      const outputs = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).metrics.jobs!.runNow(METRICS_JOBS.compaction)));
      const ranAfter = a.metrics.jobs!.runs(METRICS_JOBS.compaction) + b.metrics.jobs!.runs(METRICS_JOBS.compaction);
      expect(ranAfter - ranBefore).toBe(8);
      expect(outputs.every((o) => o.replica === a.metrics.replica || o.replica === b.metrics.replica)).toBe(true);
      const jobs = await jobsOf(t, METRICS_JOBS.compaction);
      expect(jobs).toHaveLength(9); // with the one of the test before
      expect(jobs.every((job) => job.state === 'completed' && job.retry_count === 0)).toBe(true);
    });
  });

  it('send one job per schedule and minute, whichever replica checks the schedules, and run it once', async () => {
    await t.db.prisma.$executeRaw`DELETE FROM pgboss.job`;
    const replicas = await startReplicas(t, 2, { compactionCron: '* * * * *', retentionCron: NEVER, cronMonitorIntervalSeconds: 1 });
    try {
      const [c, d] = replicas.apps as [FastifyInstance, FastifyInstance];
      await until(
        'a scheduled compaction ran',
        async () => (await jobsOf(t, METRICS_JOBS.compaction)).some((job) => job.state === 'completed'),
        20_000,
        100,
      );
      // Let both replicas' schedule checks run a few more times, then stop them, so that no minute
      // turns and no job starts while the outcome is read.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await replicas.close();
      const sent = await t.db.prisma.$queryRaw<{ singleton_on: Date }[]>`
        SELECT singleton_on FROM pgboss.job WHERE name = '__pgboss__send-it' AND singleton_key = ${METRICS_JOBS.compaction}`;
      const minutes = new Set(sent.map((row) => row.singleton_on.toISOString()));
      expect(minutes.size).toBe(sent.length);
      const jobs = await jobsOf(t, METRICS_JOBS.compaction);
      // One job per minute sent (the last minute's may have been sent just as the replicas stopped).
      expect(jobs.length).toBeGreaterThanOrEqual(1);
      expect(jobs.length).toBeLessThanOrEqual(sent.length);
      const completed = jobs.filter((job) => job.state === 'completed');
      expect(c.metrics.jobs!.runs(METRICS_JOBS.compaction) + d.metrics.jobs!.runs(METRICS_JOBS.compaction)).toBe(completed.length);
    } finally {
      await replicas.close();
    }
  }, 45_000);
});
