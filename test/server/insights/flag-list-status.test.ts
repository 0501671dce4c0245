/** `GET /api/flags?env=…&status=…`: statuses are computed from what SDKs reported, and filtered before the page is cut. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from '../flags/helpers.ts';
import { foldReport, reportAt } from './rollups.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('flags API: listing by status in an environment', () => {
  let t: TestApp;
  const evaluated = (flag: string, days: number, variation: number, env = 'production') =>
    foldReport(t.db.prisma, env, ...reportAt(daysAgo(days), { evaluations: [{ flag, variation, count: 3 }] }));
  const list = async (query: string) => {
    const res = await t.request('GET', `/api/flags${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const keys = async (query: string) => (await list(query)).items.map((f: { key: string }) => f.key);

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => NOW } });
    // launched in production: a-launched, c-launched, e-launched, g-launched (g tagged web)
    for (const key of ['a-launched', 'c-launched', 'e-launched', 'g-launched']) {
      await createFlag(t, { key, tags: key === 'g-launched' ? ['web'] : [] });
      await evaluated(key, 10, 0);
      await evaluated(key, 1, 0);
    }
    await createFlag(t, { key: 'b-active', tags: ['web'] });
    // Both variations this week.
    await evaluated('b-active', 10, 0);
    await evaluated('b-active', 1, 0);
    await evaluated('b-active', 1, 1);
    await createFlag(t, { key: 'd-inactive' });
    await evaluated('d-inactive', 30, 0);
    await createFlag(t, { key: 'f-new', tags: ['web'] });
    // Launched in staging only.
    await createFlag(t, { key: 'h-staging' });
    await evaluated('h-staging', 10, 1, 'staging');
    await evaluated('h-staging', 1, 1, 'staging');
    // Archived, and still evaluated after.
    await createFlag(t, { key: 'i-archived' });
    await evaluated('i-archived', 10, 0);
    expect((await t.request('POST', '/api/flags/i-archived/archive')).statusCode).toBe(200);
    await t.db.prisma.flag.update({ where: { key: 'i-archived' }, data: { archivedAt: daysAgo(5) } });
    await evaluated('i-archived', 1, 0);
  });
  afterAll(async () => t?.close());

  it('gives each flag its status in the environment named by env, and none without env', async () => {
    const body = await list('?env=production');
    expect(body.items.map((f: { key: string; status: string; on: boolean }) => [f.key, f.status])).toEqual([
      ['a-launched', 'launched'],
      ['b-active', 'active'],
      ['c-launched', 'launched'],
      ['d-inactive', 'inactive'],
      ['e-launched', 'launched'],
      ['f-new', 'new'],
      ['g-launched', 'launched'],
      ['h-staging', 'new'],
    ]);
    expect(body.items[0].on).toBe(false);
    expect((await list('?env=staging&q=h-')).items[0].status).toBe('launched');
    expect((await list('')).items[0]).not.toHaveProperty('status');
    expect(await list('?env=production&archived=true')).toMatchObject({
      total: 1,
      items: [{ key: 'i-archived', status: 'archived-but-evaluated' }],
    });
  });

  it('keeps only flags with one of the statuses, with total and pages counted after the filter', async () => {
    expect(await list('?env=production&status=launched')).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect(await keys('?env=production&status=launched')).toEqual(['a-launched', 'c-launched', 'e-launched', 'g-launched']);

    const page = await list('?env=production&status=launched&limit=2&offset=1');
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.items.map((f: { key: string; status: string }) => [f.key, f.status])).toEqual([
      ['c-launched', 'launched'],
      ['e-launched', 'launched'],
    ]);
    expect(await keys('?env=production&status=launched&limit=2&offset=3')).toEqual(['g-launched']);
    expect(await list('?env=production&status=launched&offset=4')).toMatchObject({ total: 4, items: [] });
  });

  it('takes several statuses, repeated or comma-separated, along with the other filters', async () => {
    expect(await keys('?env=production&status=inactive,new')).toEqual(['d-inactive', 'f-new', 'h-staging']);
    expect(await keys('?env=production&status=inactive&status=new&status=new')).toEqual(['d-inactive', 'f-new', 'h-staging']);
    expect(await keys('?env=production&status=launched,active&tag=web')).toEqual(['b-active', 'g-launched']);
    expect(await keys('?env=staging&status=launched')).toEqual(['h-staging']);
    expect(await keys('?env=production&status=archived-but-evaluated&archived=all')).toEqual(['i-archived']);
    expect(await keys('?env=production&status=archived-but-evaluated')).toEqual([]);
  });

  it('needs env for status, and answers 400 naming the parameter for an unknown status', async () => {
    for (const [query, path] of [
      ['?status=launched', 'query.env'],
      ['?env=production&status=shipped', 'query.status[0]'],
      ['?env=production&status=new,shipped', 'query.status[1]'],
    ] as const) {
      const res = await t.request('GET', `/api/flags${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(detailPaths(res.json()), query).toEqual([path]);
    }
    expect((await t.request('GET', '/api/flags?env=nowhere&status=new')).statusCode).toBe(404);
  });
});
