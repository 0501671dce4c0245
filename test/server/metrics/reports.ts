import { randomUUID } from 'node:crypto';
import type { MetricsReport } from '@switchyard/sdk/model';
import type { PrismaClient } from '../../../server/src/db/prisma.ts';
import type { TestApp } from '../../helpers/app.ts';

/** A valid report: one minute ago for ten seconds, nothing counted, unless `parts` says otherwise. */
export function makeReport(parts: Partial<MetricsReport> = {}): MetricsReport {
  const start = Date.now() - 60_000;
  return {
    reportId: randomUUID(),
    sdk: { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'instance-1', mode: 'streaming', snapshotVersion: 3 },
    window: { start, end: start + 10_000 },
    evaluations: [],
    events: [],
    guarded: [],
    dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0 },
    ...parts,
  };
}

/** Posts a report with an SDK key; returns the answer. */
export function postReport(t: TestApp, key: string, report: unknown) {
  return t.request('POST', '/sdk/metrics', { token: key, body: report });
}

export async function environmentId(prisma: PrismaClient, key: string): Promise<string> {
  return (await prisma.environment.findUniqueOrThrow({ where: { key } })).id;
}

/** Every stored metric row, in a stable order, with bigints as numbers and dates as ISO strings: what a test compares. */
export async function storedMetrics(prisma: PrismaClient) {
  const plain = <T extends object>(rows: T[]) =>
    rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v]),
      ),
    );
  return {
    evaluations: plain(
      await prisma.flagEvaluationRollup.findMany({
        orderBy: [
          { environmentId: 'asc' },
          { flagKey: 'asc' },
          { granularity: 'asc' },
          { bucketStart: 'asc' },
          { variation: 'asc' },
          { errorKind: 'asc' },
        ],
      }),
    ),
    served: plain(
      await prisma.flagServed.findMany({
        orderBy: [{ environmentId: 'asc' }, { flagKey: 'asc' }, { variation: 'asc' }, { errorKind: 'asc' }],
      }),
    ),
    events: plain(
      await prisma.customEventRollup.findMany({
        orderBy: [{ environmentId: 'asc' }, { eventKey: 'asc' }, { granularity: 'asc' }, { bucketStart: 'asc' }],
      }),
    ),
    exposures: plain(
      await prisma.guardedExposure.findMany({
        orderBy: [{ environmentId: 'asc' }, { flagKey: 'asc' }, { variation: 'asc' }, { contextHash: 'asc' }],
      }),
    ),
    metricContexts: plain(
      await prisma.guardedMetricContext.findMany({
        orderBy: [{ environmentId: 'asc' }, { flagKey: 'asc' }, { metricKey: 'asc' }, { variation: 'asc' }, { contextHash: 'asc' }],
      }),
    ),
    metricRollups: plain(
      await prisma.guardedMetricRollup.findMany({
        orderBy: [{ environmentId: 'asc' }, { flagKey: 'asc' }, { metricKey: 'asc' }, { variation: 'asc' }, { bucketStart: 'asc' }],
      }),
    ),
    instances: plain(await prisma.sdkInstance.findMany({ orderBy: [{ environmentId: 'asc' }, { instanceId: 'asc' }] })),
  };
}

/** The minute (ISO) that an epoch-milliseconds time falls in. */
export const minuteOf = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

/** Empties the inbox and every table folding writes, so each test starts from no metrics at all. */
export async function clearMetrics(p: PrismaClient): Promise<void> {
  await p.$transaction([
    p.metricsReport.deleteMany(),
    p.flagEvaluationRollup.deleteMany(),
    p.flagServed.deleteMany(),
    p.customEventRollup.deleteMany(),
    p.guardedExposure.deleteMany(),
    p.guardedMetricContext.deleteMany(),
    p.guardedMetricRollup.deleteMany(),
    p.sdkInstance.deleteMany(),
  ]);
}
