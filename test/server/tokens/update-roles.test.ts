/**
 * PATCH /api/tokens/:id changes a person's role and environment roles: admins of every environment only,
 * audited, at once for the person's bearer token and console sessions, never for SDK keys, and never
 * leaving the service without an admin of every environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ authRateLimit: { maxFailures: 1_000_000 } });
});
afterAll(async () => t?.close());

async function person(name: string, roles: object = {}, app: TestApp = t) {
  const res = await app.request('POST', '/api/tokens', { body: { name, kind: 'admin', ...roles } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, secret: res.json().secret as string };
}

const patch = (id: string, body: unknown, token?: string, app: TestApp = t) =>
  app.request('PATCH', `/api/tokens/${id}`, { body, ...(token ? { token } : {}) });

async function signIn(token: string) {
  const res = await t.request('POST', '/api/session', { token: null, body: { token } });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, csrfToken: res.json().csrfToken as string };
}

describe('changing a token’s roles', () => {
  it('sets the role and replaces the environment roles, answers the token, and audits before and after', async () => {
    const ed = await person('Ed', { role: 'editor', environmentRoles: { production: 'viewer' } });
    const res = await patch(ed.id, { role: 'viewer', environmentRoles: { staging: 'editor' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: ed.id, name: 'Ed', kind: 'admin', role: 'viewer', environmentRoles: { staging: 'editor' } });
    expect(res.json()).not.toHaveProperty('secret');
    // Only the role: the environment roles stay.
    const roleOnly = await patch(ed.id, { role: 'editor' });
    expect(roleOnly.json()).toMatchObject({ role: 'editor', environmentRoles: { staging: 'editor' } });
    const listed = (await t.request('GET', '/api/tokens?kind=admin')).json().items.find((x: { id: string }) => x.id === ed.id);
    expect(listed).toMatchObject({ role: 'editor', environmentRoles: { staging: 'editor' } });

    const events = await t.db.prisma.auditEvent.findMany({
      where: { resourceKey: ed.id, action: 'token.updated' },
      orderBy: { id: 'asc' },
    });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      actor: expect.stringMatching(/^admin/),
      resourceType: 'token',
      before: expect.objectContaining({ role: 'editor', environmentRoles: { production: 'viewer' } }),
      after: expect.objectContaining({ role: 'viewer', environmentRoles: { staging: 'editor' } }),
    });
    expect(JSON.stringify(events.map((e) => [e.before, e.after]))).not.toContain(ed.secret);
  });

  it('takes effect at once for the person’s bearer token and for their open console session', async () => {
    const olivia = await person('Olivia', { role: 'editor' });
    const session = await signIn(olivia.secret);
    const asSession = (method: string, url: string, body?: unknown) =>
      t.request(method, url, { token: null, headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken }, body });
    const createFlag = (key: string, token?: string) =>
      token
        ? t.request('POST', '/api/flags', { token, body: { key, name: key, kind: 'boolean' } })
        : asSession('POST', '/api/flags', { key, name: key, kind: 'boolean' });
    expect((await createFlag('by-bearer', olivia.secret)).statusCode).toBe(201);
    expect((await createFlag('by-session')).statusCode).toBe(201);

    expect((await patch(olivia.id, { role: 'viewer' })).statusCode).toBe(200);
    const bearer = await createFlag('refused-bearer', olivia.secret);
    expect(bearer.statusCode).toBe(403);
    expect(bearer.json().message).toContain('your token is a viewer');
    expect((await createFlag('refused-session')).statusCode).toBe(403);
    expect((await asSession('GET', '/api/session')).json()).toMatchObject({ name: 'Olivia', role: 'viewer' });

    // And back: a promotion is as immediate.
    expect((await patch(olivia.id, { environmentRoles: { staging: 'editor' } })).statusCode).toBe(200);
    expect((await createFlag('allowed-again')).statusCode).toBe(201);
  });

  it('refuses bad input with a 400 naming the field, and unknown environments with a 404 naming them', async () => {
    const vic = await person('Vic', { role: 'viewer' });
    const empty = await patch(vic.id, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().details).toEqual([expect.objectContaining({ path: 'body.role' })]);
    const badRole = await patch(vic.id, { role: 'owner' });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().details[0].path).toBe('body.role');
    const badEnvRole = await patch(vic.id, { environmentRoles: { production: 'root' } });
    expect(badEnvRole.statusCode).toBe(400);
    expect(badEnvRole.json().details[0].path).toMatch(/^body\.environmentRoles/);
    const extra = await patch(vic.id, { role: 'editor', name: 'renamed' });
    expect(extra.statusCode).toBe(400);
    const unknownEnv = await patch(vic.id, { environmentRoles: { prod: 'editor' } });
    expect(unknownEnv.statusCode).toBe(404);
    expect(unknownEnv.json().details).toEqual([{ path: 'body.environmentRoles.prod', message: 'no such environment' }]);
    expect((await t.request('PATCH', '/api/tokens/not-a-uuid', { body: { role: 'viewer' } })).statusCode).toBe(400);
    expect((await patch('00000000-0000-4000-8000-000000000000', { role: 'viewer' })).statusCode).toBe(404);
    // Nothing changed.
    const listed = (await t.request('GET', '/api/tokens?kind=admin')).json().items.find((x: { id: string }) => x.id === vic.id);
    expect(listed).toMatchObject({ role: 'viewer', environmentRoles: {} });
  });

  it('refuses roles for server and client keys, and changes to a revoked token (409)', async () => {
    const key = (await t.request('POST', '/api/tokens', { body: { name: 'backend', kind: 'server', environment: 'production' } })).json();
    const refused = await patch(key.id, { role: 'admin' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain('only admin tokens (people) have roles');
    expect(refused.json().details).toEqual([expect.objectContaining({ path: 'body.role' })]);
    const client = (await t.request('POST', '/api/tokens', { body: { name: 'web', kind: 'client', environment: 'staging' } })).json();
    expect((await patch(client.id, { environmentRoles: { staging: 'admin' } })).statusCode).toBe(409);

    const gone = await person('Gone');
    expect((await t.request('DELETE', `/api/tokens/${gone.id}`)).statusCode).toBe(200);
    const revoked = await patch(gone.id, { role: 'viewer' });
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json().message).toContain('revoked');
  });

  it('lets only admins of every environment change roles, and nobody raise their own', async () => {
    const editor = await person('Eddie', { role: 'editor' });
    const partial = await person('Pat', { environmentRoles: { production: 'editor' } });
    const target = await person('Target', { role: 'viewer' });
    for (const token of [editor.secret, partial.secret]) {
      const res = await patch(target.id, { role: 'admin' }, token);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/^PATCH \/api\/tokens\/:id needs the admin role in every environment/);
    }
    expect((await patch(editor.id, { role: 'admin' }, editor.secret)).statusCode).toBe(403);
    expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: target.id } })).role).toBe('viewer');
  });

  it('keeps one admin of every environment: the last cannot be demoted, even by itself (409)', async () => {
    const fresh = await createTestApp();
    try {
      const first = (await fresh.request('GET', '/api/tokens?kind=admin')).json().items[0];
      const lone = await patch(first.id, { role: 'editor' }, undefined, fresh);
      expect(lone.statusCode).toBe(409);
      expect(lone.json().message).toContain('last token that is an admin in every environment');
      // Restricting one environment counts as losing "admin everywhere" too.
      expect((await patch(first.id, { environmentRoles: { production: 'viewer' } }, undefined, fresh)).statusCode).toBe(409);
      // Keeping admin everywhere is fine.
      expect((await patch(first.id, { role: 'admin', environmentRoles: { production: 'admin' } }, undefined, fresh)).statusCode).toBe(200);

      const second = await person('Second admin', {}, fresh);
      expect((await patch(first.id, { role: 'viewer', environmentRoles: {} }, undefined, fresh)).statusCode).toBe(200);
      // Now the second is the last one; the first (a viewer now) can no longer manage tokens.
      expect((await patch(second.id, { role: 'editor' }, second.secret, fresh)).statusCode).toBe(409);
      expect((await patch(second.id, { role: 'editor' }, undefined, fresh)).statusCode).toBe(403);
    } finally {
      await fresh.close();
    }
  });
});
