import type { MetricsReport } from '@switchyard/sdk/model';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { clearMetrics, environmentId, makeReport, minuteOf, postReport, storedMetrics } from './reports.ts';

const FLAGS = ['checkout', 'banner'];
const EVENTS = ['click', 'latency'];
const HASHES = ['0000000000000001', '0000000000000002', '0000000000000003'];
const INSTANCES = ['a', 'b'];

/** What a report is made of, before it gets its id and times. */
const reportSpec = fc.record({
  environment: fc.constantFrom('production', 'staging'),
  instance: fc.constantFrom(...INSTANCES),
  minutesAgo: fc.integer({ min: 2, max: 90 }), // so that the window ends in the past: no clamping here
  offsetMs: fc.integer({ min: 0, max: 59_999 }),
  lengthMs: fc.integer({ min: 0, max: 20_000 }),
  evaluations: fc.uniqueArray(
    fc.record({ flag: fc.constantFrom(...FLAGS), outcome: fc.constantFrom<number | 'WRONG_TYPE'>(0, 1, 'WRONG_TYPE'), count: fc.nat(5) }),
    { selector: (e) => `${e.flag}/${e.outcome}`, maxLength: 4 },
  ),
  events: fc.uniqueArray(
    fc.record({
      key: fc.constantFrom(...EVENTS),
      count: fc.nat(3),
      valueCount: fc.nat(3),
      sum: fc.integer({ min: -50, max: 50 }),
      sumSquares: fc.nat(900),
    }),
    { selector: (e) => e.key, maxLength: 2 },
  ),
  guarded: fc.uniqueArray(
    fc.record({
      variation: fc.constantFrom(0, 1),
      exposures: fc.uniqueArray(fc.constantFrom(...HASHES), { maxLength: 3 }),
      metric: fc.option(
        fc.record({ count: fc.nat(3), sum: fc.integer({ min: 0, max: 100 }), contexts: fc.uniqueArray(fc.constantFrom(...HASHES)) }),
      ),
    }),
    { selector: (g) => g.variation, maxLength: 2 },
  ),
  dropped: fc.record({ evaluations: fc.nat(3), events: fc.nat(3), contexts: fc.nat(3), reports: fc.nat(1) }),
});
type ReportSpec = typeof reportSpec extends fc.Arbitrary<infer T> ? T : never;

/** A scenario: reports, and the order of what happens: posts (a report posted again is a retry) and folds of a batch size. */
const scenario = fc.array(reportSpec, { minLength: 1, maxLength: 6 }).chain((specs) =>
  fc.record({
    specs: fc.constant(specs),
    steps: fc
      .array(fc.oneof(fc.record({ post: fc.nat(specs.length - 1) }), fc.record({ fold: fc.integer({ min: 1, max: 4 }) })), {
        maxLength: 14,
      })
      // Every report is posted at least once, somewhere in the order.
      .chain((steps) => fc.shuffledSubarray([...steps, ...specs.map((_, i) => ({ post: i }))], { minLength: steps.length + specs.length })),
  }),
);

function toReport(spec: ReportSpec, now: number): MetricsReport {
  const start = Math.floor((now - spec.minutesAgo * 60_000) / 60_000) * 60_000 + spec.offsetMs;
  return makeReport({
    sdk: { name: '@switchyard/sdk', version: `v-${spec.instance}`, instanceId: spec.instance, mode: 'polling', snapshotVersion: 1 },
    window: { start, end: start + spec.lengthMs },
    evaluations: spec.evaluations.map(({ flag, outcome, count }) =>
      typeof outcome === 'number' ? { flag, variation: outcome, count } : { flag, error: outcome, count },
    ),
    events: spec.events,
    guarded: spec.guarded.map((g) => ({
      flag: 'guarded',
      variation: g.variation,
      exposures: g.exposures,
      metrics: g.metric
        ? [
            {
              key: 'latency',
              count: g.metric.count,
              valueCount: g.metric.count,
              sum: g.metric.sum,
              sumSquares: 0,
              contexts: g.metric.contexts,
            },
          ]
        : [],
    })),
    dropped: spec.dropped,
  });
}

/** What the rollups must hold: each distinct report summed once, in memory, with the same rules as the folding. */
function expectedRollups(reports: { report: MetricsReport; env: string; receivedAt: string }[]) {
  const sums = new Map<string, Record<string, unknown>>();
  const add = (table: string, key: Record<string, unknown>, values: Record<string, number>) => {
    const id = `${table}|${JSON.stringify(key)}`;
    const row = sums.get(id) ?? { table, ...key, ...Object.fromEntries(Object.keys(values).map((k) => [k, 0])) };
    for (const [k, v] of Object.entries(values)) row[k] = (row[k] as number) + v;
    sums.set(id, row);
  };
  const extreme = (table: string, key: Record<string, unknown>, field: string, value: string, pick: (a: string, b: string) => string) => {
    const id = `${table}|${JSON.stringify(key)}`;
    const row = sums.get(id) ?? { table, ...key };
    row[field] = row[field] === undefined ? value : pick(row[field] as string, value);
    sums.set(id, row);
  };
  const min = (a: string, b: string) => (a < b ? a : b);
  const max = (a: string, b: string) => (a > b ? a : b);
  for (const { report, env, receivedAt } of reports) {
    const bucketStart = minuteOf(report.window.start);
    const start = new Date(report.window.start).toISOString();
    const end = new Date(report.window.end).toISOString();
    for (const e of report.evaluations) {
      if (e.count === 0) continue;
      const outcome = 'variation' in e ? { variation: e.variation, errorKind: '' } : { variation: -1, errorKind: e.error };
      add('evaluations', { environmentId: env, flagKey: e.flag, granularity: 'minute', bucketStart, ...outcome }, { count: e.count });
      const served = { environmentId: env, flagKey: e.flag, ...outcome };
      extreme('served', served, 'firstAt', start, min);
      extreme('served', served, 'lastAt', end, max);
    }
    for (const v of report.events) {
      if (v.count === 0 && v.valueCount === 0) continue;
      add(
        'events',
        { environmentId: env, eventKey: v.key, granularity: 'minute', bucketStart },
        { count: v.count, valueCount: v.valueCount, sum: v.sum, sumSquares: v.sumSquares },
      );
    }
    for (const g of report.guarded) {
      for (const contextHash of g.exposures) {
        extreme('exposures', { environmentId: env, flagKey: g.flag, variation: g.variation, contextHash }, 'firstAt', start, min);
      }
      for (const m of g.metrics) {
        const metric = { environmentId: env, flagKey: g.flag, metricKey: m.key, variation: g.variation };
        for (const contextHash of m.contexts) extreme('metricContexts', { ...metric, contextHash }, 'firstAt', start, min);
        if (m.count === 0 && m.valueCount === 0) continue;
        add(
          'metricRollups',
          { ...metric, bucketStart },
          { count: m.count, valueCount: m.valueCount, sum: m.sum, sumSquares: m.sumSquares },
        );
      }
    }
    const instance = { environmentId: env, instanceId: report.sdk.instanceId, sdkName: report.sdk.name, sdkVersion: report.sdk.version };
    add('instances', instance, {
      droppedEvaluations: report.dropped.evaluations,
      droppedEvents: report.dropped.events,
      droppedContexts: report.dropped.contexts,
      droppedReports: report.dropped.reports,
    });
    extreme('instances', instance, 'firstSeenAt', receivedAt, min);
    extreme('instances', instance, 'lastSeenAt', receivedAt, max);
  }
  const rows = [...sums.values()];
  const table = (name: string) => rows.filter((row) => row.table === name).map(({ table: _, ...row }) => row);
  return {
    evaluations: table('evaluations'),
    served: table('served'),
    events: table('events'),
    exposures: table('exposures'),
    metricContexts: table('metricContexts'),
    metricRollups: table('metricRollups'),
    instances: table('instances'),
  };
}

/** Rows in an order that does not depend on how they were made, tables by name. */
function canonical(tables: Record<string, Record<string, unknown>[]>) {
  const key = (row: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((k) => [k, row[k]]),
    );
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, [...rows].sort((a, b) => key(a).localeCompare(key(b)))]));
}

describe('folding, as a property', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  const envIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    for (const env of ['production', 'staging']) {
      keys[env] = await t.createToken(env === 'production' ? 'server' : 'client', env);
      envIds[env] = await environmentId(t.db.prisma, env);
    }
  });
  afterAll(async () => t?.close());

  it('gives the same rollups as summing the distinct reports in memory, whatever the order, retries and batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ specs, steps }) => {
        await clearMetrics(t.db.prisma);
        const p = t.db.prisma;
        const now = Date.now();
        const reports = specs.map((spec) => toReport(spec, now));
        for (const step of steps) {
          if ('post' in step) {
            const spec = specs[step.post]!;
            expect((await postReport(t, keys[spec.environment]!, reports[step.post])).statusCode).toBe(202);
          } else {
            await t.app.metrics.folder.foldOnce(step.fold);
          }
        }
        await t.app.metrics.folder.foldPending();

        const inbox = await p.metricsReport.findMany();
        expect(inbox).toHaveLength(reports.length);
        const receivedAt = new Map(inbox.map((row) => [row.id, row.receivedAt.toISOString()]));
        const expected = expectedRollups(
          reports.map((report, i) => ({ report, env: envIds[specs[i]!.environment]!, receivedAt: receivedAt.get(report.reportId)! })),
        );
        const stored = await storedMetrics(p);
        // Mode and snapshot version are the same in every report of an instance here (fold.test.ts covers "last wins").
        const instances = stored.instances.map(({ mode: _, snapshotVersion: __, ...row }) => row);
        expect(canonical({ ...stored, instances })).toEqual(canonical(expected));
      }),
      { seed: 20261202, numRuns: 30 },
    );
  }, 60_000);
});
