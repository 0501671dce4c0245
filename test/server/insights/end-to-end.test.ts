/**
 * From an SDK's report to the admin API: a real `POST /sdk/metrics` with a server key, the real
 * folding and compaction of server/src/metrics, then the insights read it back.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { MetricsReport } from '@switchyard/sdk/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';

const HOUR = 3_600_000;

describe('insights of a report sent by an SDK', () => {
  let t: TestApp;
  let serverKey: string;
  let report: MetricsReport;
  const get = async (path: string) => {
    const res = await t.request('GET', path);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    serverKey = await t.createToken('server', 'production');
    const flag = await createFlag(t, { key: 'new-checkout' });
    await t.request('PATCH', '/api/flags/new-checkout/environments/production', { body: { guardedMetrics: ['purchase'] } });
    const contextHash = (key: string) => createHmac('sha256', flag.salt).update(key).digest('hex').slice(0, 16);
    const end = Date.now();
    report = {
      reportId: randomUUID(),
      sdk: { name: '@switchyard/sdk', version: '9.9.9', instanceId: 'e2e-instance', mode: 'streaming', snapshotVersion: 4 },
      window: { start: end - 10_000, end },
      evaluations: [
        { flag: 'new-checkout', variation: 0, count: 7 },
        { flag: 'new-checkout', variation: 1, count: 3 },
        { flag: 'gone', error: 'FLAG_NOT_FOUND', count: 2 },
      ],
      events: [{ key: 'purchase', count: 2, valueCount: 2, sum: 30, sumSquares: 500 }],
      guarded: [
        {
          flag: 'new-checkout',
          variation: 0,
          exposures: [contextHash('alice'), contextHash('bob')],
          metrics: [{ key: 'purchase', count: 2, valueCount: 2, sum: 30, sumSquares: 500, contexts: [contextHash('alice')] }],
        },
      ],
      dropped: { evaluations: 0, events: 1, contexts: 0, reports: 0 },
    };
    for (let i = 0; i < 2; i++) {
      // Sent twice (a retry): counted once.
      const res = await t.request('POST', '/sdk/metrics', { body: report, token: serverKey });
      expect(res.statusCode, res.body).toBe(202);
    }
    await t.app.metrics.folder.foldPending();
  });
  afterAll(async () => t?.close());

  it('shows the evaluations, events, guarded statistics and the SDK instance', async () => {
    const evaluations = await get('/api/insights/flags/new-checkout/environments/production');
    expect(evaluations.totals).toEqual({
      evaluations: 10,
      variations: [
        { variation: 0, value: true, count: 7 },
        { variation: 1, value: false, count: 3 },
      ],
      errors: [],
    });
    expect(evaluations.lastEvaluatedAt).toBe(new Date(report.window.end).toISOString());
    expect(evaluations.status.status).toBe('active');
    expect(evaluations.sdks).toEqual([{ name: '@switchyard/sdk', version: '9.9.9', instances: 1, lastSeenAt: expect.any(String) }]);

    const keys = await get('/api/insights/environments/production/flags');
    expect(keys.items.map((i: { flagKey: string; exists: boolean; evaluations: number }) => [i.flagKey, i.exists, i.evaluations])).toEqual([
      ['gone', false, 2],
      ['new-checkout', true, 10],
    ]);

    const purchase = await get('/api/insights/environments/production/events/purchase');
    expect(purchase.totals).toEqual({ count: 2, valueCount: 2, sum: 30, sumSquares: 500, mean: 15, variance: 50 });

    const guarded = await get('/api/insights/flags/new-checkout/environments/production/guarded');
    expect(guarded.variations[0]).toEqual({
      variation: 0,
      value: true,
      exposedContexts: 2,
      metrics: [
        {
          key: 'purchase',
          contextsWithEvent: 1,
          conversionRate: 0.5,
          count: 2,
          valueCount: 2,
          sum: 30,
          sumSquares: 500,
          mean: 15,
          variance: 50,
        },
      ],
    });

    const sdks = await get('/api/insights/environments/production/sdks');
    expect(sdks.items).toEqual([
      expect.objectContaining({
        instanceId: 'e2e-instance',
        version: '9.9.9',
        snapshotVersion: 4,
        dropped: { evaluations: 0, events: 1, contexts: 0, reports: 0 },
      }),
    ]);
  });

  it('still counts everything per hour once the minutes are compacted', async () => {
    await t.app.metrics.maintenance.compact(new Date(Date.now() + 50 * HOUR));
    const minutes = await get('/api/insights/flags/new-checkout/environments/production?granularity=minute');
    expect(minutes.totals.evaluations).toBe(0);
    const hours = await get('/api/insights/flags/new-checkout/environments/production?granularity=hour');
    expect(hours.totals.evaluations).toBe(10);
    expect((await get('/api/insights/environments/production/events/purchase?granularity=hour')).totals.count).toBe(2);
  });
});
