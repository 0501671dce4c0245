import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { detailPaths } from '../flags/helpers.ts';
import { compactHour, foldReport, reportAt } from './rollups.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const at = (time: string) => new Date(`2026-03-10T${time}Z`);
const event = (key: string, values: number[], calls = values.length) => ({
  key,
  count: calls,
  valueCount: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSquares: values.reduce((a, b) => a + b * b, 0),
});
const zero = { count: 0, valueCount: 0, sum: 0, sumSquares: 0 };

describe('insights: custom events of an environment', () => {
  let t: TestApp;
  const get = async (path: string) => {
    const res = await t.request('GET', path);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => NOW } });
    const fold = (time: string, events: object[]) =>
      foldReport(t.db.prisma, 'production', ...reportAt(at(time), { events: events as never }));
    await fold('09:15:00', [event('purchase', [8])]);
    await compactHour(t.db.prisma, 'production', at('09:00:00'));
    await fold('11:00:00', [event('purchase', [10, 20], 3), event('signup', [])]);
    await fold('11:00:40', [event('purchase', [30])]);
    await fold('11:02:00', [event('page-view', [], 5)]);
  });
  afterAll(async () => t?.close());

  it('gives per event key and bucket the calls, values counted, sum, sum of squares and mean', async () => {
    const body = await get('/api/insights/environments/production/events?from=2026-03-10T11:00:00Z&to=2026-03-10T11:03:00Z');
    expect(body).toMatchObject({ environmentKey: 'production', granularity: 'minute', total: 3, limit: 20, offset: 0 });
    expect(body.items.map((i: { key: string }) => i.key)).toEqual(['page-view', 'purchase', 'signup']);
    const purchase = body.items[1];
    expect(purchase.totals).toEqual({ count: 4, valueCount: 3, sum: 60, sumSquares: 1400, mean: 20, variance: 100 });
    expect(purchase.buckets).toEqual([
      { start: '2026-03-10T11:00:00.000Z', count: 4, valueCount: 3, sum: 60, sumSquares: 1400, mean: 20, variance: 100 },
      { start: '2026-03-10T11:01:00.000Z', ...zero },
      { start: '2026-03-10T11:02:00.000Z', ...zero },
    ]);
    // Calls without a value: no mean.
    expect(body.items[0].totals).toEqual({ count: 5, valueCount: 0, sum: 0, sumSquares: 0 });
    expect(body.items[2].totals).toEqual(zero);
  });

  it('adds compacted hours in an hourly series, and pages through the keys', async () => {
    const hourly = await get('/api/insights/environments/production/events?from=2026-03-10T09:00:00Z&granularity=hour&limit=1&offset=1');
    expect(hourly).toMatchObject({ granularity: 'hour', total: 3, limit: 1, offset: 1 });
    expect(hourly.items).toHaveLength(1);
    expect(hourly.items[0].key).toBe('purchase');
    expect(hourly.items[0].buckets.map((b: { count: number }) => b.count)).toEqual([1, 0, 4]);
    expect(hourly.items[0].totals).toMatchObject({ count: 5, valueCount: 4, sum: 68, mean: 17 });
  });

  it('gives one key’s series, zeros for a key never tracked', async () => {
    const one = await get('/api/insights/environments/production/events/purchase?from=2026-03-10T09:00:00Z&to=2026-03-10T12:00:00Z');
    expect(one).toMatchObject({ key: 'purchase', granularity: 'minute', totals: { count: 4, sum: 60 } });
    expect(one.buckets).toHaveLength(180);
    const hourly = await get('/api/insights/environments/production/events/purchase?granularity=hour');
    expect(hourly.totals).toMatchObject({ count: 5, sum: 68 });
    const never = await get('/api/insights/environments/production/events/never.tracked');
    expect(never.totals).toEqual(zero);
    expect(never.buckets).toHaveLength(24);
  });

  it('answers 400 naming the parameter, and 404 for an unknown environment', async () => {
    for (const [path, param] of [
      ['/events?granularity=week', 'query.granularity'],
      ['/events?limit=51', 'query.limit'],
      ['/events?from=2026-03-01T00:00:00Z&granularity=minute', 'query.from'],
      ['/events/purchase?to=2026-03-10T00:00:00Z&from=2026-03-10T01:00:00Z', 'query.from'],
      ['/events/-bad-key', 'params.key'],
    ] as const) {
      const res = await t.request('GET', `/api/insights/environments/production${path}`);
      expect(res.statusCode, path).toBe(400);
      expect(detailPaths(res.json()), path).toEqual([param]);
    }
    expect((await t.request('GET', '/api/insights/environments/nowhere/events')).statusCode).toBe(404);
    expect((await t.request('GET', '/api/insights/environments/nowhere/events/purchase')).statusCode).toBe(404);
  });
});
