import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { clearMetrics, environmentId, makeReport, postReport, storedMetrics } from './reports.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-06-10T12:34:56.789Z');
const at = (iso: string) => new Date(iso);

describe('compaction and retention of the stored metrics', () => {
  let t: TestApp;
  let env: string;

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0, minuteRetentionHours: 48, retentionDays: 90 } });
    env = await environmentId(t.db.prisma, 'production');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await clearMetrics(t.db.prisma);
  });

  const evaluationRow = (granularity: string, bucketStart: string, count: number, variation = 0, errorKind = '') => ({
    environmentId: env,
    flagKey: 'new-checkout',
    granularity,
    bucketStart: at(bucketStart),
    variation,
    errorKind,
    count: BigInt(count),
  });
  const eventRow = (granularity: string, bucketStart: string, count: number, sum: number) => ({
    environmentId: env,
    eventKey: 'checkout-completed',
    granularity,
    bucketStart: at(bucketStart),
    count: BigInt(count),
    valueCount: BigInt(count),
    sum,
    sumSquares: sum * sum,
  });
  const totals = async () => {
    const evaluations = await t.db.prisma.flagEvaluationRollup.groupBy({ by: ['variation', 'errorKind'], _sum: { count: true } });
    const events = await t.db.prisma.customEventRollup.aggregate({ _sum: { count: true, valueCount: true, sum: true, sumSquares: true } });
    return { evaluations: evaluations.map((r) => [r.variation, r.errorKind, Number(r._sum.count)]).sort(), events: events._sum };
  };

  describe('compaction', () => {
    beforeEach(async () => {
      // The cutoff for NOW is 2026-06-08T12:00Z: 48 hours before, down to the hour.
      await t.db.prisma.flagEvaluationRollup.createMany({
        data: [
          evaluationRow('hour', '2026-06-08T10:00:00Z', 100), // compacted earlier
          evaluationRow('minute', '2026-06-08T10:05:00Z', 1),
          evaluationRow('minute', '2026-06-08T10:59:00Z', 2),
          evaluationRow('minute', '2026-06-08T10:59:00Z', 5, -1, 'WRONG_TYPE'),
          evaluationRow('minute', '2026-06-08T11:30:00Z', 3),
          evaluationRow('minute', '2026-06-08T12:00:00Z', 4),
          evaluationRow('minute', '2026-06-10T12:30:00Z', 6),
        ],
      });
      await t.db.prisma.customEventRollup.createMany({
        data: [
          eventRow('minute', '2026-06-08T11:01:00Z', 2, 1.5),
          eventRow('minute', '2026-06-08T11:02:00Z', 3, 2.5),
          eventRow('minute', '2026-06-09T00:00:00Z', 1, 7),
        ],
      });
    });

    it('moves minute rows older than the minute retention (down to the hour) into hour rows, and keeps every total', async () => {
      const before = await totals();
      expect(await t.app.metrics.maintenance.compact(NOW)).toEqual({ before: '2026-06-08T12:00:00.000Z', evaluationRows: 4, eventRows: 2 });
      expect(await totals()).toEqual(before);

      const stored = await storedMetrics(t.db.prisma);
      expect(stored.evaluations.map((r) => [r.granularity, r.bucketStart, r.variation, r.count])).toEqual([
        ['hour', '2026-06-08T10:00:00.000Z', -1, 5],
        ['hour', '2026-06-08T10:00:00.000Z', 0, 103],
        ['hour', '2026-06-08T11:00:00.000Z', 0, 3],
        ['minute', '2026-06-08T12:00:00.000Z', 0, 4],
        ['minute', '2026-06-10T12:30:00.000Z', 0, 6],
      ]);
      expect(stored.events).toMatchObject([
        {
          granularity: 'hour',
          bucketStart: '2026-06-08T11:00:00.000Z',
          count: 5,
          valueCount: 5,
          sum: 4,
          sumSquares: 1.5 * 1.5 + 2.5 * 2.5,
        },
        { granularity: 'minute', bucketStart: '2026-06-09T00:00:00.000Z', count: 1 },
      ]);
    });

    it('changes nothing when run again, or twice at once', async () => {
      const before = await totals();
      const [a, b] = await Promise.all([t.app.metrics.maintenance.compact(NOW), t.app.metrics.maintenance.compact(NOW)]);
      expect(a.evaluationRows + b.evaluationRows).toBe(4);
      expect(await t.app.metrics.maintenance.compact(NOW)).toMatchObject({ evaluationRows: 0, eventRows: 0 });
      expect(await totals()).toEqual(before);
    });
  });

  it('keeps the totals of folded reports through compaction', async () => {
    const key = await t.createToken('server', 'production');
    for (let i = 0; i < 10; i++) {
      const start = Date.now() - i * 7 * 60_000 - 60_000;
      const report = makeReport({
        window: { start, end: start + 1000 },
        evaluations: [{ flag: 'new-checkout', variation: i % 3, count: i + 1 }],
        events: [{ key: 'checkout-completed', count: i, valueCount: i, sum: i * 2, sumSquares: i * i * 4 }],
      });
      expect((await postReport(t, key, report)).statusCode).toBe(202);
    }
    await t.app.metrics.folder.foldPending();
    const before = await totals();
    const result = await t.app.metrics.maintenance.compact(new Date(Date.now() + 3 * DAY));
    expect(result.evaluationRows).toBe(10);
    expect(await totals()).toEqual(before);
    expect(await t.db.prisma.flagEvaluationRollup.count({ where: { granularity: 'minute' } })).toBe(0);
  });

  describe('retention', () => {
    const old = new Date(NOW.getTime() - 91 * DAY);
    const recent = new Date(NOW.getTime() - 89 * DAY);

    it('deletes rollups, guarded contexts and SDK instances older than the retention, and keeps the rest', async () => {
      const p = t.db.prisma;
      for (const time of [old, recent]) {
        const iso = time.toISOString();
        await p.flagEvaluationRollup.createMany({ data: [evaluationRow('hour', iso, 1), evaluationRow('minute', iso, 1)] });
        await p.customEventRollup.create({ data: eventRow('hour', iso, 1, 1) });
        const guarded = { environmentId: env, flagKey: 'new-search', variation: 0 };
        await p.guardedMetricRollup.create({
          data: { ...guarded, metricKey: 'latency', bucketStart: time, count: 1n, valueCount: 1n, sum: 1, sumSquares: 1 },
        });
        await p.guardedExposure.create({ data: { ...guarded, contextHash: `${time.getTime()}`.padStart(16, '0'), firstAt: time } });
        await p.guardedMetricContext.create({
          data: { ...guarded, metricKey: 'latency', contextHash: `${time.getTime()}`.padStart(16, '0'), firstAt: time },
        });
        await p.sdkInstance.create({
          data: { environmentId: env, instanceId: iso, sdkName: 's', sdkVersion: '1', mode: 'polling', firstSeenAt: old, lastSeenAt: time },
        });
      }
      await p.flagServed.create({
        data: { environmentId: env, flagKey: 'forgotten', variation: 0, errorKind: '', firstAt: old, lastAt: old },
      });

      expect(await t.app.metrics.maintenance.applyRetention(NOW)).toEqual({
        before: new Date(NOW.getTime() - 90 * DAY).toISOString(),
        flagEvaluationRollups: 2,
        customEventRollups: 1,
        guardedMetricRollups: 1,
        guardedExposures: 1,
        guardedMetricContexts: 1,
        sdkInstances: 1,
        metricsReports: 0,
      });
      const stored = await storedMetrics(p);
      const recentIso = recent.toISOString();
      expect(stored.evaluations.map((r) => r.bucketStart)).toEqual([recentIso, recentIso]);
      expect(stored.events.map((r) => r.bucketStart)).toEqual([recentIso]);
      expect(stored.metricRollups.map((r) => r.bucketStart)).toEqual([recentIso]);
      expect(stored.exposures.map((r) => r.firstAt)).toEqual([recentIso]);
      expect(stored.metricContexts.map((r) => r.firstAt)).toEqual([recentIso]);
      expect(stored.instances.map((r) => r.lastSeenAt)).toEqual([recentIso]);
      // A flag's last evaluation is kept however old: its status needs it.
      expect(stored.served.map((r) => r.flagKey)).toEqual(['forgotten']);
    });

    it('deletes inbox rows folded more than a day ago, and never an unfolded one', async () => {
      const p = t.db.prisma;
      const row = (id: string, receivedAt: Date, foldedAt: Date | null) => ({
        id,
        environmentId: env,
        receivedAt,
        foldedAt,
        ...(foldedAt ? {} : { payload: makeReport({ reportId: id }) }),
      });
      const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
      await p.metricsReport.createMany({
        data: [
          row(ids[0]!, new Date(NOW.getTime() - 3 * DAY), new Date(NOW.getTime() - 25 * HOUR)),
          row(ids[1]!, new Date(NOW.getTime() - 3 * DAY), new Date(NOW.getTime() - 23 * HOUR)),
          row(ids[2]!, new Date(NOW.getTime() - 3 * DAY), null),
        ],
      });
      expect(await t.app.metrics.maintenance.applyRetention(NOW)).toMatchObject({ metricsReports: 1 });
      expect((await p.metricsReport.findMany({ orderBy: { id: 'asc' } })).map((r) => r.id)).toEqual([ids[1], ids[2]]);
    });
  });
});
