import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from './helpers.ts';

describe('flags API: listing', () => {
  let t: TestApp;
  const keys = async (query: string) => {
    const res = await t.request('GET', `/api/flags${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items.map((f: { key: string }) => f.key);
  };

  beforeAll(async () => {
    t = await createTestApp();
    await createFlag(t, { key: 'checkout-v2', name: 'New Checkout', tags: ['web', 'payments'] });
    await createFlag(t, { key: 'billing_page', name: 'Billing', description: 'The NEW checkout billing step', tags: ['payments'] });
    await createFlag(t, { key: 'dark-mode', name: 'Dark mode', tags: ['web', 'ui'] });
    await createFlag(t, { key: 'billingxpage', name: 'Lookalike', tags: [] });
    await createFlag(t, { key: 'legacy', name: 'Legacy', tags: ['web'] });
    await t.request('POST', '/api/flags/legacy/archive');
    await t.request('POST', '/api/flags/dark-mode/environments/staging/toggle', { body: { on: true } });
  });
  afterAll(async () => t?.close());

  it('lists active flags sorted by key, with pagination', async () => {
    const all = await t.request('GET', '/api/flags');
    expect(all.json()).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect(all.json().items.map((f: { key: string }) => f.key)).toEqual(['billing_page', 'billingxpage', 'checkout-v2', 'dark-mode']);
    expect(all.json().items[0]).not.toHaveProperty('on');

    const page = await t.request('GET', '/api/flags?limit=2&offset=1');
    expect(page.json()).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.json().items.map((f: { key: string }) => f.key)).toEqual(['billingxpage', 'checkout-v2']);
    expect(await keys('?offset=10')).toEqual([]);
  });

  it('filters by tags (repeated or comma-separated: flags carrying all of them)', async () => {
    expect(await keys('?tag=web')).toEqual(['checkout-v2', 'dark-mode']);
    expect(await keys('?tag=web&tag=payments')).toEqual(['checkout-v2']);
    expect(await keys('?tag=web,payments')).toEqual(['checkout-v2']);
    expect(await keys('?tag=nobody')).toEqual([]);
  });

  it('searches key, name and description case-insensitively, taking % and _ literally', async () => {
    expect(await keys('?q=CHECKOUT')).toEqual(['billing_page', 'checkout-v2']);
    expect(await keys('?q=dark')).toEqual(['dark-mode']);
    expect(await keys('?q=billing_')).toEqual(['billing_page']);
    expect(await keys('?q=%25')).toEqual([]);
  });

  it('shows archived flags on request', async () => {
    expect(await keys('?archived=true')).toEqual(['legacy']);
    expect(await keys('?archived=all')).toEqual(['billing_page', 'billingxpage', 'checkout-v2', 'dark-mode', 'legacy']);
    expect(await keys('?archived=all&tag=web&limit=1&offset=2')).toEqual(['legacy']);
  });

  it('includes each flag’s on state in the environment named by env', async () => {
    const res = await t.request('GET', '/api/flags?env=staging&tag=web');
    expect(res.json().items.map((f: { key: string; on: boolean }) => [f.key, f.on])).toEqual([
      ['checkout-v2', false],
      ['dark-mode', true],
    ]);
    const production = await t.request('GET', '/api/flags?env=production&q=dark');
    expect(production.json().items[0].on).toBe(false);
    expect((await t.request('GET', '/api/flags?env=nowhere')).statusCode).toBe(404);
  });

  it('answers 400 naming the parameter for bad query values', async () => {
    for (const [query, path] of [
      ['?limit=0', 'query.limit'],
      ['?limit=abc', 'query.limit'],
      ['?offset=-1', 'query.offset'],
      ['?archived=maybe', 'query.archived'],
      ['?env=bad%20key', 'query.env'],
      // PostgreSQL cannot compare text holding U+0000: refused before it gets there.
      ['?q=%00', 'query.q'],
      ['?q=a%00b', 'query.q'],
      ['?tag=%00', 'query.tag'],
      ['?tag=web&tag=%00', 'query.tag'],
      ['?tag=web,%00', 'query.tag'],
    ] as const) {
      const res = await t.request('GET', `/api/flags${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(detailPaths(res.json()), query).toEqual([path]);
    }
  });
});
