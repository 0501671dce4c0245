import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from '../flags/helpers.ts';
import { compactHour, foldReport, reportAt } from './rollups.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const at = (time: string) => new Date(`2026-03-10T${time}Z`);

describe('insights: the flag keys evaluated in an environment', () => {
  let t: TestApp;
  const list = async (query = '', env = 'production') => {
    const res = await t.request('GET', `/api/insights/environments/${env}/flags${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => NOW } });
    await createFlag(t, { key: 'checkout' });
    await createFlag(t, { key: 'banner', kind: 'string', variations: ['red', 'blue'] });
    await createFlag(t, { key: 'never-evaluated' });
    const fold = (time: string, evaluations: object[]) =>
      foldReport(t.db.prisma, 'production', ...reportAt(at(time), { evaluations: evaluations as never }));
    await fold('02:10:00', [{ flag: 'checkout', variation: 0, count: 100 }]);
    await compactHour(t.db.prisma, 'production', at('02:00:00'));
    await fold('11:00:00', [
      { flag: 'checkout', variation: 1, count: 5 },
      { flag: 'banner', variation: 1, count: 2 },
      { flag: 'removed-flag', error: 'FLAG_NOT_FOUND', count: 9 },
    ]);
    await fold('11:30:00', [{ flag: 'checkout', error: 'WRONG_TYPE', count: 1 }]);
    // Yesterday, outside the default range.
    await foldReport(
      t.db.prisma,
      'production',
      ...reportAt(new Date('2026-03-09T08:00:00Z'), { evaluations: [{ flag: 'old', variation: 0, count: 1 }] }),
    );
  });
  afterAll(async () => t?.close());

  it('lists every key counted in the last 24 hours by key, with totals, and marks keys that are no flag', async () => {
    expect(await list()).toEqual({
      from: '2026-03-09T12:00:00.000Z',
      to: NOW.toISOString(),
      total: 3,
      limit: 50,
      offset: 0,
      items: [
        {
          flagKey: 'banner',
          exists: true,
          evaluations: 2,
          variations: [
            { variation: 0, value: 'red', count: 0 },
            { variation: 1, value: 'blue', count: 2 },
          ],
          errors: [],
          lastEvaluatedAt: '2026-03-10T11:00:10.000Z',
        },
        {
          flagKey: 'checkout',
          exists: true,
          evaluations: 106,
          variations: [
            { variation: 0, value: true, count: 100 },
            { variation: 1, value: false, count: 5 },
          ],
          errors: [{ errorKind: 'WRONG_TYPE', count: 1 }],
          lastEvaluatedAt: '2026-03-10T11:30:10.000Z',
        },
        {
          flagKey: 'removed-flag',
          exists: false,
          evaluations: 9,
          variations: [],
          errors: [{ errorKind: 'FLAG_NOT_FOUND', count: 9 }],
          lastEvaluatedAt: '2026-03-10T11:00:10.000Z',
        },
      ],
    });
  });

  it('pages through the keys, and counts the buckets starting in the range asked for', async () => {
    const page = await list('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.items.map((i: { flagKey: string }) => i.flagKey)).toEqual(['checkout']);
    expect((await list('?offset=5')).items).toEqual([]);

    const older = await list('?from=2026-03-09T00:00:00Z&to=2026-03-10T03:00:00Z');
    expect(older.items.map((i: { flagKey: string; evaluations: number }) => [i.flagKey, i.evaluations])).toEqual([
      ['checkout', 100],
      ['old', 1],
    ]);
    // The hour row of 02:00 starts before 02:30: not in the range.
    expect((await list('?from=2026-03-10T02:30:00Z&to=2026-03-10T11:00:00Z')).items).toEqual([]);
    expect((await list('', 'staging')).total).toBe(0);
  });

  it('answers 400 naming the parameter, and 404 for an unknown environment', async () => {
    for (const [query, path] of [
      ['?from=2026-03-10T13:00:00Z', 'query.from'],
      ['?to=tomorrow', 'query.to'],
      ['?limit=0', 'query.limit'],
      ['?offset=-1', 'query.offset'],
    ] as const) {
      const res = await t.request('GET', `/api/insights/environments/production/flags${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(detailPaths(res.json()), query).toEqual([path]);
    }
    expect((await t.request('GET', '/api/insights/environments/nowhere/flags')).statusCode).toBe(404);
  });
});
