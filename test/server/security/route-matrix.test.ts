/**
 * Every route the app registers (read from the app itself, so a new route cannot escape) against
 * every kind of credential (people of each role, by bearer token and by console session, and SDK
 * keys), with environments crossed.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeRuleFor } from '../../../server/src/auth/permissions.ts';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';

const CREDENTIALS = [
  'none',
  'malformed',
  'unknown',
  'revoked admin',
  'admin',
  'editor',
  'viewer',
  'staging editor', // an editor in staging, a viewer everywhere else
  'admin session',
  'viewer session',
  'admin session without CSRF',
  'signed-out session',
  'server key A',
  'server key B',
  'client key A',
] as const;
type Credential = (typeof CREDENTIALS)[number];
const ENV_A = 'production';
const ENV_B = 'staging';

type Role = 'admin' | 'editor' | 'viewer';
/** The roles of each person among the credentials: a default role and the environments where it differs. */
const PEOPLE: Partial<Record<Credential, { role: Role; environmentRoles: Record<string, Role> }>> = {
  admin: { role: 'admin', environmentRoles: {} },
  editor: { role: 'editor', environmentRoles: {} },
  viewer: { role: 'viewer', environmentRoles: {} },
  'staging editor': { role: 'viewer', environmentRoles: { [ENV_B]: 'editor' } },
  'admin session': { role: 'admin', environmentRoles: {} },
  'viewer session': { role: 'viewer', environmentRoles: {} },
  'admin session without CSRF': { role: 'admin', environmentRoles: {} },
};
const ACTIVE_SESSIONS: Credential[] = ['admin session', 'viewer session', 'admin session without CSRF'];
const bearerPerson = (c: Credential) => PEOPLE[c] !== undefined && !c.includes('session');

let t: TestApp;
let headersFor: (credential: Credential) => Record<string, string>;

/** Signs in with a personal token through the console's API: the cookie and the CSRF token. */
async function signIn(token: string): Promise<{ cookie: string; csrfToken: string }> {
  const res = await t.request('POST', '/api/session', { token: null, body: { token } });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, csrfToken: res.json().csrfToken };
}

beforeAll(async () => {
  // The matrix fails authentication hundreds of times from one address: the limiter is tested elsewhere.
  t = await createTestApp({ authRateLimit: { maxFailures: 1_000_000 } });
  const created = await t.request('POST', '/api/tokens', { body: { name: 'second admin', kind: 'admin' } });
  expect(created.statusCode).toBe(201);
  const revokedAdmin = created.json().secret as string;
  expect((await t.request('GET', '/api/flags', { token: revokedAdmin })).statusCode).toBe(200);
  expect((await t.request('DELETE', `/api/tokens/${created.json().id}`)).statusCode).toBe(200);

  const person = async (credential: Credential) => {
    const res = await t.request('POST', '/api/tokens', { body: { name: credential, kind: 'admin', ...PEOPLE[credential] } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().secret as string;
  };
  const secrets: Partial<Record<Credential, string>> = {
    unknown: generateSecret('admin'),
    'revoked admin': revokedAdmin,
    admin: t.adminToken,
    editor: await person('editor'),
    viewer: await person('viewer'),
    'staging editor': await person('staging editor'),
    'server key A': await t.createToken('server', ENV_A),
    'server key B': await t.createToken('server', ENV_B),
    'client key A': await t.createToken('client', ENV_A),
  };
  const adminSession = await signIn(t.adminToken);
  const viewerSession = await signIn(secrets.viewer!);
  const signedOut = await signIn(t.adminToken);
  expect(
    (await t.request('DELETE', '/api/session', { token: null, headers: { cookie: signedOut.cookie, 'x-csrf-token': signedOut.csrfToken } }))
      .statusCode,
  ).toBe(204);
  const cookies: Partial<Record<Credential, Record<string, string>>> = {
    'admin session': { cookie: adminSession.cookie, 'x-csrf-token': adminSession.csrfToken },
    'viewer session': { cookie: viewerSession.cookie, 'x-csrf-token': viewerSession.csrfToken },
    'admin session without CSRF': { cookie: adminSession.cookie },
    'signed-out session': { cookie: signedOut.cookie, 'x-csrf-token': signedOut.csrfToken },
  };
  headersFor = (credential): Record<string, string> =>
    credential === 'none'
      ? {}
      : credential === 'malformed'
        ? { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }
        : (cookies[credential] ?? { authorization: `Bearer ${secrets[credential] ?? ''}` });
});
afterAll(async () => {
  await t?.close();
});

type Kind =
  | 'public'
  | 'person'
  | 'session'
  | 'server-sdk'
  | 'client-sdk'
  | 'any-sdk'
  | 'preflight'
  | 'websocket'
  | 'secret-in-path'
  | 'stream-token';

/** Sign-in, the session and sign-out: `/api/session`, with or without the trailing slash. */
const isSessionRoute = (url: string) => url === '/api/session' || url === '/api/session/';

/** Which credential each route takes; a route that fits none of these fails the test. */
function kindOf(method: string, url: string): Kind | undefined {
  if (url === '/healthz' || url === '/readyz' || url === '/docs' || url.startsWith('/docs/')) return 'public';
  if (url === '/*' && (method === 'GET' || method === 'HEAD')) return 'public'; // the console's static files (http/console.ts)
  if (isSessionRoute(url)) return 'session';
  if (url.startsWith('/api/')) return 'person';
  if (url === '/sdk/snapshot' && (method === 'GET' || method === 'HEAD')) return 'server-sdk';
  if (url === '/sdk/evaluate' && method === 'POST') return 'client-sdk';
  if (url === '/sdk/metrics' && method === 'POST') return 'any-sdk';
  if ((url === '/sdk/evaluate' || url === '/sdk/metrics') && method === 'OPTIONS') return 'preflight';
  if (url === '/sdk/stream') return 'websocket';
  if (url === '/triggers/:secret' && method === 'POST') return 'secret-in-path';
  if (url.startsWith('/ofrep/v1/evaluate/flags') && method === 'POST') return 'any-sdk';
  if (url.startsWith('/ofrep/v1/evaluate/flags') && method === 'OPTIONS') return 'preflight';
  if (url === '/ofrep/v1/events' && (method === 'GET' || method === 'HEAD')) return 'stream-token';
  return undefined;
}

/** Parameters name nothing that exists, so an admin request is let in but changes nothing. */
function concreteUrl(url: string): string {
  return url
    .replace(/:id\b/g, randomUUID())
    .replace(/:deliveryId\b/g, randomUUID())
    .replace(/:env\b/g, 'no-such-env')
    .replace(/:segmentKey\b/g, 'no-such-segment')
    .replace(/:key\b/g, 'no-such-flag')
    .replace(/:secret\b/g, generateSecret('admin').replace(/^sy_admin_/, 'sy_trigger_'))
    .replace(/\*$/, 'index.html');
}

const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);
const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/**
 * What each write needs, as README's Security section states it: the role, and where it must be held:
 * in the environment the route names (`env`), in some environment (`any`) or in every one (`every`).
 * Release plan and scheduled change operations need it in their plan's or change's environment; the
 * matrix names none that exists, so there it is `any` (see the test of those routes below).
 */
function writeNeed(method: string, url: string): [Role, 'env' | 'any' | 'every'] | undefined {
  if (url.startsWith('/api/tokens') || url.startsWith('/api/webhooks') || url === '/api/environments') return ['admin', 'every'];
  if (url === '/api/environments/:env') return ['admin', 'env'];
  if (url.startsWith('/api/environments/:env/segments')) return ['editor', 'env'];
  if (url === '/api/flags' && method === 'POST') return ['editor', 'any'];
  if (/^\/api\/flags\/:key(?:\/archive|\/restore)?$/.test(url)) return ['editor', 'every'];
  if (url.startsWith('/api/flags/:key/environments/:env')) return ['editor', 'env'];
  if (url.startsWith('/api/release-templates')) return ['editor', 'any'];
  if (url.startsWith('/api/release-plans/:id/') || url === '/api/scheduled-changes/:id') return ['editor', 'any'];
  return undefined;
}

/** A person's answer: reads for everyone, writes by role (the matrix's `:env` is an environment nobody names). */
function personExpected(c: Credential, method: string, url: string): 'allowed' | 401 | 403 | 'csrf' {
  const roles = PEOPLE[c];
  if (!roles) return c.includes('key') ? 403 : 401;
  if (!isWrite(method)) return 'allowed';
  if (c === 'admin session without CSRF') return 'csrf';
  const need = writeNeed(method, url);
  if (!need) return 403; // fails below: every write must be decided
  const held = [roles.role, ...Object.values(roles.environmentRoles)].map((role) => RANK[role]);
  const has = need[1] === 'env' ? RANK[roles.role] : need[1] === 'any' ? Math.max(...held) : Math.min(...held);
  return has >= RANK[need[0]] ? 'allowed' : 403;
}

const expected: Record<Exclude<Kind, 'websocket' | 'person'>, (c: Credential, method: string) => 'allowed' | 401 | 403 | 404 | 'any'> = {
  public: () => 'allowed',
  // Sign-in takes no credential (the body's `{}` is 400); GET needs a live session cookie; sign-out always answers.
  session: (c, method) => (method === 'POST' || method === 'DELETE' || ACTIVE_SESSIONS.includes(c) ? 'allowed' : 401),
  // A trigger call: the secret in the path is the credential and any Authorization header is ignored,
  // so an unknown secret is 404 with every credential, an admin token included.
  'secret-in-path': () => 404,
  // An OFREP event stream: the signed token in its URL is the credential (EventSource sends no
  // headers), so without one every credential, an SDK key included, is 401.
  'stream-token': () => 401,
  preflight: () => 'allowed',
  // People's tokens (any role) are refused by the SDK routes; a session cookie is no credential there.
  'server-sdk': (c) => (c.startsWith('server key') ? 'allowed' : bearerPerson(c) || c === 'client key A' ? 403 : 401),
  'client-sdk': (c) => (c === 'client key A' ? 'allowed' : bearerPerson(c) || c.startsWith('server key') ? 403 : 401),
  'any-sdk': (c) => (c.includes('key') ? 'allowed' : bearerPerson(c) ? 403 : 401),
};

describe('the route x credential matrix', () => {
  it('classifies every registered route, and finds the admin, SDK and public ones', () => {
    const routes = t.app.registeredRoutes;
    const unclassified = routes.filter((r) => kindOf(r.method, r.url) === undefined);
    expect(unclassified).toEqual([]);
    const urls = new Set(routes.map((r) => r.url));
    for (const url of [
      '/api/flags',
      '/api/tokens/:id',
      '/api/environments/:env/segments',
      '/api/webhooks/:id/deliveries/:deliveryId/redeliver',
      '/sdk/snapshot',
      '/sdk/evaluate',
      '/sdk/metrics',
      '/sdk/stream',
      '/healthz',
      '/docs',
      '/triggers/:secret',
      '/ofrep/v1/evaluate/flags',
      '/ofrep/v1/evaluate/flags/:key',
      '/ofrep/v1/events',
    ]) {
      expect(urls).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(30);
    // Changing a person's roles is a token write: admins of every environment only (writeNeed, below).
    expect(routes.some((r) => r.method === 'PATCH' && r.url === '/api/tokens/:id')).toBe(true);
    expect(writeNeed('PATCH', '/api/tokens/:id')).toEqual(['admin', 'every']);
  });

  it('lets each credential reach exactly what it should on every HTTP route', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { method, url } of t.app.registeredRoutes) {
      const kind = kindOf(method, url)!;
      if (kind === 'websocket') continue;
      for (const credential of CREDENTIALS) {
        // Signing out would end the session the rest of the matrix uses: the sessions tests do it.
        if (isSessionRoute(url) && method === 'DELETE' && ACTIVE_SESSIONS.includes(credential)) continue;
        const res = await t.app.inject({
          method: method as 'GET',
          url: concreteUrl(url),
          headers: {
            ...headersFor(credential),
            ...(['POST', 'PUT', 'PATCH'].includes(method) ? { 'content-type': 'application/json' } : {}),
          },
          ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: '{}' } : {}),
        });
        const want = kind === 'person' ? personExpected(credential, method, url) : expected[kind](credential, method);
        const status = want === 'csrf' ? 403 : want;
        const ok =
          status === 'allowed' ? res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500 : res.statusCode === status;
        if (!ok) failures.push(`${method} ${url} with ${credential}: ${res.statusCode} (wanted ${want}) ${res.body.slice(0, 120)}`);
        if (method !== 'HEAD' && (res.statusCode === 401 || res.statusCode === 403)) {
          const body = res.json();
          const code = res.statusCode === 401 ? 'unauthorized' : want === 'csrf' ? 'csrf' : 'forbidden';
          if (body.error !== code) failures.push(`${method} ${url} with ${credential}: error code ${body.error}`);
        }
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(900);
  }, 120_000);

  it('has decided every write in one table (auth/permissions.ts), and the matrix states each decision', () => {
    const writes = t.app.registeredRoutes.filter((r) => r.url.startsWith('/api/') && !isSessionRoute(r.url) && isWrite(r.method));
    expect(writes.length).toBeGreaterThan(30);
    expect(writes.filter((r) => !writeRuleFor(r.method, r.url)).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(writes.filter((r) => !writeNeed(r.method, r.url)).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('lets an editor of staging write there, and only read production, on every route naming an environment', async () => {
    const failures: string[] = [];
    const routes = t.app.registeredRoutes.filter((r) => r.url.startsWith('/api/') && r.url.includes(':env'));
    for (const { method, url } of routes) {
      for (const env of [ENV_A, ENV_B]) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: concreteUrl(url).replace('no-such-env', env),
          headers: { ...headersFor('staging editor'), ...(isWrite(method) ? { 'content-type': 'application/json' } : {}) },
          ...(isWrite(method) && method !== 'DELETE' ? { payload: '{}' } : {}),
        });
        const [needed] = isWrite(method) ? writeNeed(method, url)! : (['viewer'] as const);
        const allowed = !isWrite(method) || (env === ENV_B && needed === 'editor');
        const ok = allowed ? ![401, 403].includes(res.statusCode) && res.statusCode < 500 : res.statusCode === 403;
        if (!ok)
          failures.push(`${method} ${url} in ${env}: ${res.statusCode} (wanted ${allowed ? 'allowed' : 403}) ${res.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(routes.length).toBeGreaterThan(20);
  }, 60_000);

  it('says in a 403 which role the request needs, where, and what the token is there', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/flags/any/environments/production',
      headers: headersFor('staging editor'),
      payload: {},
    });
    expect(put.statusCode).toBe(403);
    expect(put.json()).toMatchObject({
      error: 'forbidden',
      message: 'PUT /api/flags/:key/environments/:env needs the editor role in environment production; your token is a viewer there',
    });
    const archive = await t.app.inject({
      method: 'POST',
      url: '/api/flags/any/archive',
      headers: headersFor('staging editor'),
      payload: {},
    });
    expect(archive.json().message).toBe(
      'POST /api/flags/:key/archive needs the editor role in every environment; your token is a viewer by default',
    );
    const token = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: headersFor('editor'), payload: {} });
    expect(token.json().message).toBe('POST /api/tokens needs the admin role in every environment; your token is an editor by default');
    const csrf = await t.app.inject({ method: 'POST', url: '/api/flags', headers: headersFor('admin session without CSRF'), payload: {} });
    expect(csrf.statusCode).toBe(403);
    expect(csrf.json().error).toBe('csrf');
  });

  it('judges release plan and scheduled change operations by the environment of the plan or change', async () => {
    await createFlag(t, { key: 'scoped' });
    const inEnv = async (env: string) => {
      const plan = await t.request('POST', `/api/flags/scoped/environments/${env}/release-plans`, {
        body: { stages: [{ percentage: 5, holdMinutes: 60 }] },
      });
      expect(plan.statusCode, plan.body).toBe(201);
      const change = await t.request('POST', `/api/flags/scoped/environments/${env}/scheduled-changes`, {
        body: { at: new Date(Date.now() + 3_600_000).toISOString(), instructions: [{ kind: 'turnOff' }] },
      });
      expect(change.statusCode, change.body).toBe(201);
      return { plan: plan.json().id as string, change: change.json().id as string };
    };
    const production = await inEnv(ENV_A);
    const staging = await inEnv(ENV_B);
    const as = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload: object) =>
      t.app.inject({ method, url, headers: headersFor('staging editor'), payload });

    const refused = await as('POST', `/api/release-plans/${production.plan}/pause`, {});
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toContain('needs the editor role in environment production; your token is a viewer there');
    expect((await as('PATCH', `/api/scheduled-changes/${production.change}`, { comment: 'x' })).statusCode).toBe(403);
    expect((await as('DELETE', `/api/scheduled-changes/${production.change}`, {})).statusCode).toBe(403);

    expect((await as('POST', `/api/release-plans/${staging.plan}/pause`, {})).statusCode).toBe(200);
    expect((await as('PATCH', `/api/scheduled-changes/${staging.change}`, { comment: 'x' })).statusCode).toBe(200);
    expect((await as('DELETE', `/api/scheduled-changes/${staging.change}`, {})).statusCode).toBeLessThan(300);
  });

  it('gives an SDK key its own environment only: server key B never sees environment A', async () => {
    for (const [credential, env] of [
      ['server key A', ENV_A],
      ['server key B', ENV_B],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: headersFor(credential) });
      expect(res.statusCode).toBe(200);
      expect(res.json().environment).toBe(env);
    }
    const evaluation = await t.app.inject({
      method: 'POST',
      url: '/sdk/evaluate',
      headers: headersFor('client key A'),
      payload: { context: { key: 'u1' } },
    });
    expect(evaluation.statusCode).toBe(200);
    expect(evaluation.json().environment).toBe(ENV_A);
  });

  it('says in a 403 which kind of credential the route needs and which it was given, in words', async () => {
    const messageOf = async (method: 'GET' | 'POST', url: string, credential: Credential) => {
      const res = await t.app.inject({ method, url, headers: headersFor(credential), ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode).toBe(403);
      return res.json().message;
    };
    expect(await messageOf('GET', '/api/flags', 'server key A')).toBe('This route needs an admin token; a server SDK key cannot use it');
    expect(await messageOf('GET', '/api/flags', 'client key A')).toBe('This route needs an admin token; a client key cannot use it');
    expect(await messageOf('GET', '/sdk/snapshot', 'admin')).toBe('This route needs a server SDK key; an admin token cannot use it');
    expect(await messageOf('GET', '/sdk/snapshot', 'client key A')).toBe('This route needs a server SDK key; a client key cannot use it');
    expect(await messageOf('POST', '/sdk/evaluate', 'admin')).toBe('This route needs a client key; an admin token cannot use it');
    expect(await messageOf('POST', '/sdk/evaluate', 'server key A')).toBe('This route needs a client key; a server SDK key cannot use it');
    expect(await messageOf('POST', '/sdk/metrics', 'admin')).toBe(
      'This route needs a server SDK key or a client key; an admin token cannot use it',
    );
  });

  it('opens the stream to server keys only (a plain GET is 426 whatever the credential)', async () => {
    for (const credential of CREDENTIALS) {
      const res = await t.app.inject({ method: 'GET', url: '/sdk/stream', headers: headersFor(credential) });
      expect(res.statusCode).toBe(426);
    }
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const outcome = (credential: Credential) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/sdk/stream`, { headers: headersFor(credential) });
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { type: string; snapshot?: { environment: string } };
          if (message.type === 'snapshot') {
            resolve(`snapshot:${message.snapshot?.environment}`);
            socket.close();
          }
        });
        socket.on('close', (code) => resolve(`closed:${code}`));
        socket.on('error', (error) => resolve(`error:${error.message}`));
      });
    const results = Object.fromEntries(await Promise.all(CREDENTIALS.map(async (c) => [c, await outcome(c)] as const)));
    for (const credential of CREDENTIALS) {
      if (credential.startsWith('server key')) expect(results[credential], credential).toMatch(/^snapshot:/);
      else if (credential !== 'none') expect(results[credential], credential).toBe('closed:4401');
    }
    expect(results['server key A']).toBe(`snapshot:${ENV_A}`);
    expect(results['server key B']).toBe(`snapshot:${ENV_B}`);
  }, 30_000);
});
