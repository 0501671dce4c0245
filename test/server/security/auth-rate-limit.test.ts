import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

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
