import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

describe('environments API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('lists the default environments created on first start', async () => {
    const res = await t.request('GET', '/api/environments');
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((e: { key: string }) => e.key)).toEqual(['development', 'staging', 'production']);
  });

  it('refuses requests without a token (401) and with an SDK key (403)', async () => {
    expect((await t.request('GET', '/api/environments', { token: null })).statusCode).toBe(401);
    expect((await t.request('GET', '/api/environments', { token: 'sy_admin_not-a-real-token' })).statusCode).toBe(401);
    const serverKey = await t.createToken('server', 'production');
    const res = await t.request('GET', '/api/environments', { token: serverKey });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden', message: 'This route needs an admin token; a server SDK key cannot use it' });
  });

  it('creates, renames and deletes an environment, auditing each step', async () => {
    const created = await t.request('POST', '/api/environments', { body: { key: 'qa', name: 'QA' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ key: 'qa', name: 'QA', version: 0 });

    const renamed = await t.request('PATCH', '/api/environments/qa', { body: { name: 'Quality' } });
    expect(renamed.json()).toMatchObject({ key: 'qa', name: 'Quality' });

    expect((await t.request('DELETE', '/api/environments/qa')).statusCode).toBe(204);
    expect((await t.request('GET', '/api/environments/qa')).statusCode).toBe(404);

    const events = await t.db.prisma.auditEvent.findMany({ where: { resourceKey: 'qa' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['environment.created', 'environment.renamed', 'environment.deleted']);
    expect(events.every((e) => e.actor === 'admin (SWITCHYARD_ADMIN_TOKEN)')).toBe(true);
  });

  it('answers 409 for a duplicate key and 400 naming the field for a bad body, changing nothing', async () => {
    const dup = await t.request('POST', '/api/environments', { body: { key: 'production', name: 'Again' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().details).toEqual([{ path: 'body.key', message: 'already exists' }]);

    const bad = await t.request('POST', '/api/environments', { body: { key: 'no spaces', name: 5 } });
    expect(bad.statusCode).toBe(400);
    const body = bad.json();
    expect(body.error).toBe('validation_failed');
    expect(body.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.key', 'body.name']);

    const extra = await t.request('POST', '/api/environments', { body: { key: 'x', name: 'X', admin: true } });
    expect(extra.statusCode).toBe(400);

    const malformed = await t.request('POST', '/api/environments', { body: '{"key":', headers: { 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe('invalid_json');

    expect(await t.db.prisma.environment.count()).toBe(3);
  });

  it('gives every flag a configuration in every environment, even when both are created at the same moment', async () => {
    const writes = [
      ...['alpha', 'beta', 'gamma', 'delta'].map((key) => t.request('POST', '/api/flags', { body: { key, name: key, kind: 'boolean' } })),
      ...['eu', 'us'].map((key) => t.request('POST', '/api/environments', { body: { key, name: key } })),
    ];
    expect((await Promise.all(writes)).map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    const [flags, environments, configs] = await Promise.all([
      t.db.prisma.flag.count(),
      t.db.prisma.environment.count(),
      t.db.prisma.flagEnvironment.count(),
    ]);
    expect(configs).toBe(flags * environments);
  });
});
