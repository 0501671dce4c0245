import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

describe('health and readiness', () => {
  const apps: TestApp[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const c of clients) c.disconnect();
  });

  it('/healthz answers without a token while the process is alive', async () => {
    const t = await createTestApp();
    apps.push(t);
    const res = await t.request('GET', '/healthz', { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when the database answers and Redis is not configured', async () => {
    const t = await createTestApp();
    apps.push(t);
    const res = await t.request('GET', '/readyz', { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'not_configured' } });
  });

  it('/readyz checks Redis when configured, and stays in service (degraded) when Redis is down', async () => {
    const redis = new Redis(inject('redisUrl'), {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    clients.push(redis);
    await redis.connect();
    const t = await createTestApp({ redis, redisNamespace: `test-health-${process.pid}-${Date.now()}` });
    apps.push(t);
    expect((await t.request('GET', '/readyz', { token: null })).json()).toEqual({
      status: 'ready',
      checks: { database: 'up', redis: 'up' },
    });

    redis.disconnect();
    const res = await t.request('GET', '/readyz', { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'degraded', checks: { database: 'up', redis: 'down' } });
  });
});
