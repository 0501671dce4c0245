import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma } from '../../../server/src/db/prisma.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { clearMetrics, environmentId, makeReport, minuteOf, postReport, storedMetrics } from './reports.ts';

const HOUR = 3_600_000;
const HASH_A = 'aaaaaaaaaaaaaaaa';
const HASH_B = 'bbbbbbbbbbbbbbbb';

describe('folding reports into the rollups', () => {
  let t: TestApp;
  let serverKey: string;
  let production: string;

  const post = async (report: ReturnType<typeof makeReport>, key = serverKey) => {
    const res = await postReport(t, key, report);
    expect(res.statusCode).toBe(202);
    return res.json() as { duplicate: boolean };
  };
  const receivedAt = async (reportId: string) =>
    (await t.db.prisma.metricsReport.findUniqueOrThrow({ where: { id: reportId } })).receivedAt;
  const fold = () => t.app.metrics.folder.foldPending();

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    serverKey = await t.createToken('server', 'production');
    production = await environmentId(t.db.prisma, 'production');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await clearMetrics(t.db.prisma);
  });

  it('adds an accepted report into every rollup, in the minute of its window start, and marks it folded', async () => {
    const report = makeReport({
      sdk: { name: '@switchyard/sdk', version: '0.2.0', instanceId: 'web-1', mode: 'streaming', snapshotVersion: 7 },
      evaluations: [
        { flag: 'new-checkout', variation: 0, count: 40 },
        { flag: 'new-checkout', variation: 1, count: 2 },
        { flag: 'banner', error: 'WRONG_TYPE', count: 3 },
        { flag: 'unused', variation: 0, count: 0 },
      ],
      events: [{ key: 'checkout-completed', count: 5, valueCount: 4, sum: 10, sumSquares: 30 }],
      guarded: [
        {
          flag: 'new-search',
          variation: 1,
          exposures: [HASH_A, HASH_B],
          metrics: [{ key: 'search-latency-ms', count: 3, valueCount: 3, sum: 60, sumSquares: 1400, contexts: [HASH_A] }],
        },
      ],
      dropped: { evaluations: 1, events: 2, contexts: 3, reports: 4 },
    });
    await post(report);
    const at = (await receivedAt(report.reportId)).toISOString();
    expect(await fold()).toBe(1);

    const bucket = minuteOf(report.window.start);
    const start = new Date(report.window.start).toISOString();
    const end = new Date(report.window.end).toISOString();
    const env = production;
    expect(await storedMetrics(t.db.prisma)).toEqual({
      evaluations: [
        {
          environmentId: env,
          flagKey: 'banner',
          granularity: 'minute',
          bucketStart: bucket,
          variation: -1,
          errorKind: 'WRONG_TYPE',
          count: 3,
        },
        { environmentId: env, flagKey: 'new-checkout', granularity: 'minute', bucketStart: bucket, variation: 0, errorKind: '', count: 40 },
        { environmentId: env, flagKey: 'new-checkout', granularity: 'minute', bucketStart: bucket, variation: 1, errorKind: '', count: 2 },
      ],
      served: [
        { environmentId: env, flagKey: 'banner', variation: -1, errorKind: 'WRONG_TYPE', firstAt: start, lastAt: end },
        { environmentId: env, flagKey: 'new-checkout', variation: 0, errorKind: '', firstAt: start, lastAt: end },
        { environmentId: env, flagKey: 'new-checkout', variation: 1, errorKind: '', firstAt: start, lastAt: end },
      ],
      events: [
        {
          environmentId: env,
          eventKey: 'checkout-completed',
          granularity: 'minute',
          bucketStart: bucket,
          count: 5,
          valueCount: 4,
          sum: 10,
          sumSquares: 30,
        },
      ],
      exposures: [
        { environmentId: env, flagKey: 'new-search', variation: 1, contextHash: HASH_A, firstAt: start },
        { environmentId: env, flagKey: 'new-search', variation: 1, contextHash: HASH_B, firstAt: start },
      ],
      metricContexts: [
        { environmentId: env, flagKey: 'new-search', metricKey: 'search-latency-ms', variation: 1, contextHash: HASH_A, firstAt: start },
      ],
      metricRollups: [
        {
          environmentId: env,
          flagKey: 'new-search',
          metricKey: 'search-latency-ms',
          variation: 1,
          bucketStart: bucket,
          count: 3,
          valueCount: 3,
          sum: 60,
          sumSquares: 1400,
        },
      ],
      instances: [
        {
          environmentId: env,
          instanceId: 'web-1',
          sdkName: '@switchyard/sdk',
          sdkVersion: '0.2.0',
          mode: 'streaming',
          snapshotVersion: 7,
          firstSeenAt: at,
          lastSeenAt: at,
          droppedEvaluations: 1,
          droppedEvents: 2,
          droppedContexts: 3,
          droppedReports: 4,
        },
      ],
    });
    const row = await t.db.prisma.metricsReport.findUniqueOrThrow({ where: { id: report.reportId } });
    expect(row.foldedAt).not.toBeNull();
    expect(row.payload).toBeNull();
  });

  it('adds reports of the same minute together, and keeps the contexts as sets', async () => {
    const start = Date.now() - 5 * 60_000;
    const window = { start: start - (start % 60_000) + 1000, end: start - (start % 60_000) + 11_000 };
    const guarded = (exposures: string[]) => [{ flag: 'new-search', variation: 0, exposures, metrics: [] }];
    await post(makeReport({ window, evaluations: [{ flag: 'new-checkout', variation: 0, count: 4 }], guarded: guarded([HASH_A]) }));
    await fold();
    await post(
      makeReport({
        window: { start: window.start + 30_000, end: window.end + 30_000 },
        evaluations: [{ flag: 'new-checkout', variation: 0, count: 6 }],
        guarded: guarded([HASH_A, HASH_B]),
      }),
    );
    await fold();
    const stored = await storedMetrics(t.db.prisma);
    expect(stored.evaluations).toMatchObject([{ bucketStart: minuteOf(window.start), count: 10 }]);
    expect(stored.served).toMatchObject([
      { firstAt: new Date(window.start).toISOString(), lastAt: new Date(window.end + 30_000).toISOString() },
    ]);
    expect(stored.exposures.map((e) => [e.contextHash, e.firstAt])).toEqual([
      [HASH_A, new Date(window.start).toISOString()],
      [HASH_B, new Date(window.start + 30_000).toISOString()],
    ]);
  });

  it('counts a retried report once, whether it arrives before or after the first copy was folded', async () => {
    const report = makeReport({
      evaluations: [{ flag: 'new-checkout', variation: 1, count: 7 }],
      dropped: { evaluations: 0, events: 0, contexts: 0, reports: 1 },
    });
    expect(await post(report)).toEqual({ accepted: true, duplicate: false });
    expect(await post(report)).toEqual({ accepted: true, duplicate: true });
    await fold();
    expect(await post(report)).toEqual({ accepted: true, duplicate: true });
    expect(await fold()).toBe(0);
    const stored = await storedMetrics(t.db.prisma);
    expect(stored.evaluations).toMatchObject([{ flagKey: 'new-checkout', variation: 1, count: 7 }]);
    expect(stored.instances).toMatchObject([{ droppedReports: 1 }]);
  });

  describe('clamps a window into the day before the report arrived', () => {
    it('a window that started days ago counts in the minute a day before arrival', async () => {
      const report = makeReport({
        window: { start: Date.now() - 72 * HOUR, end: Date.now() - 71.9 * HOUR },
        evaluations: [{ flag: 'f', variation: 0, count: 1 }],
      });
      await post(report);
      const at = (await receivedAt(report.reportId)).getTime();
      await fold();
      const stored = await storedMetrics(t.db.prisma);
      expect(stored.evaluations).toMatchObject([{ bucketStart: minuteOf(at - 24 * HOUR), count: 1 }]);
      // Both ends were before the day: both clamp to its start.
      const dayBefore = new Date(at - 24 * HOUR).toISOString();
      expect(stored.served).toMatchObject([{ firstAt: dayBefore, lastAt: dayBefore }]);
    });

    it('a window in the future (a fast clock) counts at arrival', async () => {
      const report = makeReport({
        window: { start: Date.now() + 2 * HOUR, end: Date.now() + 2.1 * HOUR },
        events: [{ key: 'signup', count: 1, valueCount: 0, sum: 0, sumSquares: 0 }],
        evaluations: [{ flag: 'f', variation: 0, count: 1 }],
      });
      await post(report);
      const at = await receivedAt(report.reportId);
      await fold();
      const stored = await storedMetrics(t.db.prisma);
      expect(stored.events).toMatchObject([{ bucketStart: minuteOf(at.getTime()), count: 1 }]);
      expect(stored.served).toMatchObject([{ firstAt: at.toISOString(), lastAt: at.toISOString() }]);
    });

    it('a window that straddles the day start keeps its end', async () => {
      const report = makeReport({
        window: { start: Date.now() - 30 * HOUR, end: Date.now() - 10 * HOUR },
        evaluations: [{ flag: 'f', variation: 0, count: 1 }],
      });
      await post(report);
      const at = (await receivedAt(report.reportId)).getTime();
      await fold();
      expect((await storedMetrics(t.db.prisma)).served).toMatchObject([
        { firstAt: new Date(at - 24 * HOUR).toISOString(), lastAt: new Date(report.window.end).toISOString() },
      ]);
    });
  });

  describe('SDK instances', () => {
    const identity = (version: string, mode: 'streaming' | 'polling', snapshotVersion: number | null) => ({
      name: '@switchyard/sdk',
      version,
      instanceId: 'api-7',
      mode,
      snapshotVersion,
    });

    it('keeps what the last report said and sums the drops, folded one by one or together', async () => {
      for (const together of [false, true]) {
        await t.db.prisma.sdkInstance.deleteMany();
        const first = makeReport({
          sdk: identity('1.0.0', 'streaming', 4),
          dropped: { evaluations: 10, events: 1, contexts: 0, reports: 0 },
        });
        const second = makeReport({
          sdk: identity('1.1.0', 'polling', null),
          dropped: { evaluations: 5, events: 0, contexts: 2, reports: 1 },
        });
        await post(first);
        if (!together) await fold();
        await new Promise((resolve) => setTimeout(resolve, 5)); // a later receive time (milliseconds are stored)
        await post(second);
        await fold();
        expect((await storedMetrics(t.db.prisma)).instances).toEqual([
          expect.objectContaining({
            instanceId: 'api-7',
            sdkVersion: '1.1.0',
            mode: 'polling',
            snapshotVersion: null,
            firstSeenAt: (await receivedAt(first.reportId)).toISOString(),
            lastSeenAt: (await receivedAt(second.reportId)).toISOString(),
            droppedEvaluations: 15,
            droppedEvents: 1,
            droppedContexts: 2,
            droppedReports: 1,
          }),
        ]);
      }
    });

    it('does not let a report received earlier but folded later replace what a later one said', async () => {
      const later = makeReport({ sdk: identity('2.0.0', 'streaming', 9) });
      await post(later);
      await fold();
      const earlier = makeReport({ sdk: identity('1.0.0', 'polling', 3), dropped: { evaluations: 1, events: 0, contexts: 0, reports: 0 } });
      await post(earlier);
      const laterAt = await receivedAt(later.reportId);
      const earlierAt = new Date(laterAt.getTime() - 60_000);
      await t.db.prisma.metricsReport.update({ where: { id: earlier.reportId }, data: { receivedAt: earlierAt } });
      await fold();
      expect((await storedMetrics(t.db.prisma)).instances).toEqual([
        expect.objectContaining({
          sdkVersion: '2.0.0',
          mode: 'streaming',
          snapshotVersion: 9,
          firstSeenAt: earlierAt.toISOString(),
          lastSeenAt: laterAt.toISOString(),
          droppedEvaluations: 1,
        }),
      ]);
    });
  });

  it('folds the oldest reports first, in batches of the size asked', async () => {
    const reports = Array.from({ length: 5 }, (_, i) => makeReport({ evaluations: [{ flag: 'f', variation: 0, count: i + 1 }] }));
    for (const report of reports) await post(report);
    expect(await t.app.metrics.folder.foldOnce(2)).toEqual({ skipped: false, folded: 2, setAside: [] });
    const folded = await t.db.prisma.metricsReport.findMany({ where: { foldedAt: { not: null } }, select: { id: true } });
    expect(folded.map((r) => r.id).sort()).toEqual([reports[0]!.reportId, reports[1]!.reportId].sort());
    expect((await storedMetrics(t.db.prisma)).evaluations).toMatchObject([{ count: 3 }]);
    expect(await fold()).toBe(3);
    expect((await storedMetrics(t.db.prisma)).evaluations).toMatchObject([{ count: 15 }]);
  });

  it('saturates a count at the largest bigint instead of failing', async () => {
    const report = makeReport({ evaluations: [{ flag: 'f', variation: 0, count: 10 }] });
    await t.db.prisma.flagEvaluationRollup.create({
      data: {
        environmentId: production,
        flagKey: 'f',
        granularity: 'minute',
        bucketStart: new Date(minuteOf(report.window.start)),
        variation: 0,
        errorKind: '',
        count: 9_223_372_036_854_775_800n,
      },
    });
    await post(report);
    await fold();
    const row = await t.db.prisma.flagEvaluationRollup.findFirstOrThrow();
    expect(row.count).toBe(9_223_372_036_854_775_807n);
  });

  it('sets aside a report whose numbers cannot be added, logs it, and folds the others', async () => {
    const huge = { key: 'weird', count: 1, valueCount: 1, sum: 1.7e308, sumSquares: 0 };
    const start = Date.now() - 60_000;
    const window = { start, end: start + 1000 };
    await post(makeReport({ window, events: [huge] }));
    await fold();
    const poison = makeReport({ window, events: [huge], evaluations: [{ flag: 'f', variation: 0, count: 100 }] });
    const healthy = [1, 2, 3].map((count) => makeReport({ evaluations: [{ flag: 'f', variation: 0, count }] }));
    await post(healthy[0]!);
    await post(poison);
    await post(healthy[1]!);
    await post(healthy[2]!);
    expect(await fold()).toBe(3);

    const stored = await storedMetrics(t.db.prisma);
    expect(stored.evaluations.reduce((sum, row) => sum + (row.count as number), 0)).toBe(6);
    expect(stored.events).toMatchObject([{ eventKey: 'weird', count: 1, sum: 1.7e308 }]);
    const setAside = await t.db.prisma.metricsReport.findUniqueOrThrow({ where: { id: poison.reportId } });
    expect(setAside.foldedAt).not.toBeNull();
    expect(setAside.payload).toEqual(poison); // kept for whoever investigates
    expect(await t.db.prisma.metricsReport.count({ where: { foldedAt: null } })).toBe(0);
  });

  it('never waits for an environment being deleted: its reports are skipped, the others folded', async () => {
    const stagingKey = await t.createToken('server', 'staging');
    await post(makeReport({ evaluations: [{ flag: 'f', variation: 0, count: 1 }] }));
    await post(makeReport({ evaluations: [{ flag: 'f', variation: 0, count: 2 }] }), stagingKey);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // What deleting an environment does first (environments/repository.ts).
    const deletion = t.db.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "Environment" WHERE "key" = 'staging' FOR UPDATE`;
      locked();
      await released;
    });
    await holding;
    try {
      expect(await t.app.metrics.folder.foldOnce()).toEqual({ skipped: false, folded: 1, setAside: [] });
    } finally {
      release();
      await deletion;
    }
    expect(await fold()).toBe(1);
    expect((await storedMetrics(t.db.prisma)).evaluations.map((row) => row.count).sort()).toEqual([1, 2]);
  });

  describe('with two replicas on one database', () => {
    let other: FastifyInstance;
    let otherPrisma: ReturnType<typeof createPrisma>;

    beforeAll(async () => {
      otherPrisma = createPrisma(t.db.url, 5);
      other = await buildApp({ prisma: otherPrisma, metrics: { foldIntervalMs: 0, foldBatchSize: 3 } });
      await other.ready();
    });
    afterAll(async () => {
      await other?.close();
      await otherPrisma?.$disconnect();
    });

    it('counts every report once when both fold at the same time, each report posted to both', async () => {
      const reports = Array.from({ length: 40 }, (_, i) =>
        makeReport({
          sdk: { name: '@switchyard/sdk', version: '0.1.0', instanceId: `i-${i % 4}`, mode: 'streaming', snapshotVersion: 1 },
          evaluations: [{ flag: 'new-checkout', variation: i % 2, count: i + 1 }],
          events: [{ key: 'click', count: 1, valueCount: 1, sum: i, sumSquares: i * i }],
          dropped: { evaluations: 1, events: 0, contexts: 0, reports: 0 },
        }),
      );
      const both = (report: (typeof reports)[number]) =>
        Promise.all([
          postReport(t, serverKey, report),
          other.inject({ method: 'POST', url: '/sdk/metrics', headers: { authorization: `Bearer ${serverKey}` }, payload: report }),
        ]);
      const posting = Promise.all(reports.map(both));
      // Both replicas fold while the reports arrive, and until none is left.
      const folding = Promise.all([
        (async () => {
          await posting;
          await t.app.metrics.folder.foldPending();
        })(),
        (async () => {
          await posting;
          await other.metrics.folder.foldPending();
        })(),
        (async () => {
          for (let i = 0; i < 20; i++) await other.metrics.folder.foldOnce(2);
        })(),
      ]);
      const answers = (await posting).flat();
      expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
      expect(answers.filter((a) => a.json().duplicate)).toHaveLength(40);
      await folding;

      const stored = await storedMetrics(t.db.prisma);
      const byVariation = (v: number) =>
        stored.evaluations.filter((r) => r.variation === v).reduce((sum, r) => sum + (r.count as number), 0);
      expect(byVariation(0)).toBe(reports.filter((_, i) => i % 2 === 0).reduce((sum, _, j) => sum + 2 * j + 1, 0));
      expect(byVariation(0) + byVariation(1)).toBe((40 * 41) / 2);
      expect(stored.events.reduce((sum, r) => sum + (r.count as number), 0)).toBe(40);
      expect(stored.events.reduce((sum, r) => sum + (r.sum as number), 0)).toBe((39 * 40) / 2);
      expect(stored.instances.map((i) => i.droppedEvaluations)).toEqual([10, 10, 10, 10]);
      expect(await t.db.prisma.metricsReport.count({ where: { foldedAt: null } })).toBe(0);
    });

    it('lets one replica fold at a time: the other skips its turn while the lock is held', async () => {
      await post(makeReport({ evaluations: [{ flag: 'f', variation: 0, count: 1 }] }));
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const holding = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = t.db.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(7242005)`;
        locked();
        await released;
      });
      await holding;
      try {
        expect(await other.metrics.folder.foldOnce()).toEqual({ skipped: true, folded: 0, setAside: [] });
      } finally {
        release();
        await holder;
      }
      expect(await other.metrics.folder.foldOnce()).toEqual({ skipped: false, folded: 1, setAside: [] });
    });
  });

  it('folds on its own every interval when the loop runs (as on every replica in production)', async () => {
    const looping = await createTestApp({ metrics: { foldIntervalMs: 50 } });
    try {
      const key = await looping.createToken('client', 'production');
      const report = makeReport({ evaluations: [{ flag: 'f', variation: 0, count: 3 }] });
      expect((await postReport(looping, key, report)).statusCode).toBe(202);
      await until('the loop folded the report', async () => {
        const row = await looping.db.prisma.metricsReport.findUniqueOrThrow({ where: { id: report.reportId } });
        return row.foldedAt !== null;
      });
      expect((await storedMetrics(looping.db.prisma)).evaluations).toMatchObject([{ count: 3 }]);
    } finally {
      await looping.close();
    }
  });
});
