/**
 * Every route the app registers (read from the app itself, so a new route cannot escape) against
 * every kind of credential, with environments crossed.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

type Credential = 'none' | 'malformed' | 'unknown' | 'revoked admin' | 'admin' | 'server key A' | 'server key B' | 'client key A';
const CREDENTIALS: Credential[] = [
  'none',
  'malformed',
  'unknown',
  'revoked admin',
  'admin',
  'server key A',
  'server key B',
  'client key A',
];
const ENV_A = 'production';
const ENV_B = 'staging';

let t: TestApp;
let headersFor: (credential: Credential) => Record<string, string>;

beforeAll(async () => {
  // The matrix fails authentication hundreds of times from one address: the limiter is tested elsewhere.
  t = await createTestApp({ authRateLimit: { maxFailures: 1_000_000 } });
  const created = await t.request('POST', '/api/tokens', { body: { name: 'second admin', kind: 'admin' } });
  expect(created.statusCode).toBe(201);
  const revokedAdmin = created.json().secret as string;
  expect((await t.request('GET', '/api/flags', { token: revokedAdmin })).statusCode).toBe(200);
  expect((await t.request('DELETE', `/api/tokens/${created.json().id}`)).statusCode).toBe(200);

  const secrets: Partial<Record<Credential, string>> = {
    unknown: generateSecret('admin'),
    'revoked admin': revokedAdmin,
    admin: t.adminToken,
    'server key A': await t.createToken('server', ENV_A),
    'server key B': await t.createToken('server', ENV_B),
    'client key A': await t.createToken('client', ENV_A),
  };
  headersFor = (credential): Record<string, string> =>
    credential === 'none'
      ? {}
      : credential === 'malformed'
        ? { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }
        : { authorization: `Bearer ${secrets[credential] ?? ''}` };
});
afterAll(async () => {
  await t?.close();
});

type Kind = 'public' | 'admin' | 'server-sdk' | 'client-sdk' | 'any-sdk' | 'preflight' | 'websocket' | 'secret-in-path';

/** Which credential each route takes; a route that fits none of these fails the test. */
function kindOf(method: string, url: string): Kind | undefined {
  if (url === '/healthz' || url === '/readyz' || url === '/docs' || url.startsWith('/docs/')) return 'public';
  if (url.startsWith('/api/')) return 'admin';
  if (url === '/sdk/snapshot' && (method === 'GET' || method === 'HEAD')) return 'server-sdk';
  if (url === '/sdk/evaluate' && method === 'POST') return 'client-sdk';
  if (url === '/sdk/metrics' && method === 'POST') return 'any-sdk';
  if ((url === '/sdk/evaluate' || url === '/sdk/metrics') && method === 'OPTIONS') return 'preflight';
  if (url === '/sdk/stream') return 'websocket';
  if (url === '/triggers/:secret' && method === 'POST') return 'secret-in-path';
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

const expected: Record<Exclude<Kind, 'websocket'>, (c: Credential) => 'allowed' | 401 | 403 | 404 | 'any'> = {
  public: () => 'allowed',
  // A trigger call: the secret in the path is the credential and any Authorization header is ignored,
  // so an unknown secret is 404 with every credential, an admin token included.
  'secret-in-path': () => 404,
  preflight: () => 'allowed',
  admin: (c) => (c === 'admin' ? 'allowed' : c.includes('key') ? 403 : 401),
  'server-sdk': (c) => (c.startsWith('server key') ? 'allowed' : c === 'admin' || c === 'client key A' ? 403 : 401),
  'client-sdk': (c) => (c === 'client key A' ? 'allowed' : c === 'admin' || c.startsWith('server key') ? 403 : 401),
  'any-sdk': (c) => (c.includes('key') ? 'allowed' : c === 'admin' ? 403 : 401),
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
    ]) {
      expect(urls).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(30);
  });

  it('lets each credential reach exactly what it should on every HTTP route', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { method, url } of t.app.registeredRoutes) {
      const kind = kindOf(method, url)!;
      if (kind === 'websocket') continue;
      for (const credential of CREDENTIALS) {
        const res = await t.app.inject({
          method: method as 'GET',
          url: concreteUrl(url),
          headers: {
            ...headersFor(credential),
            ...(['POST', 'PUT', 'PATCH'].includes(method) ? { 'content-type': 'application/json' } : {}),
          },
          ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: '{}' } : {}),
        });
        const want = expected[kind](credential);
        const ok = want === 'allowed' ? res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500 : res.statusCode === want;
        if (!ok) failures.push(`${method} ${url} with ${credential}: ${res.statusCode} (wanted ${want}) ${res.body.slice(0, 120)}`);
        if (method !== 'HEAD' && (res.statusCode === 401 || res.statusCode === 403)) {
          const body = res.json();
          if (body.error !== (res.statusCode === 401 ? 'unauthorized' : 'forbidden'))
            failures.push(`${method} ${url}: error code ${body.error}`);
        }
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  }, 60_000);

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
