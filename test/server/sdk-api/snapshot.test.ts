import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { createFlag, environmentVersion, type Replica, startReplica, startStreamingApp, toggle } from '../streaming/stream-kit.ts';

describe('GET /sdk/snapshot', () => {
  let t: TestApp;
  let server: Replica;
  let namespace: string;
  let serverKey: string;

  beforeAll(async () => {
    ({ t, replica: server, namespace } = await startStreamingApp());
    serverKey = await t.createToken('server', 'production');
    await createFlag(t, 'new-checkout');
    await createFlag(t, 'old-banner');
    const segment = await t.request('POST', '/api/environments/production/segments', {
      body: { key: 'beta-testers', name: 'Beta testers', included: ['user-1'] },
    });
    expect(segment.statusCode).toBe(201);
    await toggle(t, 'new-checkout', 'production', true);
    expect((await t.request('POST', '/api/flags/old-banner/archive')).statusCode).toBe(200);
  });
  afterAll(async () => server?.close());

  it('returns the environment snapshot (archived flags left out) with its version as ETag', async () => {
    const res = await t.request('GET', '/sdk/snapshot', { token: serverKey });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const version = await environmentVersion(t, 'production');
    expect(res.headers.etag).toBe(`"${version}"`);
    const body = res.json();
    expect(body).toMatchObject({ environment: 'production', version });
    expect(Object.keys(body.flags)).toEqual(['new-checkout']);
    expect(body.flags['new-checkout']).toMatchObject({
      key: 'new-checkout',
      kind: 'boolean',
      on: true,
      variations: [true, false],
      clientSideAvailable: false,
      rules: [],
      targets: [],
      prerequisites: [],
    });
    expect(typeof body.flags['new-checkout'].salt).toBe('string');
    expect(body.segments['beta-testers']).toMatchObject({ key: 'beta-testers', included: ['user-1'], excluded: [], rules: [] });
  });

  it('answers 304 with no body when If-None-Match is the current version, and 200 again after a change', async () => {
    const first = await t.request('GET', '/sdk/snapshot', { token: serverKey });
    const etag = first.headers.etag as string;
    const unchanged = await t.request('GET', '/sdk/snapshot', { token: serverKey, headers: { 'if-none-match': etag } });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers['content-length']).toBeUndefined(); // a declared length with no body stalls keep-alive clients
    expect(unchanged.headers.etag).toBe(etag);
    expect((await t.request('GET', '/sdk/snapshot', { token: serverKey, headers: { 'if-none-match': `W/${etag}` } })).statusCode).toBe(304);

    await toggle(t, 'new-checkout', 'production', false);
    const changed = await t.request('GET', '/sdk/snapshot', { token: serverKey, headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().flags['new-checkout'].on).toBe(false);
  });

  it('gives a server key its own environment only', async () => {
    const stagingKey = await t.createToken('server', 'staging');
    const res = await t.request('GET', '/sdk/snapshot', { token: stagingKey });
    expect(res.json()).toMatchObject({ environment: 'staging', version: await environmentVersion(t, 'staging') });
    expect(res.json().segments).toEqual({});
  });

  it('refuses client keys (403), admin tokens (403) and requests without a valid key (401)', async () => {
    const clientKey = await t.createToken('client', 'production');
    const refused = await t.request('GET', '/sdk/snapshot', { token: clientKey });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('new-checkout');
    expect((await t.request('GET', '/sdk/snapshot')).statusCode).toBe(403);
    expect((await t.request('GET', '/sdk/snapshot', { token: null })).statusCode).toBe(401);
    expect((await t.request('GET', '/sdk/snapshot', { token: 'sy_server_nope' })).statusCode).toBe(401);
  });

  it('caches each version in Redis under <namespace>:snapshot:<env>:<version>, where another replica reads it', async () => {
    const version = await environmentVersion(t, 'production');
    await t.request('GET', '/sdk/snapshot', { token: serverKey });
    const cacheKey = `${namespace}:snapshot:production:${version}`;
    const cached = await server.redis!.get(cacheKey);
    expect(JSON.parse(cached!)).toMatchObject({ environment: 'production', version });
    expect(await server.redis!.ttl(cacheKey)).toBeGreaterThan(0);

    // A version never changes, so a replica serves what the cache holds for it without rebuilding it.
    const marked = {
      ...JSON.parse(cached!),
      segments: { 'from-redis': { key: 'from-redis', included: [], excluded: [], rules: [], version: 1 } },
    };
    await server.redis!.set(cacheKey, JSON.stringify(marked), 'EX', 60);
    const other = await startReplica(t, namespace);
    try {
      const res = await other.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: { authorization: `Bearer ${serverKey}` } });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json().segments)).toEqual(['from-redis']);
    } finally {
      await other.close();
    }
  });
});
