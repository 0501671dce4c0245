import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from './helpers.ts';

type Item = { key: string; releasePlan?: { id: string; status: string } | null; pendingSchedules?: number };

describe('flags API: listing what is under way in an environment', () => {
  let t: TestApp;
  const itemsIn = async (env: string): Promise<Record<string, Item>> => {
    const res = await t.request('GET', `/api/flags?env=${env}`);
    expect(res.statusCode, res.body).toBe(200);
    return Object.fromEntries(res.json().items.map((item: Item) => [item.key, item]));
  };
  const startPlan = async (key: string) => {
    const res = await t.request('POST', `/api/flags/${key}/environments/production/release-plans`, {
      body: { stages: [{ percentage: 10, holdMinutes: 60 }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; version: number };
  };
  const schedule = async (key: string, env: string) => {
    const res = await t.request('POST', `/api/flags/${key}/environments/${env}/scheduled-changes`, {
      body: { at: new Date(Date.now() + 24 * 3600_000).toISOString(), instructions: [{ kind: 'turnOn' }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; version: number };
  };

  beforeAll(async () => {
    t = await createTestApp();
    for (const key of ['quiet', 'releasing', 'paused-release', 'ended-release', 'scheduled']) await createFlag(t, { key });
  });
  afterAll(async () => t?.close());

  it('names the running or paused release plan of each flag in that environment, and null when there is none', async () => {
    const running = await startPlan('releasing');
    const paused = await startPlan('paused-release');
    expect((await t.request('POST', `/api/release-plans/${paused.id}/pause`, { body: {} })).statusCode).toBe(200);
    const ended = await startPlan('ended-release');
    expect((await t.request('POST', `/api/release-plans/${ended.id}/abandon`, { body: {} })).statusCode).toBe(200);

    const production = await itemsIn('production');
    expect(production.releasing?.releasePlan).toEqual({ id: running.id, status: 'running' });
    expect(production['paused-release']?.releasePlan).toEqual({ id: paused.id, status: 'paused' });
    expect(production['ended-release']?.releasePlan).toBeNull();
    expect(production.quiet?.releasePlan).toBeNull();
    expect((await itemsIn('staging')).releasing?.releasePlan).toBeNull();
  });

  it('counts the scheduled changes still pending in that environment, not cancelled ones nor other environments’', async () => {
    await schedule('scheduled', 'production');
    const cancelled = await schedule('scheduled', 'production');
    await schedule('scheduled', 'production');
    await schedule('scheduled', 'staging');
    const res = await t.request('DELETE', `/api/scheduled-changes/${cancelled.id}`);
    expect(res.statusCode, res.body).toBe(200);

    expect((await itemsIn('production')).scheduled?.pendingSchedules).toBe(2);
    expect((await itemsIn('staging')).scheduled?.pendingSchedules).toBe(1);
    expect((await itemsIn('development')).scheduled?.pendingSchedules).toBe(0);
    expect((await itemsIn('production')).quiet?.pendingSchedules).toBe(0);
  });

  it('documents both in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const page = doc.paths['/api/flags/'].get.responses['200'].content['application/json'].schema;
    const item = page.properties.items.items;
    expect(item.properties.releasePlan.description).toMatch(/running or paused release plan/);
    expect(JSON.stringify(item.properties.releasePlan)).toContain('"paused"');
    expect(item.properties.pendingSchedules.type).toBe('integer');
  });

  it('says nothing of plans and schedules without env', async () => {
    const res = await t.request('GET', '/api/flags');
    expect(res.json().items[0]).not.toHaveProperty('releasePlan');
    expect(res.json().items[0]).not.toHaveProperty('pendingSchedules');
  });
});
