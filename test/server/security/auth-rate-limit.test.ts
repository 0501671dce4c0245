import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { type Replica, StreamClient, startStreamingApp } from '../streaming/stream-kit.ts';

const apps: TestApp[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
});

const get = (t: TestApp, token: string | null, remoteAddress = '203.0.113.7') =>
  t.app.inject({
    method: 'GET',
    url: '/api/environments',
    remoteAddress,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });

describe('failed authentication is rate limited per client address', () => {
  it('answers 429 with Retry-After after 20 failures a minute by default, while valid tokens keep working', async () => {
    const t = await createTestApp();
    apps.push(t);
    const wrong = generateSecret('admin');
    for (let i = 0; i < 20; i++) expect((await get(t, i % 2 ? wrong : null)).statusCode).toBe(401);

    const limited = await get(t, wrong);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', details: [] });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get(t, null)).statusCode).toBe(429);

    expect((await get(t, t.adminToken)).statusCode).toBe(200); // same address, valid token
    expect((await get(t, wrong, '198.51.100.1')).statusCode).toBe(401); // another address is not limited
    expect((await get(t, null, '127.0.0.1')).statusCode).toBe(401);
  });

  it('does not count wrong-kind tokens (403) as failures, and forgets failures when the window ends', async () => {
    const t = await createTestApp({ authRateLimit: { maxFailures: 3, windowMs: 400 } });
    apps.push(t);
    const serverKey = await t.createToken('server', 'production');
    for (let i = 0; i < 10; i++) expect((await get(t, serverKey)).statusCode).toBe(403);
    for (let i = 0; i < 3; i++) expect((await get(t, 'sy_admin_wrong')).statusCode).toBe(401);
    expect((await get(t, 'sy_admin_wrong')).statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await get(t, 'sy_admin_wrong')).statusCode).toBe(401);
  });

  it('limits guessing of SDK keys on the SDK routes too, while the environment’s real key keeps working', async () => {
    const t = await createTestApp({ authRateLimit: { maxFailures: 3, windowMs: 60_000 } });
    apps.push(t);
    const serverKey = await t.createToken('server', 'production');
    const snapshot = (token: string) =>
      t.app.inject({ method: 'GET', url: '/sdk/snapshot', remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await snapshot(generateSecret('server'))).statusCode).toBe(401);
    expect((await snapshot(generateSecret('server'))).statusCode).toBe(429);
    expect((await snapshot(serverKey)).statusCode).toBe(200);
  });
});

describe('behind a load balancer', () => {
  const fromBalancer = (t: TestApp, client: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/environments',
      remoteAddress: '127.0.0.1',
      headers: { authorization: `Bearer ${generateSecret('admin')}`, 'x-forwarded-for': client },
    });

  it('counts each client named by X-Forwarded-For when the balancer is trusted (SWITCHYARD_TRUST_PROXY)', async () => {
    const t = await createTestApp({ authRateLimit: { maxFailures: 3 }, trustProxy: ['loopback'] });
    apps.push(t);
    for (let i = 0; i < 3; i++) expect((await fromBalancer(t, '203.0.113.1')).statusCode).toBe(401);
    expect((await fromBalancer(t, '203.0.113.1')).statusCode).toBe(429);
    expect((await fromBalancer(t, '203.0.113.2')).statusCode).toBe(401);
  });

  it('counts every client as the balancer when it is not trusted (the default), and ignores X-Forwarded-For', async () => {
    const t = await createTestApp({ authRateLimit: { maxFailures: 3 } });
    apps.push(t);
    for (let i = 0; i < 3; i++) expect((await fromBalancer(t, `203.0.113.${i + 1}`)).statusCode).toBe(401);
    expect((await fromBalancer(t, '203.0.113.9')).statusCode).toBe(429);
  });
});

describe('failed stream authentications count against the same per-address limit', () => {
  const servers: Replica[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });
  const start = async (options: Parameters<typeof startStreamingApp>[0]) => {
    const { t, replica } = await startStreamingApp({ redis: false, ...options });
    servers.push(replica);
    return { t, server: replica };
  };
  const closeOf = async (server: Replica, options: Parameters<typeof StreamClient.connect>[1]) =>
    (await StreamClient.connect(server.wsUrl, options)).closed;
  const limited = { code: 4429, reason: expect.stringMatching(/^too many failed authentications from this address; retry in \d+ s$/) };

  it('closes with 4429 once the address failed too often, by header or hello, while a valid key still connects', async () => {
    const { t, server } = await start({ authRateLimit: { maxFailures: 3 } });
    const serverKey = await t.createToken('server', 'production');
    for (const hello of [false, true, false]) {
      expect(await closeOf(server, { key: generateSecret('server'), hello })).toEqual({ code: 4401, reason: 'unknown or revoked key' });
    }
    expect(await closeOf(server, { key: generateSecret('server'), hello: true })).toEqual(limited);
    expect(await closeOf(server, { key: generateSecret('server') })).toEqual(limited);

    for (const hello of [false, true]) {
      const client = await StreamClient.connect(server.wsUrl, { key: serverKey, hello });
      expect((await client.next()).type).toBe('snapshot');
      client.close();
    }
    // The window is the one HTTP counts in: this address is limited there too.
    expect((await get(t, generateSecret('admin'), '127.0.0.1')).statusCode).toBe(429);
  });

  it('counts failures over HTTP, silent sockets and bad first messages in the window the stream is refused by', async () => {
    const { server, t } = await start({ authRateLimit: { maxFailures: 3 }, streaming: { helloTimeoutMs: 200 } });
    expect((await get(t, generateSecret('admin'), '127.0.0.1')).statusCode).toBe(401);
    expect(await closeOf(server, {})).toEqual({ code: 4401, reason: 'no hello in time' });
    const garbage = await StreamClient.connect(server.wsUrl);
    garbage.socket.send('{"type":"ping","t":1}');
    expect(await garbage.closed).toEqual({ code: 4401, reason: 'the first message must be a hello with an SDK key' });
    expect(await closeOf(server, {})).toEqual(limited);
  });

  it('does not count a key of the wrong kind (as HTTP does not count a 403)', async () => {
    const { t, server } = await start({ authRateLimit: { maxFailures: 1 } });
    const clientKey = await t.createToken('client', 'production');
    for (let i = 0; i < 3; i++) {
      expect(await closeOf(server, { key: clientKey })).toEqual({
        code: 4401,
        reason: 'the stream needs a server SDK key, not a client key',
      });
    }
    expect(await closeOf(server, { key: t.adminToken, hello: true })).toEqual({
      code: 4401,
      reason: 'the stream needs a server SDK key, not an admin token',
    });
    expect(await closeOf(server, { key: generateSecret('server') })).toEqual({ code: 4401, reason: 'unknown or revoked key' });
  });
});
