import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { environmentVersion, type Replica, startStreamingApp } from '../streaming/stream-kit.ts';
import { createEveryKindOfFlag, toggle } from './ofrep-kit.ts';

const staff = { targetingKey: 'user-42', email: 'ana@ourcompany.com' };

describe('OFREP evaluation (POST /ofrep/v1/evaluate/flags[/{key}])', () => {
  let t: TestApp;
  let server: Replica;
  let clientKey: string;
  let serverKey: string;
  const single = (key: string, body: unknown, token = clientKey, headers: Record<string, string> = {}) =>
    t.request('POST', `/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, { token, body, headers });
  const bulk = (body: unknown, token: string | null = clientKey, headers: Record<string, string> = {}) =>
    t.request('POST', '/ofrep/v1/evaluate/flags', { token, body, headers });

  beforeAll(async () => {
    ({ t, replica: server } = await startStreamingApp());
    clientKey = await t.createToken('client', 'production');
    serverKey = await t.createToken('server', 'production');
    await createEveryKindOfFlag(t);
  });
  afterAll(async () => server?.close());

  it('answers one flag with its value, reason, variant and metadata', async () => {
    const res = await single('checkout-copy', { context: staff });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.json()).toEqual({
      key: 'checkout-copy',
      value: 'Purchase',
      reason: 'TARGETING_MATCH',
      variant: '1',
      metadata: { flagVersion: expect.any(Number), ruleId: 'staff' },
    });
  });

  it("maps the engine's reasons onto OFREP's", async () => {
    const reasonOf = async (key: string, context: object) => (await single(key, { context })).json();
    expect(await reasonOf('banner', staff)).toMatchObject({ value: true, reason: 'STATIC', variant: '1' });
    expect(await reasonOf('checkout-copy', { targetingKey: 'user-7' })).toMatchObject({ value: 'Buy now', reason: 'DEFAULT' });
    expect(await reasonOf('max-items', staff)).toMatchObject({ reason: 'SPLIT', value: expect.any(Number) });
    expect(await reasonOf('theme', staff)).toMatchObject({ value: { color: 'grey' }, reason: 'DISABLED', variant: '0' });
    expect(await reasonOf('beta-gate', staff)).toMatchObject({
      value: false,
      reason: 'PREREQUISITE_FAILED',
      metadata: { prerequisiteKey: 'theme', flagVersion: expect.any(Number) },
    });
    expect(await reasonOf('vip-list', { targetingKey: 'user-vip' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('answers 404 FLAG_NOT_FOUND for an unknown flag, and for a flag the client key may not see', async () => {
    for (const key of ['no-such-flag', 'internal-only']) {
      const res = await single(key, { context: staff });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: expect.stringContaining(key) });
    }
  });

  it('lets a server SDK key see every flag, by bearer or by X-API-Key', async () => {
    const res = await single('internal-only', { context: staff }, serverKey);
    expect(res.json()).toMatchObject({ key: 'internal-only', value: true });
    const byApiKey = await t.request('POST', '/ofrep/v1/evaluate/flags/internal-only', {
      token: null,
      body: { context: staff },
      headers: { 'x-api-key': serverKey },
    });
    expect(byApiKey.statusCode).toBe(200);
  });

  it('answers 400 TARGETING_KEY_MISSING without a targetingKey', async () => {
    const res = await single('banner', { context: { email: 'a@b.c' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ key: 'banner', errorCode: 'TARGETING_KEY_MISSING' });
    expect((await single('banner', {})).json().errorCode).toBe('TARGETING_KEY_MISSING');
  });

  it('answers 400 INVALID_CONTEXT naming the field, and PARSE_ERROR for a body that is not JSON', async () => {
    const nested = await single('banner', { context: { targetingKey: 'u', address: { city: 'Porto' } } });
    expect(nested.statusCode).toBe(400);
    expect(nested.json()).toMatchObject({
      key: 'banner',
      errorCode: 'INVALID_CONTEXT',
      errorDetails: expect.stringContaining('context.address'),
    });
    const keyAttribute = await bulk({ context: { targetingKey: 'u', key: 'v' } });
    expect(keyAttribute.statusCode).toBe(400);
    expect(keyAttribute.json()).toEqual({ errorCode: 'INVALID_CONTEXT', errorDetails: expect.stringContaining('context.key') });
    const broken = await t.request('POST', '/ofrep/v1/evaluate/flags', {
      token: clientKey,
      body: '{"context": {',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ errorCode: 'PARSE_ERROR' });
    const notAnObject = await t.request('POST', '/ofrep/v1/evaluate/flags/banner', {
      token: clientKey,
      body: '[1]',
      headers: { 'content-type': 'application/json' },
    });
    expect(notAnObject.json()).toMatchObject({ key: 'banner', errorCode: 'PARSE_ERROR' });
  });

  it('answers every client-visible flag in bulk, never a non-client flag, rules or targets', async () => {
    const res = await bulk({ context: staff });
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(answer.flags.map((f: { key: string }) => f.key).sort()).toEqual(
      ['banner', 'beta-gate', 'checkout-copy', 'max-items', 'theme', 'vip-list'].sort(),
    );
    expect(answer.metadata).toEqual({ environment: 'production', version: await environmentVersion(t, 'production') });
    expect(answer.eventStreams).toEqual([
      {
        type: 'sse',
        endpoint: { requestUri: expect.stringMatching(/^\/ofrep\/v1\/events\?token=[\w-]+\.[\w-]+$/) },
        inactivityDelaySec: 120,
      },
    ]);
    expect(res.body).not.toContain(clientKey);
    for (const secret of ['internal-only', 'ourcompany', 'user-vip', 'endsWith', 'salt', 'rollout']) expect(res.body).not.toContain(secret);
    const withServerKey = (await bulk({ context: staff }, serverKey)).json();
    expect(withServerKey.flags.map((f: { key: string }) => f.key)).toContain('internal-only');
  });

  it('answers per-flag TARGETING_KEY_MISSING in bulk without a targetingKey', async () => {
    const res = await bulk({});
    expect(res.statusCode).toBe(200);
    for (const flag of res.json().flags) expect(flag).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('answers 304 to If-None-Match with the current ETag, and a new answer once a flag changes', async () => {
    const context = { context: { targetingKey: 'etag-probe' } };
    const first = await bulk(context);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"\d+-[0-9a-f]+-\d+"$/);
    expect(first.headers['access-control-expose-headers']).toBe('ETag');
    const again = await bulk(context, clientKey, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const otherContext = await bulk({ context: { targetingKey: 'someone-else' } }, clientKey, { 'if-none-match': etag });
    expect(otherContext.statusCode).toBe(200);
    await toggle(t, 'banner', false);
    const changed = await bulk(context, clientKey, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().flags.find((f: { key: string }) => f.key === 'banner')).toMatchObject({ value: false, reason: 'DISABLED' });
    await toggle(t, 'banner', true);
  });

  it('gives an ETag of the version, the hash of the canonical context and the stream token hour, the same in every release', async () => {
    // Attributes in any order, the targeting key as `key`: browsers keep ETags across server upgrades.
    const res = await bulk({ context: { plan: 'pro', targetingKey: 'etag-probe' } });
    const hour = Math.floor(Date.now() / 3_600_000);
    const version = res.json().metadata.version;
    // SHA-256 of `ofrep:client:{"key":"etag-probe","plan":"pro"}`, its first 20 hex digits.
    expect([`"${version}-4e1a0d645df812a42dc5-${hour}"`, `"${version}-4e1a0d645df812a42dc5-${hour + 1}"`]).toContain(res.headers.etag);
  });

  it('answers a repeated bulk request from the evaluation cache, like /sdk/evaluate', async () => {
    const context = { context: { targetingKey: 'cache-probe', plan: 'pro' } };
    expect((await bulk(context)).headers['x-switchyard-cache']).toBe('miss');
    const second = await bulk({ context: { plan: 'pro', targetingKey: 'cache-probe' } });
    expect(second.headers['x-switchyard-cache']).toBe('hit');
  });

  it('refuses missing, unknown and admin credentials, and accepts the web provider’s refetch query', async () => {
    expect((await bulk({ context: staff }, null)).statusCode).toBe(401);
    expect((await bulk({ context: staff }, 'sy_client_unknown')).statusCode).toBe(401);
    expect((await bulk({ context: staff }, t.adminToken)).statusCode).toBe(403);
    const refetch = await t.request('POST', '/ofrep/v1/evaluate/flags?flagConfigEtag=12', { token: clientKey, body: { context: staff } });
    expect(refetch.statusCode).toBe(200);
  });

  it('answers a browser preflight allowing the headers providers send', async () => {
    const res = await t.request('OPTIONS', '/ofrep/v1/evaluate/flags', {
      token: null,
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-headers']).toContain('If-None-Match');
  });
});
