import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { detailPaths } from '../flags/helpers.ts';
import { foldReport, reportAt } from './rollups.ts';

const at = (time: string) => new Date(`2026-03-10T${time}Z`);

describe('insights: the SDK instances seen in an environment', () => {
  let t: TestApp;
  const get = async (query = '', env = 'production') => {
    const res = await t.request('GET', `/api/insights/environments/${env}/sdks${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp();
    const fold = (time: string, sdk: object, dropped = {}) =>
      foldReport(
        t.db.prisma,
        'production',
        ...reportAt(at(time), { sdk, dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0, ...dropped } }),
      );
    await fold('08:00:00', { instanceId: 'web-1', version: '1.0.0', snapshotVersion: 3 }, { evaluations: 5 });
    await fold('10:00:00', { instanceId: 'web-1', version: '1.0.0', snapshotVersion: 4 }, { evaluations: 2, reports: 1 });
    await fold('09:00:00', { instanceId: 'web-2', version: '1.1.0', mode: 'polling', snapshotVersion: null });
    await fold('11:00:00', { instanceId: 'edge-1', name: 'switchyard-go', version: '0.3.0', mode: 'remote' }, { contexts: 7 });
    await foldReport(t.db.prisma, 'staging', ...reportAt(at('11:00:00'), { sdk: { instanceId: 'staging-1' } }));
  });
  afterAll(async () => t?.close());

  it('lists instances most recently seen first, with what they last reported and their drops, and a summary per SDK version', async () => {
    expect(await get()).toEqual({
      total: 3,
      limit: 50,
      offset: 0,
      items: [
        {
          instanceId: 'edge-1',
          name: 'switchyard-go',
          version: '0.3.0',
          mode: 'remote',
          snapshotVersion: 1,
          firstSeenAt: '2026-03-10T11:00:10.000Z',
          lastSeenAt: '2026-03-10T11:00:10.000Z',
          dropped: { evaluations: 0, events: 0, contexts: 7, reports: 0 },
        },
        {
          instanceId: 'web-1',
          name: '@switchyard/sdk',
          version: '1.0.0',
          mode: 'streaming',
          snapshotVersion: 4,
          firstSeenAt: '2026-03-10T08:00:10.000Z',
          lastSeenAt: '2026-03-10T10:00:10.000Z',
          dropped: { evaluations: 7, events: 0, contexts: 0, reports: 1 },
        },
        {
          instanceId: 'web-2',
          name: '@switchyard/sdk',
          version: '1.1.0',
          mode: 'polling',
          snapshotVersion: null,
          firstSeenAt: '2026-03-10T09:00:10.000Z',
          lastSeenAt: '2026-03-10T09:00:10.000Z',
          dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0 },
        },
      ],
      summary: [
        { name: '@switchyard/sdk', version: '1.0.0', instances: 1, lastSeenAt: '2026-03-10T10:00:10.000Z' },
        { name: '@switchyard/sdk', version: '1.1.0', instances: 1, lastSeenAt: '2026-03-10T09:00:10.000Z' },
        { name: 'switchyard-go', version: '0.3.0', instances: 1, lastSeenAt: '2026-03-10T11:00:10.000Z' },
      ],
    });
  });

  it('keeps the instances seen since a given instant, a page at a time', async () => {
    const since = await get('?since=2026-03-10T09:30:00Z');
    expect(since.items.map((i: { instanceId: string }) => i.instanceId)).toEqual(['edge-1', 'web-1']);
    expect(since.summary.map((s: { version: string }) => s.version)).toEqual(['1.0.0', '0.3.0']);
    const page = await get('?limit=1&offset=1');
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.items.map((i: { instanceId: string }) => i.instanceId)).toEqual(['web-1']);
    expect(page.summary).toHaveLength(3);
    expect((await get('', 'staging')).items.map((i: { instanceId: string }) => i.instanceId)).toEqual(['staging-1']);
    expect(await get('', 'development')).toEqual({ items: [], total: 0, limit: 50, offset: 0, summary: [] });
  });

  it('answers 400 naming the parameter, and 404 for an unknown environment', async () => {
    const res = await t.request('GET', '/api/insights/environments/production/sdks?since=noon');
    expect(res.statusCode).toBe(400);
    expect(detailPaths(res.json())).toEqual(['query.since']);
    expect((await t.request('GET', '/api/insights/environments/nowhere/sdks')).statusCode).toBe(404);
  });
});
