import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { createFlag, environmentVersion, type Replica, startReplica, startStreamingApp, toggle } from '../streaming/stream-kit.ts';

const anaContext = { key: 'user-42', email: 'ana@ourcompany.com', plan: 'pro' };

describe('POST /sdk/evaluate (remote evaluation with a client key)', () => {
  let t: TestApp;
  let server: Replica;
  let namespace: string;
  let clientKey: string;
  const evaluate = (body: unknown, token = clientKey, headers: Record<string, string> = {}) =>
    t.request('POST', '/sdk/evaluate', { token, body, headers });

  beforeAll(async () => {
    ({ t, replica: server, namespace } = await startStreamingApp());
    clientKey = await t.createToken('client', 'production');
    await createFlag(t, 'new-checkout', { clientSideAvailable: true });
    await createFlag(t, 'checkout-copy', { kind: 'string', variations: ['Buy now', 'Purchase'], clientSideAvailable: true });
    await createFlag(t, 'internal-only'); // not client-visible
    const segment = await t.request('POST', '/api/environments/production/segments', {
      body: {
        key: 'staff',
        name: 'Staff',
        rules: [{ id: 'staff-email', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@ourcompany.com'] }] }],
      },
    });
    expect(segment.statusCode).toBe(201);
    const config = await t.request('PUT', '/api/flags/checkout-copy/environments/production', {
      body: {
        on: true,
        offVariation: 0,
        fallthrough: { variation: 0 },
        targets: [{ variation: 1, values: ['secret-target-key'] }],
        rules: [{ id: 'staff-rule', clauses: [{ attribute: '', op: 'segmentMatch', values: ['staff'] }], variation: 1 }],
        prerequisites: [],
      },
    });
    expect(config.statusCode).toBe(200);
    await toggle(t, 'internal-only', 'production', true);
  });
  afterAll(async () => server?.close());

  it('evaluates every client-visible flag for the context, with value, variation and reason', async () => {
    const res = await evaluate({ context: anaContext });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      environment: 'production',
      version: await environmentVersion(t, 'production'),
      flags: {
        'new-checkout': { value: false, variationIndex: 1, reason: { kind: 'OFF' } },
        'checkout-copy': { value: 'Purchase', variationIndex: 1, reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'staff-rule' } },
      },
    });
    const other = await evaluate({ context: { key: 'user-7', email: 'bo@example.com' } });
    expect(other.json().flags['checkout-copy']).toEqual({ value: 'Buy now', variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
  });

  it('returns only the named flags that exist and are client-visible', async () => {
    const res = await evaluate({ context: anaContext, flags: ['checkout-copy', 'internal-only', 'no-such-flag', '__proto__'] });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().flags)).toEqual(['checkout-copy']);
  });

  it('never reveals rules, targets, segments or salts', async () => {
    const res = await evaluate({ context: anaContext });
    for (const secret of ['staff', 'segmentMatch', 'secret-target-key', 'ourcompany', 'salt', 'rules', 'targets', 'internal-only']) {
      expect(res.body.replace('"staff-rule"', '')).not.toContain(secret);
    }
  });

  it('answers a repeated request from the Redis cache, keyed by environment version', async () => {
    const context = { key: 'cache-probe', country: 'PT' };
    const first = await evaluate({ context });
    expect(first.headers['x-switchyard-cache']).toBe('miss');
    const second = await evaluate({ context: { country: 'PT', key: 'cache-probe' } }); // same context, other key order
    expect(second.headers['x-switchyard-cache']).toBe('hit');
    expect(second.json()).toEqual(first.json());
    const version = await environmentVersion(t, 'production');
    const keys = await server.redis!.keys(`${namespace}:eval:production:${version}:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => /:[0-9a-f]{64}$/.test(k))).toBe(true);

    const other = await startReplica(t, namespace);
    try {
      const res = await other.app.inject({
        method: 'POST',
        url: '/sdk/evaluate',
        headers: { authorization: `Bearer ${clientKey}` },
        payload: { context },
      });
      expect(res.headers['x-switchyard-cache']).toBe('hit'); // another replica answers from Redis
      expect(res.json()).toEqual(first.json());
    } finally {
      await other.close();
    }
  });

  it('answers with the new value right after a toggle (the new version misses the cache)', async () => {
    const body = { context: anaContext, flags: ['new-checkout'] };
    await evaluate(body);
    expect((await evaluate(body)).json().flags['new-checkout'].value).toBe(false);
    await toggle(t, 'new-checkout', 'production', true);
    const after = await evaluate(body);
    expect(after.headers['x-switchyard-cache']).toBe('miss');
    expect(after.json().flags['new-checkout']).toEqual({ value: true, variationIndex: 0, reason: { kind: 'FALLTHROUGH' } });
    await toggle(t, 'new-checkout', 'production', false);
    expect((await evaluate(body)).json().flags['new-checkout'].value).toBe(false);
  });

  it('refuses server keys and admin tokens (403) and missing keys (401)', async () => {
    const serverKey = await t.createToken('server', 'production');
    expect((await evaluate({ context: anaContext }, serverKey)).statusCode).toBe(403);
    expect((await evaluate({ context: anaContext }, t.adminToken)).statusCode).toBe(403);
    expect((await t.request('POST', '/sdk/evaluate', { token: null, body: { context: anaContext } })).statusCode).toBe(401);
  });

  it('refuses a revoked key from the next request on, though known keys are cached', async () => {
    const key = await t.createToken('client', 'production', 'short-lived');
    expect((await evaluate({ context: anaContext }, key)).statusCode).toBe(200);
    expect((await evaluate({ context: anaContext }, key)).statusCode).toBe(200);
    const token = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'short-lived' } });
    expect((await t.request('DELETE', `/api/tokens/${token.id}`)).statusCode).toBe(200);
    expect((await evaluate({ context: anaContext }, key)).statusCode).toBe(401);
  });

  it('answers 400 naming the field for a bad body', async () => {
    const noKey = await evaluate({ context: { email: 'x@y.z' } });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().details.map((d: { path: string }) => d.path)).toContain('body.context.key');
    const badAttr = await evaluate({ context: { key: 'k', nested: { a: 1 } } });
    expect(badAttr.statusCode).toBe(400);
    expect(badAttr.json().details.map((d: { path: string }) => d.path)).toContain('body.context.nested');
    const badFlags = await evaluate({ context: { key: 'k' }, flags: 'new-checkout' });
    expect(badFlags.json().details.map((d: { path: string }) => d.path)).toEqual(['body.flags']);
  });

  it('is open to any origin (CORS) on this route only', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/sdk/evaluate',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Authorization/);
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/POST/);

    const res = await evaluate({ context: anaContext }, clientKey, { origin: 'https://shop.example' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const refused = await t.request('POST', '/sdk/evaluate', {
      token: null,
      body: { context: anaContext },
      headers: { origin: 'https://shop.example' },
    });
    expect(refused.headers['access-control-allow-origin']).toBe('*'); // so the browser can read the 401

    const snapshot = await t.request('GET', '/sdk/snapshot', { token: null, headers: { origin: 'https://shop.example' } });
    expect(snapshot.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('remote evaluation without Redis', () => {
  it('caches in process and still never serves a stale answer', async () => {
    const { t, replica } = await startStreamingApp({ redis: false });
    try {
      const clientKey = await t.createToken('client', 'production');
      await createFlag(t, 'solo', { clientSideAvailable: true });
      const body = { context: { key: 'u' } };
      const call = () => t.request('POST', '/sdk/evaluate', { token: clientKey, body });
      expect((await call()).headers['x-switchyard-cache']).toBe('miss');
      const hit = await call();
      expect(hit.headers['x-switchyard-cache']).toBe('hit');
      expect(hit.json().flags.solo.value).toBe(false);
      await toggle(t, 'solo', 'production', true);
      expect((await call()).json().flags.solo.value).toBe(true);
    } finally {
      await replica.close();
    }
  });
});
