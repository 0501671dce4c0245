/**
 * A full scenario against an app logging at `trace` into memory; afterwards no secret and no secret
 * hash may appear in the log, in any error answer, in the audit log or in any URL requested.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateSecret, hashSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { startReceiver } from '../webhooks/receiver.ts';

const logLines: string[] = [];
const stream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let t: TestApp;
const secrets: string[] = [];
const errorAnswers: string[] = [];
const urls: string[] = [];

async function call(method: string, url: string, token: string | null, body?: unknown) {
  urls.push(url);
  const res = await t.request(method, url, { token, ...(body === undefined ? {} : { body }) });
  if (res.statusCode >= 400) errorAnswers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
  return res;
}

beforeAll(async () => {
  t = await createTestApp({ logger: { level: 'trace', stream }, authRateLimit: { maxFailures: 5 } });
  secrets.push(t.adminToken);

  // Create tokens of every kind, and use them.
  const created: { id: string; secret: string }[] = [];
  for (const body of [
    { name: 'ops', kind: 'admin' },
    { name: 'backend', kind: 'server', environment: 'production' },
    { name: 'web', kind: 'client', environment: 'production' },
  ]) {
    const res = await call('POST', '/api/tokens', t.adminToken, body);
    expect(res.statusCode).toBe(201);
    created.push(res.json());
    secrets.push(res.json().secret);
  }
  const [admin2, server, client] = created as [
    { id: string; secret: string },
    { id: string; secret: string },
    { id: string; secret: string },
  ];
  expect((await call('GET', '/api/flags', admin2.secret)).statusCode).toBe(200);
  expect((await call('GET', '/sdk/snapshot', server.secret)).statusCode).toBe(200);
  expect((await call('POST', '/sdk/evaluate', client.secret, { context: { key: 'u' } })).statusCode).toBe(200);

  // Keys in query strings, where some clients put them: refused (only the Authorization header counts), and
  // kept out of the log although each request is logged with its URL.
  for (const [method, url] of [
    ['GET', `/api/flags?token=${admin2.secret}`],
    ['GET', `/sdk/snapshot?sdkKey=${server.secret}`],
    ['POST', `/sdk/evaluate?clientKey=${client.secret}`],
    ['GET', `/sdk/stream?sdkKey=${server.secret}`],
    ['GET', `/api/environments?limit=5&${t.adminToken}`],
  ] as const) {
    const res = await t.app.inject({ method, url, ...(method === 'POST' ? { payload: { context: { key: 'u' } } } : {}) });
    expect([401, 426]).toContain(res.statusCode);
    errorAnswers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
  }
  // The same on a real websocket upgrade, which Fastify handles (and logs) as a request too.
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  const wrongKey = generateSecret('server');
  secrets.push(wrongKey);
  const closeCode = await new Promise<number>((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/sdk/stream?sdkKey=${server.secret}`, {
      headers: { authorization: `Bearer ${wrongKey}` },
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', () => {});
  });
  expect([4401, 4429]).toContain(closeCode);

  // Wrong ones: unknown, wrong kind, malformed, past the rate limit.
  const unknown = generateSecret('admin');
  secrets.push(unknown);
  for (let i = 0; i < 8; i++) await call('GET', '/api/environments', unknown);
  await call('GET', '/api/environments', server.secret);
  await call('GET', '/sdk/snapshot', client.secret);
  await call('GET', '/api/environments', `${t.adminToken}x`);
  secrets.push(`${t.adminToken}x`);

  // Validation failures carrying a secret in body fields.
  await call('POST', '/api/tokens', t.adminToken, { name: 'leak', kind: t.adminToken });
  await call('POST', '/api/environments', t.adminToken, { key: 'leaky', name: 'x', secret: admin2.secret });
  await call('PUT', '/api/flags/nope/environments/production', t.adminToken, { on: true, secret: server.secret });

  // Flag triggers: the secret is in the path, and a request is logged with its URL. Called as alerting
  // systems do, misspelt on the way to the router, with the secret echoed in the body, revoked, guessed.
  expect((await call('POST', '/api/flags', t.adminToken, { key: 'leaky-flag', name: 'Leaky', kind: 'boolean' })).statusCode).toBe(201);
  const trigger = await call('POST', '/api/flags/leaky-flag/environments/production/triggers', t.adminToken, {
    name: 'pager',
    action: 'turn-off',
  });
  expect(trigger.statusCode).toBe(201);
  const triggerSecret = trigger.json().secret as string;
  secrets.push(triggerSecret);
  // The call's own URL holds the secret by design, so it is not added to `urls`.
  const callTrigger = async (url: string, body?: unknown) => {
    const res = await t.request('POST', url, { token: null, ...(body === undefined ? {} : { body }) });
    if (res.statusCode >= 400) errorAnswers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
    return res;
  };
  const firing = { version: '4', status: 'firing', alerts: [{ labels: { alertname: 'Errors', url: `/triggers/${triggerSecret}` } }] };
  for (const url of [
    `/triggers/${triggerSecret}`,
    `/triggers/${triggerSecret}?source=${triggerSecret}`,
    `/%74riggers/${triggerSecret}`,
    `//triggers/${triggerSecret}`,
    `/TRIGGERS/${triggerSecret}`,
    `/triggers/${triggerSecret}/`,
  ]) {
    expect([202, 404]).toContain((await callTrigger(url, firing)).statusCode);
  }
  expect((await callTrigger(`/triggers/${triggerSecret}`, { status: 'resolved', secret: triggerSecret })).statusCode).toBe(202);
  const unknownTrigger = `sy_trigger_${generateSecret('admin').slice('sy_admin_'.length)}`;
  secrets.push(unknownTrigger);
  expect([404, 429]).toContain((await callTrigger(`/triggers/${unknownTrigger}`)).statusCode);
  expect(
    (await call('DELETE', `/api/flags/leaky-flag/environments/production/triggers/${trigger.json().id}`, t.adminToken)).statusCode,
  ).toBe(200);
  expect([404, 429]).toContain((await callTrigger(`/triggers/${triggerSecret}`)).statusCode);

  // Outgoing webhooks: the signing secret is shown at creation and rotation, signs each delivery, and is
  // sent back in a refused body.
  const receiver = await startReceiver();
  const webhook = await call('POST', '/api/webhooks', t.adminToken, {
    name: 'leaky hook',
    url: receiver.url,
    events: ['*'],
    format: 'json',
  });
  expect(webhook.statusCode).toBe(201);
  secrets.push(webhook.json().signingSecret);
  const rotatedHook = await call('POST', `/api/webhooks/${webhook.json().id}/rotate-secret`, t.adminToken);
  secrets.push(rotatedHook.json().signingSecret);
  const echoed = await call('PATCH', `/api/webhooks/${webhook.json().id}`, t.adminToken, {
    signingSecret: rotatedHook.json().signingSecret,
  });
  expect(echoed.statusCode).toBe(400);
  await until('the webhook deliveries', () => receiver.received.length >= 2); // webhook.created, webhook.secret-rotated
  await receiver.close();

  // Rotate and revoke, then use the dead secrets.
  const rotated = await call('POST', `/api/tokens/${server.id}/rotate`, t.adminToken);
  secrets.push(rotated.json().secret);
  expect((await call('DELETE', `/api/tokens/${admin2.id}`, t.adminToken)).statusCode).toBe(200);
  expect([401, 429]).toContain((await call('GET', '/api/flags', admin2.secret)).statusCode); // 429: over the limit by now
  expect([401, 429]).toContain((await call('GET', '/sdk/snapshot', server.secret)).statusCode); // SDK routes share the limit

  // A console session: the personal token in a body once, then the cookie and the CSRF token on each request.
  urls.push('/api/session');
  const signIn = await t.request('POST', '/api/session', { token: null, body: { token: t.adminToken } });
  expect(signIn.statusCode).toBe(200);
  const sessionSecret = /^sy_session=([^;]+);/.exec(String(signIn.headers['set-cookie']))![1]!;
  const csrfToken = signIn.json().csrfToken as string;
  secrets.push(sessionSecret, csrfToken);
  const asSession = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    urls.push(url);
    const res = await t.request(method, url, { token: null, headers: { cookie: `sy_session=${sessionSecret}`, ...headers }, body });
    if (res.statusCode >= 400) errorAnswers.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
    return res;
  };
  expect((await asSession('GET', '/api/session', {})).statusCode).toBe(200);
  expect(
    (await asSession('POST', '/api/flags', { 'x-csrf-token': csrfToken }, { key: 'by-session', name: 'x', kind: 'boolean' })).statusCode,
  ).toBe(201);
  expect(
    (await asSession('POST', '/api/flags', { 'x-csrf-token': `${csrfToken}x` }, { key: 'csrf', name: 'x', kind: 'boolean' })).statusCode,
  ).toBe(403);
  expect(
    (await asSession('POST', '/api/flags', { 'x-csrf-token': csrfToken }, { key: 'bad key!', name: csrfToken, kind: 'boolean' }))
      .statusCode,
  ).toBe(400);
  const badSignIn = await call('POST', '/api/session', null, { token: `${t.adminToken}y` });
  expect([401, 429]).toContain(badSignIn.statusCode); // 429: over the limit by now
  secrets.push(`${t.adminToken}y`);
  expect((await asSession('DELETE', '/api/session', { 'x-csrf-token': csrfToken })).statusCode).toBe(204);
  expect([401, 429]).toContain((await asSession('GET', '/api/flags', {})).statusCode); // signed out
});
afterAll(async () => {
  await t?.close();
});

describe('secrets never leak', () => {
  it('captured a real trace log of the scenario', () => {
    const log = logLines.join('');
    expect(t.app.log.level).toBe('trace');
    expect(log).toContain('request completed');
    expect(log).toContain('/api/tokens');
    expect(log).toContain('"url":"/sdk/snapshot?sdkKey=[redacted]"');
    expect(log).toContain('"url":"/api/environments?limit=[redacted]&[redacted]"');
    expect(log).toContain('"url":"/triggers/[redacted]","statusCode":202');
    expect(log).toContain('"url":"/triggers/[redacted]?source=[redacted]"');
  });

  it('no secret and no secret hash in the log, error answers, audit entries or URLs', async () => {
    const audit = JSON.stringify(await t.db.prisma.auditEvent.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const deliveries = JSON.stringify(await t.db.prisma.webhookDelivery.findMany());
    const places = { log: logLines.join(''), errorAnswers: errorAnswers.join('\n'), audit, deliveries, urls: urls.join('\n') };
    expect(errorAnswers.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      for (const [place, text] of Object.entries(places)) {
        expect(text.includes(secret), `secret ${secret.slice(0, 12)}… in ${place}`).toBe(false);
        expect(text.includes(hashSecret(secret)), `hash of ${secret.slice(0, 12)}… in ${place}`).toBe(false);
        // Not even the random part alone (the 16-character display prefix is meant to be shown).
        expect(text.includes(secret.slice(16)), `tail of ${secret.slice(0, 12)}… in ${place}`).toBe(false);
      }
    }
  });

  it('censors an Authorization header even when a request logger prints headers', () => {
    t.app.log.info({ req: { headers: { authorization: `Bearer ${t.adminToken}` } } }, 'headers');
    t.app.log.info({ token: { secret: t.adminToken } }, 'nested');
    t.app.log.info({ webhook: { id: 'w', signingSecret: t.adminToken } }, 'a webhook');
    t.app.log.info({ req: { headers: { cookie: `sy_session=${t.adminToken}`, 'x-csrf-token': t.adminToken } } }, 'session headers');
    t.app.log.info({ res: { headers: { 'set-cookie': `sy_session=${t.adminToken}; HttpOnly` } } }, 'set-cookie');
    t.app.log.info({ session: { csrfToken: t.adminToken }, body: { token: t.adminToken } }, 'session body');
    expect(logLines.join('')).not.toContain(t.adminToken);
    expect(logLines.join('')).toContain('[redacted]');
  });
});
