import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

type Item = {
  id: string;
  createdAt: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceKey: string;
  flagKey: string | null;
  environmentKey: string | null;
  before: unknown;
  after: unknown;
};

describe('audit log API', () => {
  let t: TestApp;
  let alice: string;
  beforeAll(async () => {
    t = await createTestApp();
    alice = (await t.request('POST', '/api/tokens', { body: { name: 'alice', kind: 'admin' } })).json().secret;
  });
  afterAll(async () => t?.close());

  const query = async (qs: string) => {
    const res = await t.request('GET', `/api/audit${qs}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Item[]; nextCursor: string | null };
  };
  /** A flag change recorded through the same write path the flags API uses. */
  const flagEvent = (flagKey: string, environmentKey: string | null, action = 'flag.updated') =>
    t.app.changes.run('system', (w) =>
      w.audit({ action, resourceType: 'flag', resourceKey: flagKey, flagKey, environmentKey, before: { on: false }, after: { on: true } }),
    );

  it('refuses requests without a token (401) and with server or client keys (403)', async () => {
    expect((await t.request('GET', '/api/audit', { token: null })).statusCode).toBe(401);
    expect((await t.request('GET', '/api/audit', { token: await t.createToken('server', 'production') })).statusCode).toBe(403);
    expect((await t.request('GET', '/api/audit', { token: await t.createToken('client', 'production') })).statusCode).toBe(403);
  });

  it('records every write of the admin API and returns it newest first, in full', async () => {
    await t.request('POST', '/api/environments/staging/segments', { body: { key: 'vip', name: 'VIP', included: ['u1'] }, token: alice });
    await t.request('PUT', '/api/environments/staging/segments/vip', { body: { name: 'VIPs' }, token: alice });
    await t.request('PATCH', '/api/environments/qa', { body: { name: 'nothing' } }); // 404: records nothing

    const { items } = await query('?limit=3');
    expect(items.map((i) => i.action)).toEqual(['segment.updated', 'segment.created', 'token.created']);
    const [updated] = items as [Item];
    expect(updated).toEqual({
      id: expect.stringMatching(/^\d+$/),
      createdAt: expect.any(String),
      actor: 'alice',
      action: 'segment.updated',
      resourceType: 'segment',
      resourceKey: 'vip',
      flagKey: null,
      environmentKey: 'staging',
      before: expect.objectContaining({ name: 'VIP', included: ['u1'], version: 1 }),
      after: expect.objectContaining({ name: 'VIPs', included: [], version: 2 }),
    });
    expect(new Date(updated.createdAt).toISOString()).toBe(updated.createdAt);
  });

  it('filters by flag, environment, actor, action and resource type, combined with AND', async () => {
    await flagEvent('checkout', 'production');
    await flagEvent('checkout', 'staging');
    await flagEvent('search', 'production', 'flag.created');

    expect((await query('?flag=checkout')).items.map((i) => i.environmentKey)).toEqual(['staging', 'production']);
    expect((await query('?environment=production')).items.map((i) => i.resourceKey)).toEqual(['search', 'checkout']);
    expect((await query('?environment=staging')).items.map((i) => i.action)).toEqual([
      'flag.updated',
      'segment.updated',
      'segment.created',
    ]);
    expect((await query('?actor=alice')).items.map((i) => i.action)).toEqual(['segment.updated', 'segment.created']);
    // 'system' also made what start-up seeded (the admin token): only the flag events are this test's.
    expect((await query('?actor=system&resourceType=flag')).items).toHaveLength(3);
    expect((await query('?action=flag.created')).items.map((i) => i.resourceKey)).toEqual(['search']);
    const tokens = (await query('?resourceType=token')).items; // alice's, then the admin token start-up seeded
    expect(tokens.map((i) => i.resourceType)).toEqual(['token', 'token']);
    expect(tokens[0]!.after).toEqual(expect.objectContaining({ name: 'alice' }));
    expect((await query('?resourceType=flag&environment=production&action=flag.updated')).items.map((i) => i.flagKey)).toEqual([
      'checkout',
    ]);
    expect((await query('?flag=nothing-like-it')).items).toEqual([]);
  });

  it('filters by a from/to time window (inclusive)', async () => {
    const at = (iso: string) => new Date(iso);
    await t.db.prisma.auditEvent.createMany({
      data: [
        {
          createdAt: at('2020-01-01T00:00:00Z'),
          actor: 'history',
          action: 'flag.updated',
          resourceType: 'flag',
          resourceKey: 'old',
          flagKey: 'old',
        },
        {
          createdAt: at('2020-06-01T00:00:00Z'),
          actor: 'history',
          action: 'flag.updated',
          resourceType: 'flag',
          resourceKey: 'old',
          flagKey: 'old',
        },
        {
          createdAt: at('2021-01-01T00:00:00Z'),
          actor: 'history',
          action: 'flag.updated',
          resourceType: 'flag',
          resourceKey: 'old',
          flagKey: 'old',
        },
      ],
    });
    const window = await query('?flag=old&from=2020-01-01T00:00:00Z&to=2020-06-01T00:00:00Z');
    expect(window.items.map((i) => i.createdAt)).toEqual(['2020-06-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z']);
    expect((await query('?flag=old&from=2020-03-01T02:00:00%2B02:00')).items).toHaveLength(2);
    expect((await query('?flag=old&to=2020-12-31T23:59:59.999Z')).items).toHaveLength(2);
    // Everything made by this test run is after 2021.
    expect((await query('?from=2021-01-02T00:00:00Z')).items.every((i) => i.actor !== 'history')).toBe(true);
  });

  it('answers 400 naming the query field for bad filters', async () => {
    const cases: [string, string][] = [
      ['?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'query.from'],
      ['?from=yesterday', 'query.from'],
      ['?to=2024-13-01T00:00:00Z', 'query.to'],
      ['?limit=0', 'query.limit'],
      ['?limit=201', 'query.limit'],
      ['?limit=ten', 'query.limit'],
      ['?cursor=abc', 'query.cursor'],
      ['?cursor=999999999', 'query.cursor'],
      ['?cursor=9223372036854775807', 'query.cursor'], // the largest bigint: no such event
      ['?cursor=9223372036854775808', 'query.cursor'], // past the largest bigint: no event could have it
      ['?cursor=9999999999999999999', 'query.cursor'],
      ['?cursor=99999999999999999999', 'query.cursor'],
      ['?flag=', 'query.flag'],
      // PostgreSQL cannot compare text holding U+0000: refused before it gets there.
      ['?flag=%00', 'query.flag'],
      ['?environment=%00', 'query.environment'],
      ['?actor=a%00b', 'query.actor'],
      ['?action=flag.%00', 'query.action'],
      ['?resourceType=%00', 'query.resourceType'],
      ['?from=%00', 'query.from'],
    ];
    for (const [qs, path] of cases) {
      const res = await t.request('GET', `/api/audit${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(
        res.json().details.map((d: { path: string }) => d.path),
        qs,
      ).toEqual([path]);
    }
    expect((await t.request('GET', '/api/audit?limit=200')).statusCode).toBe(200);
  });

  it('pages with a cursor across three pages while new events arrive between pages', async () => {
    for (let i = 1; i <= 7; i++) await flagEvent(`paged-${i}`, 'development', 'flag.paged');
    const expected = ['paged-7', 'paged-6', 'paged-5', 'paged-4', 'paged-3', 'paged-2', 'paged-1'];

    const first = await query('?action=flag.paged&limit=3');
    expect(first.items.map((i) => i.resourceKey)).toEqual(expected.slice(0, 3));
    expect(first.nextCursor).toBe(first.items[2]!.id);

    await flagEvent('paged-8', 'development', 'flag.paged');
    const second = await query(`?action=flag.paged&limit=3&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.resourceKey)).toEqual(expected.slice(3, 6));

    await flagEvent('paged-9', 'development', 'flag.paged');
    const third = await query(`?action=flag.paged&limit=3&cursor=${second.nextCursor}`);
    expect(third.items.map((i) => i.resourceKey)).toEqual(expected.slice(6));
    expect(third.nextCursor).toBeNull();

    // The newcomers are on a fresh first page.
    expect((await query('?action=flag.paged&limit=3')).items.map((i) => i.resourceKey)).toEqual(['paged-9', 'paged-8', 'paged-7']);
  });

  it('pages stably through events recorded at the same instant', async () => {
    const createdAt = new Date('2019-05-05T05:05:05.005Z');
    await t.db.prisma.auditEvent.createMany({
      data: Array.from({ length: 5 }, (_, i) => ({
        createdAt,
        actor: 'batch',
        action: 'flag.updated',
        resourceType: 'flag',
        resourceKey: `same-${i}`,
      })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await query(`?actor=batch&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.resourceKey));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['same-4', 'same-3', 'same-2', 'same-1', 'same-0']);
  });

  it('is documented in the OpenAPI document, with its filters', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    const names = doc.paths['/api/audit/'].get.parameters.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(['action', 'actor', 'cursor', 'environment', 'flag', 'from', 'limit', 'resourceType', 'to']);
  });

  it('defaults to 50 items per page', async () => {
    await t.db.prisma.auditEvent.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({
        actor: 'bulk',
        action: 'flag.updated',
        resourceType: 'flag',
        resourceKey: `bulk-${i}`,
      })),
    });
    const page = await query('?actor=bulk');
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).toBe(page.items[49]!.id);
    expect((await query(`?actor=bulk&cursor=${page.nextCursor}`)).items).toHaveLength(10);
  });
});
