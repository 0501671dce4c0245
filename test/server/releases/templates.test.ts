import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ dueWork: { enabled: false } });
});

afterAll(async () => {
  await t?.close();
});

const canary = {
  key: 'canary',
  name: 'Canary',
  stages: [
    { percentage: 1, holdMinutes: 60 },
    { percentage: 10, holdMinutes: 240, requireApproval: true },
    { percentage: 100, holdMinutes: 0 },
  ],
  guard: { metrics: [{ key: 'checkout-error', kind: 'binary' }] },
};

describe('release templates', () => {
  it('are created with their defaults filled in, listed, and refused twice under one key', async () => {
    const created = await t.request('POST', '/api/release-templates', { body: canary });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json().stages[0]).toEqual({ percentage: 1, segments: [], holdMinutes: 60, requireApproval: false, guarded: true });
    expect(created.json().guard).toEqual({
      metrics: [
        {
          key: 'checkout-error',
          kind: 'binary',
          direction: 'lower-is-better',
          tolerance: { kind: 'absolute', value: 0 },
          minimumContexts: 100,
        },
      ],
      onRegression: 'rollback',
    });
    expect((await t.request('GET', '/api/release-templates')).json().map((x: { key: string }) => x.key)).toEqual(['canary']);
    const again = await t.request('POST', '/api/release-templates', { body: canary });
    expect(again.statusCode).toBe(409);
    expect(again.json().details[0].path).toBe('body.key');
  });

  it('refuses bad stages and metrics, naming the field, and changes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ ...canary, key: 'bad-1', stages: [] }, 'body.stages'],
      [{ ...canary, key: 'bad-2', stages: [{ percentage: 101, holdMinutes: 1 }] }, 'body.stages[0].percentage'],
      [{ ...canary, key: 'bad-3', stages: [{ percentage: 10, holdMinutes: -1 }] }, 'body.stages[0].holdMinutes'],
      [{ ...canary, key: 'bad-4', guard: { metrics: [{ key: 'has space', kind: 'binary' }] } }, 'body.guard.metrics[0].key'],
      [{ ...canary, key: 'bad-5', guard: { metrics: [{ key: 'x', kind: 'ratio' }] } }, 'body.guard.metrics[0].kind'],
    ];
    for (const [body, path] of cases) {
      const res = await t.request('POST', '/api/release-templates', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await t.db.prisma.releaseTemplate.count()).toBe(1);
  });

  it('start plans with a copy of their stages: changing the template later does not change a running plan', async () => {
    await createFlag(t, { key: 'from-template' });
    const plan = (
      await t.request('POST', '/api/flags/from-template/environments/production/release-plans', { body: { template: 'canary' } })
    ).json();
    expect(plan).toMatchObject({ templateKey: 'canary', stages: [{ percentage: 1 }, { percentage: 10 }, { percentage: 100 }] });
    expect(plan.guard.metrics[0].key).toBe('checkout-error');
    const stale = await t.request('PATCH', '/api/release-templates/canary', { body: { name: 'x' }, headers: { 'if-match': '"7"' } });
    expect(stale.statusCode).toBe(412);
    const changed = await t.request('PATCH', '/api/release-templates/canary', {
      body: { stages: [{ percentage: 50, holdMinutes: 1 }], guard: null },
      headers: { 'if-match': '"1"' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, guard: null, stages: [{ percentage: 50 }] });
    expect((await t.request('GET', `/api/release-plans/${plan.id}`)).json().stages).toHaveLength(3);
  });

  it('are deleted without touching the plans started from them, and audited', async () => {
    expect((await t.request('DELETE', '/api/release-templates/canary')).statusCode).toBe(204);
    expect((await t.request('GET', '/api/release-templates/canary')).statusCode).toBe(404);
    expect(await t.db.prisma.releasePlan.count({ where: { templateKey: 'canary' } })).toBe(1);
    const actions = (await t.db.prisma.auditEvent.findMany({ where: { resourceType: 'release-template' }, orderBy: { id: 'asc' } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(['release-template.created', 'release-template.updated', 'release-template.deleted']);
  });
});
