import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { dumpDatabase } from '../bad-input/db-dump.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('tokens', () => {
  it('are high-entropy: a kind prefix and 32 random bytes (256 bits), never twice the same', async () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await t.request('POST', '/api/tokens', { body: { name: `key ${i}`, kind: 'server', environment: 'production' } });
      expect(res.statusCode).toBe(201);
      const secret = res.json().secret as string;
      expect(secret).toMatch(/^sy_server_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret.slice('sy_server_'.length), 'base64url')).toHaveLength(32);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(20);
  });

  it('are shown once, stored only as their SHA-256, and looked up through a unique index', async () => {
    const created = await t.request('POST', '/api/tokens', { body: { name: 'shown once', kind: 'client', environment: 'staging' } });
    const { id, secret } = created.json() as { id: string; secret: string };

    for (const url of ['/api/tokens', '/api/tokens?includeRevoked=true', '/api/audit']) {
      const body = (await t.request('GET', url)).body;
      expect(body).toContain(id);
      expect(body).not.toContain(secret);
      expect(body).not.toContain(hashSecret(secret));
    }
    const database = await dumpDatabase(t.db.prisma);
    expect(database).not.toContain(secret);
    expect(database).not.toContain(secret.slice(16)); // the displayed prefix is 16 characters; the rest is nowhere
    expect(database).toContain(hashSecret(secret));

    const indexes = await t.db.prisma.$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'ApiToken'`;
    expect(indexes.map((i) => i.indexdef)).toContainEqual(expect.stringMatching(/CREATE UNIQUE INDEX .* USING btree \("secretHash"\)/));
  });

  it('are refused from the very next request once revoked, and after rotation the old secret is dead', async () => {
    const created = (await t.request('POST', '/api/tokens', { body: { name: 'to revoke', kind: 'admin' } })).json() as {
      id: string;
      secret: string;
    };
    expect((await t.request('GET', '/api/environments', { token: created.secret })).statusCode).toBe(200);
    expect((await t.request('DELETE', `/api/tokens/${created.id}`)).statusCode).toBe(200);
    expect((await t.request('GET', '/api/environments', { token: created.secret })).statusCode).toBe(401);

    const server = (
      await t.request('POST', '/api/tokens', { body: { name: 'to rotate', kind: 'server', environment: 'production' } })
    ).json() as { id: string; secret: string };
    expect(
      (await t.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: { authorization: `Bearer ${server.secret}` } })).statusCode,
    ).toBe(200);
    const rotated = (await t.request('POST', `/api/tokens/${server.id}/rotate`)).json() as { secret: string };
    expect(
      (await t.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: { authorization: `Bearer ${server.secret}` } })).statusCode,
    ).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: { authorization: `Bearer ${rotated.secret}` } })).statusCode,
    ).toBe(200);
  });

  it('are never taken from the URL', async () => {
    for (const query of ['token', 'access_token', 'apiKey', 'key']) {
      const res = await t.request('GET', `/api/environments?${query}=${encodeURIComponent(t.adminToken)}`, { token: null });
      expect(res.statusCode).toBe(401);
    }
  });
});
