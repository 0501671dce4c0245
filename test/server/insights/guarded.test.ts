/**
 * A guarded release's statistics, checked to the last bit against numbers computed by hand (values
 * chosen so that every mean, variance and rate is exact in binary floating point, or is the same
 * division the definition gives).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsightsService } from '../../../server/src/insights/service.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';
import { foldReport, reportAt } from './rollups.ts';

const hash = (name: string) => name.padStart(16, '0');
const at = (time: string) => new Date(`2026-03-10T${time}Z`);
const metric = (key: string, values: number[], contexts: string[], calls = values.length) => ({
  key,
  count: calls,
  valueCount: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSquares: values.reduce((a, b) => a + b * b, 0),
  contexts: contexts.map(hash),
});

describe('insights: guarded release statistics per variation', () => {
  let t: TestApp;
  const url = (query = '') => `/api/insights/flags/new-checkout/environments/production/guarded${query}`;

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => at('12:00:00') } });
    await createFlag(t, { key: 'new-checkout' });
    const patched = await t.request('PATCH', '/api/flags/new-checkout/environments/production', {
      body: { guardedMetrics: ['purchase', 'latency', 'refund'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const fold = (time: string, instanceId: string, guarded: object[]) =>
      foldReport(t.db.prisma, 'production', ...reportAt(at(time), { sdk: { instanceId }, guarded: guarded as never }));

    await fold('10:00:00', 'instance-1', [
      {
        flag: 'new-checkout',
        variation: 0,
        exposures: ['a1', 'a2'].map(hash),
        metrics: [metric('purchase', [10], ['a1']), metric('latency', [1, 2], ['a1', 'a2'])],
      },
      { flag: 'new-checkout', variation: 1, exposures: ['b1', 'b2', 'b3'].map(hash), metrics: [metric('purchase', [50], ['b1'])] },
    ]);
    await fold('10:05:00', 'instance-2', [
      {
        flag: 'new-checkout',
        variation: 0,
        // a1 again: a context counts once.
        exposures: ['a1', 'a3', 'a4'].map(hash),
        // c9 tracked the metric but its exposure was not recorded (dropped): it is not counted as converted.
        metrics: [metric('purchase', [20, 30], ['a2', 'c9']), metric('latency', [3, 4], ['a3', 'a4'])],
      },
      { flag: 'new-checkout', variation: 1, exposures: ['b4', 'b5'].map(hash), metrics: [metric('extra', [], ['b4'], 2)] },
    ]);
  });
  afterAll(async () => t?.close());

  it('gives contexts exposed, contexts converted, rates and the sums, mean and sample variance of the values', async () => {
    const res = await t.request('GET', url());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      flagKey: 'new-checkout',
      environmentKey: 'production',
      since: null,
      guardedMetrics: ['purchase', 'latency', 'refund'],
      variations: [
        {
          variation: 0,
          value: true,
          exposedContexts: 4,
          metrics: [
            // values 10, 20, 30: mean 20, variance ((10-20)² + 0 + (30-20)²) / 2 = 100
            {
              key: 'purchase',
              contextsWithEvent: 2,
              conversionRate: 0.5,
              count: 3,
              valueCount: 3,
              sum: 60,
              sumSquares: 1400,
              mean: 20,
              variance: 100,
            },
            // values 1, 2, 3, 4: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
            {
              key: 'latency',
              contextsWithEvent: 4,
              conversionRate: 1,
              count: 4,
              valueCount: 4,
              sum: 10,
              sumSquares: 30,
              mean: 2.5,
              variance: 5 / 3,
            },
            { key: 'refund', contextsWithEvent: 0, conversionRate: 0, count: 0, valueCount: 0, sum: 0, sumSquares: 0 },
            { key: 'extra', contextsWithEvent: 0, conversionRate: 0, count: 0, valueCount: 0, sum: 0, sumSquares: 0 },
          ],
        },
        {
          variation: 1,
          value: false,
          exposedContexts: 5,
          metrics: [
            { key: 'purchase', contextsWithEvent: 1, conversionRate: 0.2, count: 1, valueCount: 1, sum: 50, sumSquares: 2500, mean: 50 },
            { key: 'latency', contextsWithEvent: 0, conversionRate: 0, count: 0, valueCount: 0, sum: 0, sumSquares: 0 },
            { key: 'refund', contextsWithEvent: 0, conversionRate: 0, count: 0, valueCount: 0, sum: 0, sumSquares: 0 },
            // Calls without values: a count, no mean.
            { key: 'extra', contextsWithEvent: 1, conversionRate: 0.2, count: 2, valueCount: 0, sum: 0, sumSquares: 0 },
          ],
        },
      ],
    });
  });

  it('counts from the minute holding `since` on: contexts first exposed then, events counted then', async () => {
    const res = await t.request('GET', url('?since=2026-03-10T10:05:30Z'));
    expect(res.statusCode, res.body).toBe(200);
    const [first, second] = res.json().variations;
    expect(res.json().since).toBe('2026-03-10T10:05:00.000Z');
    expect(first.exposedContexts).toBe(2); // a3, a4 (a1 was first exposed at 10:00)
    // a2 converted at 10:05 but was first exposed before `since`: not among the exposed contexts counted.
    expect(first.metrics[0]).toEqual({
      key: 'purchase',
      contextsWithEvent: 0,
      conversionRate: 0,
      count: 2,
      valueCount: 2,
      sum: 50,
      sumSquares: 1300,
      mean: 25,
      variance: 50,
    });
    expect(first.metrics[1]).toMatchObject({ key: 'latency', contextsWithEvent: 2, conversionRate: 1, sum: 7, mean: 3.5, variance: 0.5 });
    expect(second.exposedContexts).toBe(2);
  });

  it('is a service method of its own, for automatic rollback to call without HTTP', async () => {
    const insights = new InsightsService({ prisma: t.db.prisma });
    const viaHttp = (await t.request('GET', url())).json();
    expect(await insights.guardedStatistics('new-checkout', 'production')).toEqual(viaHttp);
  });

  it('gives null rates with nobody exposed, and 404 for a key of no flag never counted', async () => {
    await createFlag(t, { key: 'unguarded', kind: 'string', variations: ['a', 'b', 'c'] });
    const res = await t.request('GET', '/api/insights/flags/unguarded/environments/production/guarded');
    expect(res.json()).toEqual({
      flagKey: 'unguarded',
      environmentKey: 'production',
      since: null,
      guardedMetrics: [],
      variations: [
        { variation: 0, value: 'a', exposedContexts: 0, metrics: [] },
        { variation: 1, value: 'b', exposedContexts: 0, metrics: [] },
        { variation: 2, value: 'c', exposedContexts: 0, metrics: [] },
      ],
    });
    await t.request('PATCH', '/api/flags/unguarded/environments/staging', { body: { guardedMetrics: ['purchase'] } });
    const staging = (await t.request('GET', '/api/insights/flags/unguarded/environments/staging/guarded')).json();
    expect(staging.variations[0].metrics).toEqual([
      { key: 'purchase', contextsWithEvent: 0, conversionRate: null, count: 0, valueCount: 0, sum: 0, sumSquares: 0 },
    ]);
    expect((await t.request('GET', '/api/insights/flags/nothing/environments/production/guarded')).statusCode).toBe(404);
    expect((await t.request('GET', url('?since=soon'))).statusCode).toBe(400);
  });
});
