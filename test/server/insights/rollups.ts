/**
 * Puts production-signal data into the tables directly with Prisma, as the folding of server/src/metrics
 * would (the shared contract of issue 11), so that the insights can be tested on any data and any
 * clock:
 * - a report's times are clamped into [receivedAt - 24 h, receivedAt];
 * - its evaluation and event counts go to the minute bucket of its clamped window start;
 * - FlagServed firstAt/lastAt come from the clamped window start/end (kept as min/max);
 * - errors are stored with variation -1 and their errorKind, variations with errorKind '';
 * - guarded exposures and metric contexts keep their first clamped window start; metric sums go to that minute;
 * - SdkInstance.lastSeenAt is the receive time; its identity fields come from its latest report; drops add up.
 * `compactHour` does what compaction does: an hour's minute rows become one hour row per key.
 */
import type { MetricsReport, SdkIdentity } from '@switchyard/sdk/model';
import type { PrismaClient } from '../../../server/src/db/prisma.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type TestReport = Partial<Omit<MetricsReport, 'sdk' | 'window'>> & {
  window: { start: number; end: number };
  sdk?: Partial<SdkIdentity>;
};

const SDK: SdkIdentity = { name: '@switchyard/sdk', version: '1.0.0', instanceId: 'instance-1', mode: 'streaming', snapshotVersion: 1 };

const minuteOf = (ms: number) => new Date(Math.floor(ms / MINUTE_MS) * MINUTE_MS);

async function environmentId(prisma: PrismaClient, key: string): Promise<string> {
  return (await prisma.environment.findUniqueOrThrow({ where: { key } })).id;
}

/** Writes `report`, received at `receivedAt` in environment `environmentKey`, into the rollups. */
export async function foldReport(prisma: PrismaClient, environmentKey: string, report: TestReport, receivedAt: Date): Promise<void> {
  const env = await environmentId(prisma, environmentKey);
  const at = receivedAt.getTime();
  const clamp = (ms: number) => new Date(Math.min(Math.max(ms, at - DAY_MS), at));
  const started = clamp(report.window.start);
  const ended = clamp(report.window.end);
  const bucketStart = minuteOf(started.getTime());

  for (const entry of report.evaluations ?? []) {
    if (entry.count === 0) continue;
    const variation = 'variation' in entry ? entry.variation : -1;
    const errorKind = 'error' in entry ? entry.error : '';
    const key = { environmentId: env, flagKey: entry.flag, granularity: 'minute', bucketStart, variation, errorKind };
    await prisma.flagEvaluationRollup.upsert({
      where: { environmentId_flagKey_granularity_bucketStart_variation_errorKind: key },
      create: { ...key, count: BigInt(entry.count) },
      update: { count: { increment: BigInt(entry.count) } },
    });
    const servedKey = { environmentId: env, flagKey: entry.flag, variation, errorKind };
    const served = await prisma.flagServed.findUnique({ where: { environmentId_flagKey_variation_errorKind: servedKey } });
    const firstAt = served && served.firstAt < started ? served.firstAt : started;
    const lastAt = served && served.lastAt > ended ? served.lastAt : ended;
    await prisma.flagServed.upsert({
      where: { environmentId_flagKey_variation_errorKind: servedKey },
      create: { ...servedKey, firstAt, lastAt },
      update: { firstAt, lastAt },
    });
  }

  for (const event of report.events ?? []) {
    const key = { environmentId: env, eventKey: event.key, granularity: 'minute', bucketStart };
    await prisma.customEventRollup.upsert({
      where: { environmentId_eventKey_granularity_bucketStart: key },
      create: { ...key, count: BigInt(event.count), valueCount: BigInt(event.valueCount), sum: event.sum, sumSquares: event.sumSquares },
      update: {
        count: { increment: BigInt(event.count) },
        valueCount: { increment: BigInt(event.valueCount) },
        sum: { increment: event.sum },
        sumSquares: { increment: event.sumSquares },
      },
    });
  }

  for (const guarded of report.guarded ?? []) {
    const base = { environmentId: env, flagKey: guarded.flag, variation: guarded.variation };
    for (const contextHash of guarded.exposures) {
      const key = { ...base, contextHash };
      const existing = await prisma.guardedExposure.findUnique({ where: { environmentId_flagKey_variation_contextHash: key } });
      if (!existing) await prisma.guardedExposure.create({ data: { ...key, firstAt: started } });
      else if (started < existing.firstAt)
        await prisma.guardedExposure.update({ where: { environmentId_flagKey_variation_contextHash: key }, data: { firstAt: started } });
    }
    for (const metric of guarded.metrics) {
      for (const contextHash of metric.contexts) {
        const key = { ...base, metricKey: metric.key, contextHash };
        const where = { environmentId_flagKey_metricKey_variation_contextHash: key };
        const existing = await prisma.guardedMetricContext.findUnique({ where });
        if (!existing) await prisma.guardedMetricContext.create({ data: { ...key, firstAt: started } });
        else if (started < existing.firstAt) await prisma.guardedMetricContext.update({ where, data: { firstAt: started } });
      }
      if (metric.count === 0 && metric.valueCount === 0) continue;
      const key = { ...base, metricKey: metric.key, bucketStart };
      await prisma.guardedMetricRollup.upsert({
        where: { environmentId_flagKey_metricKey_variation_bucketStart: key },
        create: {
          ...key,
          count: BigInt(metric.count),
          valueCount: BigInt(metric.valueCount),
          sum: metric.sum,
          sumSquares: metric.sumSquares,
        },
        update: {
          count: { increment: BigInt(metric.count) },
          valueCount: { increment: BigInt(metric.valueCount) },
          sum: { increment: metric.sum },
          sumSquares: { increment: metric.sumSquares },
        },
      });
    }
  }

  const sdk = { ...SDK, ...report.sdk };
  const dropped = { evaluations: 0, events: 0, contexts: 0, reports: 0, ...report.dropped };
  const instanceKey = { environmentId: env, instanceId: sdk.instanceId };
  const existing = await prisma.sdkInstance.findUnique({ where: { environmentId_instanceId: instanceKey } });
  const latest = !existing || receivedAt >= existing.lastSeenAt;
  const identity = { sdkName: sdk.name, sdkVersion: sdk.version, mode: sdk.mode, snapshotVersion: sdk.snapshotVersion };
  await prisma.sdkInstance.upsert({
    where: { environmentId_instanceId: instanceKey },
    create: {
      ...instanceKey,
      ...identity,
      firstSeenAt: receivedAt,
      lastSeenAt: receivedAt,
      droppedEvaluations: BigInt(dropped.evaluations),
      droppedEvents: BigInt(dropped.events),
      droppedContexts: BigInt(dropped.contexts),
      droppedReports: BigInt(dropped.reports),
    },
    update: {
      ...(latest ? { ...identity, lastSeenAt: receivedAt } : {}),
      ...(existing && receivedAt < existing.firstSeenAt ? { firstSeenAt: receivedAt } : {}),
      droppedEvaluations: { increment: BigInt(dropped.evaluations) },
      droppedEvents: { increment: BigInt(dropped.events) },
      droppedContexts: { increment: BigInt(dropped.contexts) },
      droppedReports: { increment: BigInt(dropped.reports) },
    },
  });
}

/** A report of a 10-second window starting at `at`, received as it ends. */
export function reportAt(at: Date, report: Omit<TestReport, 'window'> = {}): [TestReport, Date] {
  const start = at.getTime();
  return [{ ...report, window: { start, end: start + 10_000 } }, new Date(start + 10_000)];
}

/** Compaction of one hour of one environment: its minute rows of evaluations and events become hour rows. */
export async function compactHour(prisma: PrismaClient, environmentKey: string, hourStart: Date): Promise<void> {
  const env = await environmentId(prisma, environmentKey);
  const bucketStart = { gte: hourStart, lt: new Date(hourStart.getTime() + HOUR_MS) };
  await prisma.$transaction(async (tx) => {
    const evaluations = await tx.flagEvaluationRollup.findMany({ where: { environmentId: env, granularity: 'minute', bucketStart } });
    for (const row of evaluations) {
      const { count, ...minute } = row;
      const id = { ...minute, granularity: 'hour', bucketStart: hourStart };
      await tx.flagEvaluationRollup.upsert({
        where: { environmentId_flagKey_granularity_bucketStart_variation_errorKind: id },
        create: { ...id, count },
        update: { count: { increment: count } },
      });
    }
    await tx.flagEvaluationRollup.deleteMany({ where: { environmentId: env, granularity: 'minute', bucketStart } });
    const events = await tx.customEventRollup.findMany({ where: { environmentId: env, granularity: 'minute', bucketStart } });
    for (const row of events) {
      const id = { environmentId: env, eventKey: row.eventKey, granularity: 'hour', bucketStart: hourStart };
      await tx.customEventRollup.upsert({
        where: { environmentId_eventKey_granularity_bucketStart: id },
        create: { ...id, count: row.count, valueCount: row.valueCount, sum: row.sum, sumSquares: row.sumSquares },
        update: {
          count: { increment: row.count },
          valueCount: { increment: row.valueCount },
          sum: { increment: row.sum },
          sumSquares: { increment: row.sumSquares },
        },
      });
    }
    await tx.customEventRollup.deleteMany({ where: { environmentId: env, granularity: 'minute', bucketStart } });
  });
}
