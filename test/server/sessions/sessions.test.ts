/**
 * Console sessions: a personal token is exchanged for an HttpOnly cookie and a CSRF token; the cookie
 * then acts as the token (same roles, same audit name) until sign-out, expiry or revocation.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ sessions: { lifetimeHours: 2 }, authRateLimit: { maxFailures: 1_000_000 } });
});
afterAll(async () => t?.close());

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Creates a person through the API and returns the token's secret. */
async function person(name: string, roles: object = {}) {
  const res = await t.request('POST', '/api/tokens', { body: { name, kind: 'admin', ...roles } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, secret: res.json().secret as string };
}

async function signIn(token: string, app: TestApp = t) {
  const res = await app.request('POST', '/api/session', { token: null, body: { token } });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const secret = /^sy_session=([^;]+);/.exec(setCookie)![1]!;
  return { res, setCookie, secret, cookie: `sy_session=${secret}`, csrfToken: res.json().csrfToken as string };
}

/** A request with the session cookie (and the CSRF token when given), no Authorization header. */
const withCookie = (method: string, url: string, cookie: string, csrf?: string, body?: unknown) =>
  t.request(method, url, { token: null, headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) }, ...(body ? { body } : {}) });

describe('signing in', () => {
  it('answers who signed in and sets an HttpOnly, SameSite=Strict cookie for the session lifetime', async () => {
    const ops = await person('Ops Olivia', { role: 'editor', environmentRoles: { production: 'viewer' } });
    const before = Date.now();
    const { res, setCookie, secret } = await signIn(ops.secret);
    expect(res.json()).toEqual({
      name: 'Ops Olivia',
      role: 'editor',
      environmentRoles: { production: 'viewer' },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const expiresAt = Date.parse(res.json().expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    expect(setCookie).toBe(`sy_session=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=7200`);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expect(res.headers['cache-control']).toBe('no-store');
    // Only the secret's hash is stored, never the secret or the personal token.
    const row = await t.db.prisma.session.findUniqueOrThrow({ where: { id: sha256(secret) } });
    expect(row).toMatchObject({ tokenId: ops.id, csrfToken: res.json().csrfToken });
    expect(JSON.stringify(await t.db.prisma.session.findMany())).not.toContain(secret);
  });

  it('marks the cookie Secure when the request came over https through a trusted proxy', async () => {
    const proxied = await createTestApp({ trustProxy: ['127.0.0.1'] });
    try {
      const res = await proxied.request('POST', '/api/session', {
        token: null,
        body: { token: proxied.adminToken },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/; Max-Age=43200; Secure$/); // the default: 12 hours
      const plain = await proxied.request('POST', '/api/session', { token: null, body: { token: proxied.adminToken } });
      expect(String(plain.headers['set-cookie'])).not.toContain('Secure');
    } finally {
      await proxied.close();
    }
    // From an untrusted address, X-Forwarded-Proto says nothing.
    const untrusted = await t.request('POST', '/api/session', {
      token: null,
      body: { token: t.adminToken },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(String(untrusted.headers['set-cookie'])).not.toContain('Secure');
  });

  it('refuses an unknown, revoked or SDK token with 401, and sets no cookie', async () => {
    const revoked = await person('gone');
    expect((await t.request('DELETE', `/api/tokens/${revoked.id}`)).statusCode).toBe(200);
    for (const token of [
      'sy_admin_nonsense',
      revoked.secret,
      await t.createToken('server', 'production'),
      await t.createToken('client', 'staging'),
    ]) {
      const res = await t.request('POST', '/api/session', { token: null, body: { token } });
      expect(res.statusCode, token).toBe(401);
      expect(res.json().error).toBe('unauthorized');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await t.request('POST', '/api/session', { token: null, body: {} })).statusCode).toBe(400);
  });
});

describe('using the session', () => {
  it('GET /api/session answers the same body again (for a reloaded console); without a cookie, 401', async () => {
    const { res, cookie } = await signIn(t.adminToken);
    const again = await withCookie('GET', '/api/session', cookie);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(res.json());
    expect((await t.request('GET', '/api/session', { token: null })).statusCode).toBe(401);
    expect((await withCookie('GET', '/api/session', 'sy_session=not-a-session')).statusCode).toBe(401);
    // A bearer token is no session.
    expect((await t.request('GET', '/api/session')).statusCode).toBe(401);
  });

  it('reads with the cookie alone, and writes only with the CSRF token; bearer requests need none', async () => {
    const { cookie, csrfToken } = await signIn(t.adminToken);
    expect((await withCookie('GET', '/api/flags', cookie)).statusCode).toBe(200);
    for (const csrf of [undefined, 'wrong', `${csrfToken}x`]) {
      const refused = await withCookie('POST', '/api/flags', cookie, csrf, { key: 'by-cookie', name: 'x', kind: 'boolean' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'csrf', message: expect.stringContaining('X-CSRF-Token') });
    }
    expect(await t.db.prisma.flag.count({ where: { key: 'by-cookie' } })).toBe(0);
    const created = await withCookie('POST', '/api/flags', cookie, csrfToken, { key: 'by-cookie', name: 'x', kind: 'boolean' });
    expect(created.statusCode, created.body).toBe(201);
    // Another session's CSRF token does not do.
    const other = await signIn(t.adminToken);
    expect((await withCookie('DELETE', '/api/flags/by-cookie', cookie, other.csrfToken)).statusCode).toBe(403);
    expect((await t.request('POST', '/api/flags', { body: { key: 'by-bearer', name: 'x', kind: 'boolean' } })).statusCode).toBe(201);
  });

  it('names the person in the audit log, as a bearer request would', async () => {
    const olivia = await person('Olivia (console)', { role: 'editor' });
    const { cookie, csrfToken } = await signIn(olivia.secret);
    const res = await withCookie('POST', '/api/flags', cookie, csrfToken, { key: 'audited', name: 'x', kind: 'boolean' });
    expect(res.statusCode, res.body).toBe(201);
    const events = await t.db.prisma.auditEvent.findMany({ where: { resourceKey: 'audited' } });
    expect(events.map((e) => [e.action, e.actor])).toEqual([['flag.created', 'Olivia (console)']]);
  });

  it("holds the token's roles: a viewer's session reads and is refused writes", async () => {
    const vera = await person('Vera', { role: 'viewer' });
    const { cookie, csrfToken } = await signIn(vera.secret);
    expect((await withCookie('GET', '/api/flags', cookie)).statusCode).toBe(200);
    const refused = await withCookie('POST', '/api/flags', cookie, csrfToken, { key: 'by-viewer', name: 'x', kind: 'boolean' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'forbidden', message: 'POST /api/flags needs the editor role; your token is a viewer' });
  });

  it('lets an Authorization header win over the cookie: one credential per request', async () => {
    const vera = await person('Vera two', { role: 'viewer' });
    const { cookie } = await signIn(t.adminToken);
    const res = await t.request('POST', '/api/flags', {
      token: vera.secret,
      headers: { cookie },
      body: { key: 'x-both', name: 'x', kind: 'boolean' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('forbidden'); // judged as the viewer's bearer token, with no CSRF check
  });
});

describe('ending a session', () => {
  it('signs out: 204, the session deleted, the cookie cleared; the cookie then opens nothing', async () => {
    const { cookie, csrfToken, secret } = await signIn(t.adminToken);
    expect((await withCookie('DELETE', '/api/session', cookie)).statusCode).toBe(403); // CSRF token needed here too
    const out = await withCookie('DELETE', '/api/session', cookie, csrfToken);
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toBe('sy_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
    expect(await t.db.prisma.session.findUnique({ where: { id: sha256(secret) } })).toBeNull();
    expect((await withCookie('GET', '/api/flags', cookie)).statusCode).toBe(401);
    expect((await withCookie('GET', '/api/session', cookie)).statusCode).toBe(401);
    expect((await withCookie('DELETE', '/api/session', cookie, csrfToken)).statusCode).toBe(204); // again: nothing to do
  });

  it('refuses an expired session and deletes it', async () => {
    const { cookie, secret } = await signIn(t.adminToken);
    await t.db.prisma.session.update({ where: { id: sha256(secret) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await withCookie('GET', '/api/flags', cookie);
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/session has ended or expired/);
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
    expect(await t.db.prisma.session.findUnique({ where: { id: sha256(secret) } })).toBeNull();
  });

  it('ends every session of a token when it is revoked, at once', async () => {
    const leaver = await person('Leaver', { role: 'editor' });
    const first = await signIn(leaver.secret);
    const second = await signIn(leaver.secret);
    expect((await withCookie('GET', '/api/flags', first.cookie)).statusCode).toBe(200);
    expect((await t.request('DELETE', `/api/tokens/${leaver.id}`)).statusCode).toBe(200);
    expect((await withCookie('GET', '/api/flags', first.cookie)).statusCode).toBe(401);
    expect((await withCookie('GET', '/api/session', second.cookie)).statusCode).toBe(401);
    expect(await t.db.prisma.session.count({ where: { tokenId: leaver.id } })).toBe(0);
  });

  it('ends the sessions of a rotated token too (its replacement must sign in again)', async () => {
    const rotated = await person('Rotated', { role: 'viewer' });
    const { cookie } = await signIn(rotated.secret);
    expect((await t.request('POST', `/api/tokens/${rotated.id}/rotate`)).statusCode).toBe(201);
    expect((await withCookie('GET', '/api/flags', cookie)).statusCode).toBe(401);
  });
});

describe('failed sign-ins', () => {
  it('count as failed authentications: past the limit, 429, while a valid token still signs in', async () => {
    const limited = await createTestApp({ authRateLimit: { maxFailures: 3 } });
    try {
      const bad = () => limited.request('POST', '/api/session', { token: null, body: { token: 'sy_admin_guess' } });
      for (let i = 0; i < 3; i++) expect((await bad()).statusCode).toBe(401);
      const refused = await bad();
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect((await signIn(limited.adminToken, limited)).res.statusCode).toBe(200);
      // A guessed cookie counts the same.
      const guessed = await limited.request('GET', '/api/flags', { token: null, headers: { cookie: 'sy_session=guess' } });
      expect(guessed.statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
