import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';

describe('insights: admin only, and documented', () => {
  let t: TestApp;
  let urls: string[];

  beforeAll(async () => {
    t = await createTestApp();
    await createFlag(t, { key: 'checkout' });
    urls = [...new Set(t.app.registeredRoutes.filter((r) => r.url.startsWith('/api/insights/')).map((r) => r.url))].map((url) =>
      url.replace(':key/environments', 'checkout/environments').replace(':env', 'production').replace(':key', 'purchase'),
    );
  });
  afterAll(async () => t?.close());

  it('has the seven insights routes', () => {
    expect(urls.sort()).toEqual([
      '/api/insights/environments/production/events',
      '/api/insights/environments/production/events/purchase',
      '/api/insights/environments/production/flags',
      '/api/insights/environments/production/sdks',
      '/api/insights/flags/checkout/environments/production',
      '/api/insights/flags/checkout/environments/production/guarded',
      '/api/insights/stale-flags',
    ]);
  });

  it('answers only an admin token: 401 without one, 403 to SDK keys', async () => {
    const serverKey = await t.createToken('server', 'production');
    const clientKey = await t.createToken('client', 'production');
    for (const url of urls) {
      expect((await t.request('GET', url)).statusCode, url).toBe(200);
      const anonymous = await t.request('GET', url, { token: null });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error).toBe('unauthorized');
      for (const key of [serverKey, clientKey]) {
        const refused = await t.request('GET', url, { token: key });
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json().error).toBe('forbidden');
      }
    }
  });

  it('documents every route under the insights tag, with its parameters', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    const insightsPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/api/insights/'));
    expect(insightsPaths).toHaveLength(7);
    for (const path of insightsPaths) expect(doc.paths[path].get.tags, path).toEqual(['insights']);
    const series = doc.paths['/api/insights/flags/{key}/environments/{env}'].get;
    expect(series.parameters.map((p: { in: string; name: string }) => `${p.in}.${p.name}`).sort()).toEqual([
      'path.env',
      'path.key',
      'query.from',
      'query.granularity',
      'query.to',
    ]);
    const list = doc.paths['/api/flags/'] ?? doc.paths['/api/flags'];
    expect(list.get.parameters.map((p: { name: string }) => p.name)).toContain('status');
  });
});
