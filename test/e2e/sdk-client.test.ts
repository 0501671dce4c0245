/**
 * The SDK client and the OpenFeature provider against the real Switchyard server: real Postgres, real
 * Redis, real websocket connections over TCP.
 */
import { randomBytes } from 'node:crypto';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient, type FlagsClient, type StreamError } from '../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../sdk/src/client/types.ts';
import { SwitchyardProvider } from '../../sdk/src/openfeature/index.ts';
import { buildApp } from '../../server/src/app.ts';
import { createPrisma } from '../../server/src/db/prisma.ts';
import { connectRedis } from '../../server/src/server.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';

const user = { key: 'user-42', email: 'ana@ourcompany.com' };

let t: TestApp;
let redis: Redis;
let namespace: string;
let baseUrl: string;
let clients: FlagsClient[] = [];

beforeAll(async () => {
  redis = await connectRedis(inject('redisUrl'), () => {});
  namespace = `sy-sdk-e2e-${randomBytes(4).toString('hex')}`;
  t = await createTestApp({ redis, redisNamespace: namespace });
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t?.close();
  redis?.disconnect();
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});

async function api(method: string, url: string, body?: unknown) {
  const res = await t.request(method, url, body === undefined ? {} : { body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

async function createFlag(key: string) {
  await api('POST', '/api/flags', { key, name: key, kind: 'boolean' });
}

const toggle = (key: string, on: boolean) => api('POST', `/api/flags/${key}/environments/production/toggle`, { on });

async function serverKey(): Promise<{ id: string; secret: string }> {
  return api('POST', '/api/tokens', { name: `sdk e2e ${randomBytes(3).toString('hex')}`, kind: 'server', environment: 'production' });
}

function client(options: Partial<ClientOptions> & { sdkKey: string }) {
  const c = createClient({ url: baseUrl, logger: silentLogger, reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  clients.push(c);
  return c;
}

describe('SDK client against the Switchyard server', () => {
  it('flips isEnabled when the flag is toggled over REST, with one change event for that flag', async () => {
    await createFlag('new-checkout');
    await createFlag('unrelated');
    const flags = client({ sdkKey: (await serverKey()).secret });
    const changes: string[][] = [];
    flags.on('change', (keys) => changes.push(keys));
    expect(await flags.ready()).toBe(true);
    expect(flags.status).toBe('streaming');
    expect(flags.isEnabled('new-checkout', user)).toBe(false);

    await toggle('new-checkout', true);
    await until('new-checkout on', () => flags.isEnabled('new-checkout', user));
    expect(changes).toEqual([['new-checkout']]);

    await toggle('new-checkout', false);
    await until('new-checkout off', () => !flags.isEnabled('new-checkout', user));
    expect(changes).toEqual([['new-checkout'], ['new-checkout']]);
  });

  it('gets all three changes made while it was disconnected in one change event, and nothing for unchanged flags', async () => {
    for (const key of ['alpha', 'beta', 'steady']) await createFlag(key);
    const [host, port] = new URL(baseUrl).host.split(':');
    const proxy = await TcpProxy.start({ host: host!, port: Number(port) });
    try {
      const flags = client({ url: proxy.url, sdkKey: (await serverKey()).secret });
      const changes: string[][] = [];
      flags.on('change', (keys) => changes.push(keys));
      expect(await flags.ready()).toBe(true);
      const before = flags.version!;

      proxy.disconnect();
      await until('client offline', () => flags.status === 'offline');
      await toggle('alpha', true);
      await toggle('beta', true);
      await createFlag('gamma');
      expect(flags.isEnabled('alpha', user)).toBe(false);
      expect(flags.version).toBe(before);

      proxy.restore();
      await until(
        'client streaming with alpha and beta on',
        () => flags.status === 'streaming' && flags.isEnabled('alpha', user) && flags.isEnabled('beta', user),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(changes).toEqual([['alpha', 'beta', 'gamma']]);
      expect(flags.allFlags(user)).toMatchObject({ alpha: true, beta: true, gamma: false, steady: false });
      expect(flags.version).toBeGreaterThan(before);
    } finally {
      await proxy.close();
    }
  });

  it('is disconnected when its key is revoked, reports it, stops reconnecting and keeps serving the last rules', async () => {
    await createFlag('kept-on');
    await toggle('kept-on', true);
    const key = await serverKey();
    const flags = client({ sdkKey: key.secret });
    const errors: Error[] = [];
    flags.on('error', (err) => errors.push(err));
    expect(await flags.ready()).toBe(true);

    await api('DELETE', `/api/tokens/${key.id}`);
    await until('key rejected', () => flags.keyRejected);
    expect(flags.status).toBe('offline');
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/revoked|refused/)]);
    expect(errors[0]!.message).not.toContain(key.secret);
    expect(flags.isEnabled('kept-on', user)).toBe(true);

    const refused = client({ sdkKey: key.secret });
    expect(await refused.ready()).toBe(false);
    expect(refused.keyRejected).toBe(true);
  });

  it("tells the application, in the server's words, that a client key cannot be used by a server SDK", async () => {
    const key = await api('POST', '/api/tokens', { name: 'browser key', kind: 'client', environment: 'production' });
    for (const streaming of [true, false]) {
      const flags = client({ sdkKey: key.secret, streaming });
      const errors: Error[] = [];
      flags.on('error', (err) => errors.push(err));
      expect(await flags.ready()).toBe(false);
      expect(flags.keyRejected).toBe(true);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message, `streaming: ${streaming}`).toMatch(/needs a server SDK key.*a client key/);
      expect((errors[0] as StreamError).reason).toBe(
        streaming ? 'the stream needs a server SDK key, not a client key' : 'This route needs a server SDK key; a client key cannot use it',
      );
      expect(errors[0]!.message).not.toContain(key.secret);
    }
  });

  it('follows a toggle made on another replica (its own Fastify, Prisma pool and Redis connection)', async () => {
    await createFlag('cross-replica');
    const replicaRedis = await connectRedis(inject('redisUrl'), () => {});
    const prisma = createPrisma(t.db.url, 3);
    const replica = await buildApp({ prisma, redis: replicaRedis, redisNamespace: namespace });
    try {
      const replicaUrl = await replica.listen({ port: 0, host: '127.0.0.1' });
      const flags = client({ url: replicaUrl, sdkKey: (await serverKey()).secret });
      expect(await flags.ready()).toBe(true);
      expect(flags.isEnabled('cross-replica', user)).toBe(false);
      await toggle('cross-replica', true); // through the first replica
      await until('cross-replica on', () => flags.isEnabled('cross-replica', user), 2000);
      expect(flags.status).toBe('streaming');
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await replica.close();
      await prisma.$disconnect();
      replicaRedis.disconnect();
    }
  });

  it('serves the OpenFeature API through the provider, with ConfigurationChanged on a toggle', async () => {
    await createFlag('of-flag');
    const provider = new SwitchyardProvider({ url: baseUrl, sdkKey: (await serverKey()).secret, logger: silentLogger });
    try {
      await OpenFeature.setProviderAndWait('sdk-e2e', provider);
      const of = OpenFeature.getClient('sdk-e2e');
      const changed: string[][] = [];
      of.addHandler(ProviderEvents.ConfigurationChanged, (details) => changed.push(details?.flagsChanged ?? []));
      expect(await of.getBooleanDetails('of-flag', true, { targetingKey: 'user-42' })).toMatchObject({ value: false, reason: 'DISABLED' });

      await toggle('of-flag', true);
      await until('ConfigurationChanged', () => changed.length > 0);
      expect(changed).toEqual([['of-flag']]);
      expect(await of.getBooleanDetails('of-flag', false, { targetingKey: 'user-42' })).toMatchObject({ value: true, reason: 'DEFAULT' });
      expect(await of.getBooleanDetails('of-flag', false, {})).toMatchObject({ value: false, errorCode: 'TARGETING_KEY_MISSING' });
    } finally {
      await OpenFeature.close();
    }
  });
});
