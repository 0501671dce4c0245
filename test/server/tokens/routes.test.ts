import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

type TokenItem = { id: string; name: string; kind: string; environment: string | null; revokedAt: string | null };

describe('tokens API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const create = (body: unknown, token?: string) => t.request('POST', '/api/tokens', { body, ...(token ? { token } : {}) });
  const listNames = async (query = '') => (await t.request('GET', `/api/tokens${query}`)).json().items.map((i: TokenItem) => i.name);
  const auditRowsText = async () =>
    JSON.stringify(await t.db.prisma.auditEvent.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

  it('refuses every route without a token (401) and with server or client keys (403)', async () => {
    const serverKey = await t.createToken('server', 'production');
    const clientKey = await t.createToken('client', 'staging');
    const target = (await t.db.prisma.apiToken.findFirstOrThrow({ where: { kind: 'server' } })).id;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/tokens'],
      ['POST', '/api/tokens', { name: 'x', kind: 'admin' }],
      ['DELETE', `/api/tokens/${target}`],
      ['POST', `/api/tokens/${target}/rotate`],
    ];
    for (const [method, url, body] of routes) {
      expect((await t.request(method, url, { body, token: null })).statusCode, `${method} ${url}`).toBe(401);
      expect((await t.request(method, url, { body, token: serverKey })).statusCode, `${method} ${url}`).toBe(403);
      expect((await t.request(method, url, { body, token: clientKey })).statusCode, `${method} ${url}`).toBe(403);
    }
    expect(await t.db.prisma.apiToken.count()).toBe(3);
    expect(await t.db.prisma.apiToken.count({ where: { revokedAt: { not: null } } })).toBe(0);
  });

  it('creates a server key (201) whose secret is shown once and works at once', async () => {
    const res = await create({ name: 'checkout service', kind: 'server', environment: 'production' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'environment', 'id', 'kind', 'name', 'prefix', 'secret']);
    expect(body).toMatchObject({ name: 'checkout service', kind: 'server', environment: 'production' });
    expect(body.secret).toMatch(/^sy_server_/);
    expect(body.secret.startsWith(body.prefix)).toBe(true);
    expect(body.prefix.length).toBeLessThan(body.secret.length / 2);

    const stored = await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: body.id } });
    expect(stored.secretHash).toBe(hashSecret(body.secret));
    expect(await t.app.authenticateSecret(body.secret)).toMatchObject({ tokenId: body.id, kind: 'server', environmentKey: 'production' });

    // Never listed again: neither the secret nor its hash.
    const list = await t.request('GET', '/api/tokens');
    expect(list.body).not.toContain(body.secret);
    expect(list.body).not.toContain(stored.secretHash);
    const listed = list.json().items.find((i: TokenItem) => i.id === body.id);
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'environment', 'id', 'kind', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);

    // Nor in the audit log.
    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'token.created', resourceKey: body.id } });
    expect(audit).toMatchObject({ resourceType: 'token', environmentKey: 'production', actor: 'admin (SWITCHYARD_ADMIN_TOKEN)' });
    expect(audit.after).toMatchObject({ id: body.id, name: 'checkout service', kind: 'server' });
    const text = await auditRowsText();
    expect(text).not.toContain(body.secret);
    expect(text).not.toContain(stored.secretHash);
  });

  it('creates admin and client tokens', async () => {
    const admin = await create({ name: 'ops admin', kind: 'admin' });
    expect(admin.statusCode).toBe(201);
    expect(admin.json()).toMatchObject({ kind: 'admin', environment: null });
    expect((await t.request('GET', '/api/environments', { token: admin.json().secret })).statusCode).toBe(200);

    const client = await create({ name: 'web app', kind: 'client', environment: 'staging' });
    expect(client.statusCode).toBe(201);
    expect(client.json().secret).toMatch(/^sy_client_/);
    expect((await t.request('GET', '/api/environments', { token: client.json().secret })).statusCode).toBe(403);
  });

  it('answers 400 naming the field for bad bodies and 404 for an unknown environment, creating nothing', async () => {
    const count = await t.db.prisma.apiToken.count();
    const auditCount = await t.db.prisma.auditEvent.count();
    const cases: [unknown, string[]][] = [
      [{ name: 'a', kind: 'admin', environment: 'production' }, ['body.environment']],
      [{ name: 'a', kind: 'server' }, ['body.environment']],
      [{ name: 'a', kind: 'client' }, ['body.environment']],
      [{ name: '', kind: 'root' }, ['body.kind', 'body.name']],
      [{ name: 'a', kind: 'admin', secret: 'chosen' }, ['body']],
    ];
    for (const [body, paths] of cases) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        res
          .json()
          .details.map((d: { path: string }) => d.path)
          .sort(),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    const unknownEnv = await create({ name: 'a', kind: 'server', environment: 'nowhere' });
    expect(unknownEnv.statusCode).toBe(404);
    expect(unknownEnv.json().details).toEqual([{ path: 'body.environment', message: 'no such environment' }]);

    expect(await t.db.prisma.apiToken.count()).toBe(count);
    expect(await t.db.prisma.auditEvent.count()).toBe(auditCount);
  });

  it('lists tokens filtered by kind and environment', async () => {
    expect(await listNames('?kind=admin')).toEqual(['admin (SWITCHYARD_ADMIN_TOKEN)', 'ops admin']);
    expect(await listNames('?environment=staging')).toEqual(['client token', 'web app']);
    expect(await listNames('?kind=server&environment=production')).toEqual(['server token', 'checkout service']);
    expect((await t.request('GET', '/api/tokens?kind=root')).json().details[0].path).toBe('query.kind');
    expect((await t.request('GET', '/api/tokens?includeRevoked=maybe')).json().details[0].path).toBe('query.includeRevoked');
    expect((await t.request('GET', '/api/tokens?environment=nowhere')).statusCode).toBe(404);
  });

  it('revokes a token: it gets 401 on its next request, drops out of the default list, and the revocation is audited', async () => {
    const created = (await create({ name: 'temporary admin', kind: 'admin' })).json();
    expect((await t.request('GET', '/api/tokens', { token: created.secret })).statusCode).toBe(200);

    const revoked = await t.request('DELETE', `/api/tokens/${created.id}`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    expect(revoked.body).not.toContain(created.secret);

    const next = await t.request('GET', '/api/tokens', { token: created.secret });
    expect(next.statusCode).toBe(401);

    expect(await listNames()).not.toContain('temporary admin');
    expect(await listNames('?includeRevoked=true')).toContain('temporary admin');
    expect(await listNames('?includeRevoked=false')).not.toContain('temporary admin');

    // Idempotent: a second revocation changes and records nothing.
    const again = await t.request('DELETE', `/api/tokens/${created.id}`);
    expect(again.statusCode).toBe(200);
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
    const events = await t.db.prisma.auditEvent.findMany({ where: { resourceKey: created.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['token.created', 'token.revoked']);
    expect(events[1]!.before).toMatchObject({ revokedAt: null });
    expect(events[1]!.after).toMatchObject({ revokedAt: revoked.json().revokedAt });
    expect(await auditRowsText()).not.toContain(created.secret);
  });

  it('revokes server keys too, and a server key is refused at once on the SDK side', async () => {
    const created = (await create({ name: 'batch job', kind: 'server', environment: 'development' })).json();
    expect(await t.app.authenticateSecret(created.secret)).not.toBeNull();
    expect((await t.request('DELETE', `/api/tokens/${created.id}`)).statusCode).toBe(200);
    expect(await t.app.authenticateSecret(created.secret)).toBeNull();
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    expect(Object.keys(doc.paths['/api/tokens/']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/tokens/{id}']).sort()).toEqual(['delete', 'patch']);
    expect(Object.keys(doc.paths['/api/tokens/{id}/rotate'])).toEqual(['post']);
  });

  it('answers 404 for an unknown token and 400 for a malformed id', async () => {
    expect((await t.request('DELETE', '/api/tokens/9b2f6c1e-8a61-4f3e-9d0c-2f1b7c3e5a40')).statusCode).toBe(404);
    expect((await t.request('POST', '/api/tokens/9b2f6c1e-8a61-4f3e-9d0c-2f1b7c3e5a40/rotate')).statusCode).toBe(404);
    const bad = await t.request('DELETE', '/api/tokens/not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('params.id');
  });

  it('rotates a token atomically: new secret works, old one is refused, nothing secret is audited', async () => {
    const old = (await create({ name: 'mobile app', kind: 'client', environment: 'production' })).json();
    const rotated = await t.request('POST', `/api/tokens/${old.id}/rotate`);
    expect(rotated.statusCode).toBe(201);
    const fresh = rotated.json();
    expect(fresh).toMatchObject({ name: 'mobile app', kind: 'client', environment: 'production' });
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.secret).not.toBe(old.secret);
    expect(await t.app.authenticateSecret(old.secret)).toBeNull();
    expect(await t.app.authenticateSecret(fresh.secret)).toMatchObject({ tokenId: fresh.id });

    const again = await t.request('POST', `/api/tokens/${old.id}/rotate`);
    expect(again.statusCode).toBe(409);
    expect(await t.db.prisma.apiToken.count({ where: { name: 'mobile app' } })).toBe(2);

    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'token.rotated', resourceKey: old.id } });
    expect(audit.after).toMatchObject({ id: fresh.id, replaces: old.id });
    const text = await auditRowsText();
    for (const secret of [old.secret, fresh.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashSecret(secret));
    }
  });

  it('refuses to revoke the last active admin token (409), even when it is the caller’s own', async () => {
    const admins = await t.db.prisma.apiToken.findMany({ where: { kind: 'admin', revokedAt: null }, orderBy: { createdAt: 'asc' } });
    expect(admins.map((a) => a.name)).toEqual(['admin (SWITCHYARD_ADMIN_TOKEN)', 'ops admin']);
    const [seed, ops] = admins as [(typeof admins)[0], (typeof admins)[0]];

    expect((await t.request('DELETE', `/api/tokens/${ops.id}`)).statusCode).toBe(200);
    const auditCount = await t.db.prisma.auditEvent.count();
    const last = await t.request('DELETE', `/api/tokens/${seed.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ error: 'conflict', details: [{ path: 'params.id' }] });
    expect(await t.db.prisma.auditEvent.count()).toBe(auditCount);
    expect((await t.request('GET', '/api/tokens')).statusCode).toBe(200);
  });

  it('lets only one of two concurrent revocations of the last two admin tokens succeed', async () => {
    const other = (await create({ name: 'second admin', kind: 'admin' })).json();
    const seed = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'admin (SWITCHYARD_ADMIN_TOKEN)' } });
    const results = await Promise.all([
      t.request('DELETE', `/api/tokens/${seed.id}`),
      t.request('DELETE', `/api/tokens/${other.id}`, { token: other.secret }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await t.db.prisma.apiToken.count({ where: { kind: 'admin', revokedAt: null } })).toBe(1);
  });
});
