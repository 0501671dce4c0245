/** People's tokens carry a role, optionally per environment; only full admins manage tokens. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const create = (body: object, token?: string) => t.request('POST', '/api/tokens', { body, ...(token ? { token } : {}) });

describe('token roles', () => {
  it('creates an admin token as an admin everywhere unless told otherwise, and shows its roles', async () => {
    const plain = await create({ name: 'plain', kind: 'admin' });
    expect(plain.statusCode).toBe(201);
    expect(plain.json()).toMatchObject({ role: 'admin', environmentRoles: {} });
    const scoped = await create({ name: 'scoped', kind: 'admin', role: 'viewer', environmentRoles: { staging: 'editor' } });
    expect(scoped.statusCode, scoped.body).toBe(201);
    expect(scoped.json()).toMatchObject({ role: 'viewer', environmentRoles: { staging: 'editor' } });
    const listed = (await t.request('GET', '/api/tokens?kind=admin')).json().items.find((x: { id: string }) => x.id === scoped.json().id);
    expect(listed).toMatchObject({ role: 'viewer', environmentRoles: { staging: 'editor' } });
    // SDK keys have no roles, in the answer or the list.
    const key = await create({ name: 'backend', kind: 'server', environment: 'production' });
    expect(key.json()).not.toHaveProperty('role');
    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { resourceKey: scoped.json().id, action: 'token.created' } });
    expect(audit.after).toMatchObject({ role: 'viewer', environmentRoles: { staging: 'editor' } });
  });

  it('refuses roles on server and client keys, roles that are not roles, and environments that do not exist', async () => {
    const server = await create({ name: 'k', kind: 'server', environment: 'production', role: 'viewer' });
    expect(server.statusCode).toBe(400);
    expect(server.json().details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.role' })]));
    expect((await create({ name: 'k', kind: 'client', environment: 'production', environmentRoles: {} })).statusCode).toBe(400);
    expect((await create({ name: 'k', kind: 'admin', role: 'owner' })).statusCode).toBe(400);
    expect((await create({ name: 'k', kind: 'admin', environmentRoles: { production: 'root' } })).statusCode).toBe(400);
    const missing = await create({ name: 'k', kind: 'admin', role: 'editor', environmentRoles: { prod: 'viewer' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().details).toEqual([{ path: 'body.environmentRoles.prod', message: 'no such environment' }]);
    expect(await t.db.prisma.apiToken.count({ where: { name: 'k' } })).toBe(0);
  });

  it('lets only admins of every environment manage tokens', async () => {
    const editor = (await create({ name: 'editor', kind: 'admin', role: 'editor' })).json().secret;
    const partial = (await create({ name: 'partial', kind: 'admin', environmentRoles: { production: 'viewer' } })).json().secret;
    for (const token of [editor, partial]) {
      const res = await create({ name: 'escalated', kind: 'admin', role: 'viewer' }, token);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/^POST \/api\/tokens needs the admin role in every environment/);
    }
    expect((await t.request('GET', '/api/tokens', { token: editor })).statusCode).toBe(200);
  });

  it('keeps the roles when a token is rotated', async () => {
    const made = (await create({ name: 'rot', kind: 'admin', role: 'editor', environmentRoles: { production: 'viewer' } })).json();
    const rotated = await t.request('POST', `/api/tokens/${made.id}/rotate`);
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json()).toMatchObject({ role: 'editor', environmentRoles: { production: 'viewer' } });
  });

  it('keeps one admin of every environment: the last cannot be revoked while the others are less', async () => {
    const fresh = await createTestApp();
    try {
      const editor = await fresh.request('POST', '/api/tokens', { body: { name: 'ed', kind: 'admin', role: 'editor' } });
      const partial = await fresh.request('POST', '/api/tokens', {
        body: { name: 'partial', kind: 'admin', environmentRoles: { staging: 'viewer' } },
      });
      expect(partial.statusCode).toBe(201);
      const first = (await fresh.request('GET', '/api/tokens?kind=admin'))
        .json()
        .items.find((x: { name: string }) => x.name.startsWith('admin'));
      expect(editor.statusCode).toBe(201);
      const refused = await fresh.request('DELETE', `/api/tokens/${first.id}`);
      expect(refused.statusCode).toBe(409);
      const full = await fresh.request('POST', '/api/tokens', { body: { name: 'full', kind: 'admin' } });
      expect((await fresh.request('DELETE', `/api/tokens/${first.id}`, { token: full.json().secret })).statusCode).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
