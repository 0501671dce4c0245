/**
 * Signing in and out of the console is audited under the person's token name, with their roles and never
 * a secret: not the personal token, not the session cookie, not the CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ authRateLimit: { maxFailures: 1_000_000 } });
});
afterAll(async () => t?.close());

async function person(name: string, roles: object = {}) {
  const res = await t.request('POST', '/api/tokens', { body: { name, kind: 'admin', ...roles } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, secret: res.json().secret as string };
}

async function signIn(token: string) {
  const res = await t.request('POST', '/api/session', { token: null, body: { token } });
  expect(res.statusCode, res.body).toBe(200);
  const secret = /^sy_session=([^;]+);/.exec(String(res.headers['set-cookie']))![1]!;
  return { secret, cookie: `sy_session=${secret}`, csrfToken: res.json().csrfToken as string, expiresAt: res.json().expiresAt };
}

const signOut = (cookie: string, csrfToken: string) =>
  t.request('DELETE', '/api/session', { token: null, headers: { cookie, 'x-csrf-token': csrfToken } });

/** The session events about this person's token, oldest first, as GET /api/audit shows them. */
async function sessionEvents(actor: string) {
  const res = await t.request('GET', `/api/audit?resourceType=session&actor=${encodeURIComponent(actor)}`);
  expect(res.statusCode).toBe(200);
  return (res.json().items as { action: string; actor: string; resourceKey: string; before: unknown; after: unknown }[]).reverse();
}

describe('the sign-in audit', () => {
  it('records signing in and out under the token name, with the roles and no secret', async () => {
    const olivia = await person('Ops Olivia', { role: 'editor', environmentRoles: { production: 'viewer' } });
    const session = await signIn(olivia.secret);
    expect((await signOut(session.cookie, session.csrfToken)).statusCode).toBe(204);

    const events = await sessionEvents('Ops Olivia');
    expect(events.map((e) => e.action)).toEqual(['session.signed-in', 'session.signed-out']);
    const identity = {
      tokenId: olivia.id,
      name: 'Ops Olivia',
      role: 'editor',
      environmentRoles: { production: 'viewer' },
      expiresAt: session.expiresAt,
    };
    expect(events[0]).toMatchObject({ actor: 'Ops Olivia', resourceKey: olivia.id, before: null, after: identity });
    expect(events[1]).toMatchObject({ actor: 'Ops Olivia', resourceKey: olivia.id, before: identity, after: null });

    const stored = JSON.stringify(
      (await t.db.prisma.auditEvent.findMany({ where: { resourceType: 'session' } })).map((e) => [
        e.actor,
        e.resourceKey,
        e.before,
        e.after,
      ]),
    );
    for (const secret of [olivia.secret, session.secret, session.csrfToken]) expect(stored).not.toContain(secret);
  });

  it('records nothing for a refused sign-in, nor for signing out without a live session', async () => {
    const before = await t.db.prisma.auditEvent.count({ where: { resourceType: 'session' } });
    const revoked = await person('Revoked Rita');
    expect((await t.request('DELETE', `/api/tokens/${revoked.id}`)).statusCode).toBe(200);
    expect((await t.request('POST', '/api/session', { token: null, body: { token: revoked.secret } })).statusCode).toBe(401);
    expect((await t.request('POST', '/api/session', { token: null, body: { token: 'sy_admin_nope' } })).statusCode).toBe(401);
    expect((await t.request('DELETE', '/api/session', { token: null, headers: { cookie: 'sy_session=unknown' } })).statusCode).toBe(204);

    // Signing out twice: the second finds no session and records nothing.
    const sam = await person('Sam');
    const session = await signIn(sam.secret);
    expect((await signOut(session.cookie, session.csrfToken)).statusCode).toBe(204);
    expect((await signOut(session.cookie, session.csrfToken)).statusCode).toBe(204);
    expect((await sessionEvents('Sam')).map((e) => e.action)).toEqual(['session.signed-in', 'session.signed-out']);
    expect(await t.db.prisma.auditEvent.count({ where: { resourceType: 'session' } })).toBe(before + 2);
  });

  it('refuses a sign-out without the CSRF token and records nothing', async () => {
    const cal = await person('Cal');
    const session = await signIn(cal.secret);
    expect((await t.request('DELETE', '/api/session', { token: null, headers: { cookie: session.cookie } })).statusCode).toBe(403);
    expect((await sessionEvents('Cal')).map((e) => e.action)).toEqual(['session.signed-in']);
  });
});
