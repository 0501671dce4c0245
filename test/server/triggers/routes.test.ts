/**
 * Flag triggers over HTTP on the real database: created, listed and revoked by admins; called by
 * Alertmanager, Grafana or a plain POST with the secret in the path; every call audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths, dumpFlagState } from '../flags/helpers.ts';

type Created = { id: string; name: string; action: string; url: string; secret: string; secretPrefix: string; createdAt: string };

let t: TestApp;
let serverKey: string;
const secrets: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  serverKey = await t.createToken('server', 'production');
});
afterAll(async () => {
  await t?.close();
});

const triggersUrl = (flag: string, env = 'production') => `/api/flags/${flag}/environments/${env}/triggers`;

async function createTrigger(flag: string, name: string, action: string, env = 'production'): Promise<Created> {
  const res = await t.request('POST', triggersUrl(flag, env), { body: { name, action } });
  expect(res.statusCode, res.body).toBe(201);
  secrets.push(res.json().secret);
  return res.json();
}

/** Calls a trigger as an alerting system does: no Authorization header. */
function call(secret: string, body?: unknown, options: { contentType?: string; remoteAddress?: string } = {}) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = options.contentType ?? (body === undefined ? undefined : 'application/json');
  return t.app.inject({
    method: 'POST',
    url: `/triggers/${secret}`,
    remoteAddress: options.remoteAddress ?? '192.0.2.10',
    headers: contentType ? { 'content-type': contentType } : {},
    ...(payload === undefined ? {} : { payload }),
  });
}

async function setOn(flag: string, on: boolean, env = 'production') {
  const res = await t.request('POST', `/api/flags/${flag}/environments/${env}/toggle`, { body: { on } });
  expect(res.statusCode, res.body).toBe(200);
}

/** Whether the flag is on as server SDKs see it (GET /sdk/snapshot). */
async function onInSnapshot(flag: string): Promise<boolean> {
  const res = await t.request('GET', '/sdk/snapshot', { token: serverKey });
  expect(res.statusCode).toBe(200);
  return res.json().flags[flag].on;
}

const triggerAudit = (triggerId: string) =>
  t.db.prisma.auditEvent.findMany({ where: { resourceType: 'trigger', resourceKey: triggerId }, orderBy: { id: 'asc' } });

const alertmanager = (status: 'firing' | 'resolved') => ({
  receiver: 'switchyard',
  status,
  alerts: [
    {
      status,
      labels: { alertname: 'CheckoutErrorRate', severity: 'critical', service: 'checkout' },
      annotations: { summary: 'Checkout errors above 5 %' },
      startsAt: '2026-12-03T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: 'b1d2c3',
    },
  ],
  groupLabels: { alertname: 'CheckoutErrorRate' },
  commonLabels: { alertname: 'CheckoutErrorRate', severity: 'critical' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="CheckoutErrorRate"}',
  truncatedAlerts: 0,
});

const grafana = (status: 'firing' | 'resolved') => ({
  receiver: 'switchyard',
  status,
  orgId: 1,
  alerts: [
    {
      status,
      labels: { alertname: 'Search latency', grafana_folder: 'search' },
      annotations: {},
      startsAt: '2026-12-03T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://grafana:3000/alerting/grafana/abc/view',
      fingerprint: '57c6d9296de2ad39',
      silenceURL: 'http://grafana:3000/alerting/silence/new',
      values: { B: 1.2 },
    },
  ],
  groupLabels: { alertname: 'Search latency' },
  commonLabels: { alertname: 'Search latency' },
  commonAnnotations: {},
  externalURL: 'http://grafana:3000/',
  version: '1',
  groupKey: '{}:{alertname="Search latency"}',
  truncatedAlerts: 0,
  title: `[${status.toUpperCase()}:1] Search latency`,
  state: status === 'firing' ? 'alerting' : 'ok',
  message: '...',
});

describe('creating, listing and revoking triggers', () => {
  it('creates a trigger whose secret is in the creation answer only, stored as its hash', async () => {
    await createFlag(t, { key: 'new-checkout' });
    const created = await createTrigger('new-checkout', 'alertmanager: checkout errors', 'turn-off');
    expect(created).toMatchObject({ name: 'alertmanager: checkout errors', action: 'turn-off', flagKey: 'new-checkout' });
    expect(created.secret).toMatch(/^sy_trigger_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`/triggers/${created.secret}`);
    expect(created.secret.startsWith(created.secretPrefix)).toBe(true);
    expect(created.secretPrefix).toHaveLength('sy_trigger_'.length + 4);

    const stored = await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.secretHash).toBe(hashSecret(created.secret));
    expect(JSON.stringify(stored)).not.toContain(created.secret);

    const list = await t.request('GET', triggersUrl('new-checkout'));
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      {
        id: created.id,
        name: 'alertmanager: checkout errors',
        action: 'turn-off',
        flagKey: 'new-checkout',
        environmentKey: 'production',
        secretPrefix: created.secretPrefix,
        createdBy: expect.any(String),
        createdAt: created.createdAt,
        calls: 0,
        lastCalledAt: null,
        revoked: false,
        revokedAt: null,
      },
    ]);
    expect(list.body).not.toContain(created.secret.slice(created.secretPrefix.length));
    expect(list.body).not.toContain(stored.secretHash);
    // Another environment's triggers are its own.
    expect((await t.request('GET', triggersUrl('new-checkout', 'staging'))).json().items).toEqual([]);

    const [event] = await triggerAudit(created.id);
    expect(event).toMatchObject({ action: 'trigger.created', flagKey: 'new-checkout', environmentKey: 'production' });
    expect(event?.after).toMatchObject({ id: created.id, name: 'alertmanager: checkout errors', action: 'turn-off' });
  });

  it('revokes a trigger (audited once, idempotent), lists it flagged, and frees its name', async () => {
    await createFlag(t, { key: 'revocable' });
    const created = await createTrigger('revocable', 'pager', 'turn-off');
    const url = `${triggersUrl('revocable')}/${created.id}`;
    const revoked = await t.request('DELETE', url);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: created.id, revoked: true, revokedAt: expect.any(String) });
    const again = await t.request('DELETE', url);
    expect(again.json()).toEqual(revoked.json());
    expect((await triggerAudit(created.id)).map((e) => e.action)).toEqual(['trigger.created', 'trigger.revoked']);

    const replacement = await createTrigger('revocable', 'pager', 'turn-off');
    const items = (await t.request('GET', triggersUrl('revocable'))).json().items;
    expect(items.map((i: { id: string; revoked: boolean }) => [i.id, i.revoked])).toEqual([
      [created.id, true],
      [replacement.id, false],
    ]);
  });

  it('refuses a second active trigger of the same name on the flag and environment (409 naming body.name)', async () => {
    await createFlag(t, { key: 'named' });
    await createTrigger('named', 'pager', 'turn-off');
    const duplicate = await t.request('POST', triggersUrl('named'), { body: { name: 'pager', action: 'turn-on' } });
    expect(duplicate.statusCode).toBe(409);
    expect(detailPaths(duplicate.json())).toEqual(['body.name']);
    // The same name is fine on another environment.
    await createTrigger('named', 'pager', 'turn-off', 'staging');
    // Two creations of one name at once: one of them wins, whichever comes first.
    const racing = await Promise.all(
      [0, 1].map(() => t.request('POST', triggersUrl('named'), { body: { name: 'racer', action: 'turn-off' } })),
    );
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await t.db.prisma.flagTrigger.count({ where: { name: 'racer' } })).toBe(1);
  });

  it('refuses bad input with 400 naming the field, and changes nothing', async () => {
    await createFlag(t, { key: 'strict' });
    const before = await dumpFlagState(t);
    const cases: [unknown, string[]][] = [
      [{ name: 'x', action: 'explode' }, ['body.action']],
      [{ name: '', action: 'turn-off' }, ['body.name']],
      [{ name: '   ', action: 'turn-off' }, ['body.name']],
      [{ name: 'x'.repeat(201), action: 'turn-off' }, ['body.name']],
      [{ name: 7, action: 'turn-off' }, ['body.name']],
      [{ action: 'turn-off' }, ['body.name']],
      [{ name: 'x' }, ['body.action']],
      [{ name: 'x', action: 'turn-off', secret: 'mine' }, ['body']],
    ];
    for (const [body, paths] of cases) {
      const res = await t.request('POST', triggersUrl('strict'), { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toBe('validation_failed');
      expect(detailPaths(res.json()), JSON.stringify(body)).toEqual(paths);
    }
    const badId = await t.request('DELETE', `${triggersUrl('strict')}/not-a-uuid`);
    expect(badId.statusCode).toBe(400);
    expect(detailPaths(badId.json())).toEqual(['params.id']);
    expect(await dumpFlagState(t)).toBe(before);
    expect(await t.db.prisma.flagTrigger.count({ where: { flag: { key: 'strict' } } })).toBe(0);
  });

  it('answers 404 for an unknown flag, environment or trigger, and for a trigger of another flag or environment', async () => {
    await createFlag(t, { key: 'owner' });
    await createFlag(t, { key: 'other' });
    const trigger = await createTrigger('owner', 'pager', 'turn-off');
    const body = { name: 'x', action: 'turn-off' };
    expect((await t.request('POST', triggersUrl('no-such-flag'), { body })).statusCode).toBe(404);
    expect((await t.request('POST', triggersUrl('owner', 'no-such-env'), { body })).statusCode).toBe(404);
    expect((await t.request('GET', triggersUrl('no-such-flag'))).statusCode).toBe(404);
    for (const url of [
      `${triggersUrl('other')}/${trigger.id}`,
      `${triggersUrl('owner', 'staging')}/${trigger.id}`,
      `${triggersUrl('owner')}/00000000-0000-4000-8000-000000000000`,
    ]) {
      expect((await t.request('DELETE', url)).statusCode, url).toBe(404);
    }
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).revokedAt).toBeNull();
  });
});

describe('calling a trigger', () => {
  it('turns the flag off on a firing Alertmanager notification: SDKs see it off, the call is counted and audited', async () => {
    await createFlag(t, { key: 'am-flag' });
    await setOn('am-flag', true);
    expect(await onInSnapshot('am-flag')).toBe(true);
    const trigger = await createTrigger('am-flag', 'alertmanager', 'turn-off');

    const res = await call(trigger.secret, alertmanager('firing'));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ action: 'turned-off', flagKey: 'am-flag', environmentKey: 'production' });
    expect(await onInSnapshot('am-flag')).toBe(false);
    const config = await t.request('GET', '/api/flags/am-flag/environments/production');
    expect(config.json().on).toBe(false);

    const row = await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } });
    expect(row.calls).toBe(1);
    expect(row.lastCalledAt).not.toBeNull();

    // The toggle and the trigger's own event, both under the trigger's name, in one transaction (adjacent ids).
    const events = await t.db.prisma.auditEvent.findMany({ where: { flagKey: 'am-flag' }, orderBy: { id: 'asc' } });
    const [toggled, fired] = events.slice(-2);
    expect(toggled).toMatchObject({ action: 'flag.toggled', actor: 'trigger:alertmanager', environmentKey: 'production' });
    expect(fired).toMatchObject({
      action: 'trigger.fired',
      actor: 'trigger:alertmanager',
      resourceType: 'trigger',
      resourceKey: trigger.id,
    });
    expect(fired!.id - toggled!.id).toBe(1n);
    expect(fired?.after).toEqual({
      trigger: { id: trigger.id, name: 'alertmanager', action: 'turn-off' },
      outcome: 'turned-off',
      source: 'alertmanager',
      status: 'firing',
      alertCount: 1,
      alerts: [{ name: 'CheckoutErrorRate', status: 'firing', labels: { severity: 'critical', service: 'checkout' } }],
      configVersion: config.json().version,
    });

    // Firing again while the flag is already off: nothing to change, still counted and audited.
    const again = await call(trigger.secret, alertmanager('firing'));
    expect(again.json()).toEqual({ action: 'unchanged', flagKey: 'am-flag', environmentKey: 'production' });
    expect((await t.request('GET', '/api/flags/am-flag/environments/production')).json().version).toBe(config.json().version);
    expect((await triggerAudit(trigger.id)).map((e) => e.action)).toEqual(['trigger.created', 'trigger.fired', 'trigger.fired']);
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).calls).toBe(2);
  });

  it('ignores a resolved Alertmanager notification, audits it, and leaves the flag as it is', async () => {
    await createFlag(t, { key: 'am-resolved' });
    await setOn('am-resolved', true);
    const trigger = await createTrigger('am-resolved', 'alertmanager', 'turn-off');
    const version = (await t.request('GET', '/api/flags/am-resolved/environments/production')).json().version;

    const res = await call(trigger.secret, alertmanager('resolved'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      action: 'ignored',
      reason: 'status "resolved" is not "firing"',
      flagKey: 'am-resolved',
      environmentKey: 'production',
    });
    expect(await onInSnapshot('am-resolved')).toBe(true);
    expect((await t.request('GET', '/api/flags/am-resolved/environments/production')).json().version).toBe(version);
    const events = await triggerAudit(trigger.id);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['trigger.created', 'admin (SWITCHYARD_ADMIN_TOKEN)'],
      ['trigger.ignored', 'trigger:alertmanager'],
    ]);
    expect(events[1]?.after).toMatchObject({
      outcome: 'ignored',
      source: 'alertmanager',
      status: 'resolved',
      reason: 'status "resolved" is not "firing"',
    });
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).calls).toBe(1);
  });

  it('acts on a firing Grafana notification and ignores its resolution', async () => {
    await createFlag(t, { key: 'grafana-flag' });
    await setOn('grafana-flag', true);
    const trigger = await createTrigger('grafana-flag', 'grafana', 'turn-off');

    const resolved = await call(trigger.secret, grafana('resolved'));
    expect(resolved.json()).toMatchObject({ action: 'ignored' });
    expect(await onInSnapshot('grafana-flag')).toBe(true);

    const firing = await call(trigger.secret, grafana('firing'));
    expect(firing.statusCode).toBe(202);
    expect(firing.json()).toEqual({ action: 'turned-off', flagKey: 'grafana-flag', environmentKey: 'production' });
    expect(await onInSnapshot('grafana-flag')).toBe(false);
    const fired = (await triggerAudit(trigger.id)).at(-1);
    expect(fired?.after).toMatchObject({
      outcome: 'turned-off',
      source: 'grafana',
      status: 'firing',
      alerts: [{ name: 'Search latency', status: 'firing', labels: { grafana_folder: 'search' } }],
    });
  });

  it('acts on a plain POST: no body, an empty JSON body, JSON without status, or a form body it does not read', async () => {
    await createFlag(t, { key: 'plain-flag' });
    const trigger = await createTrigger('plain-flag', 'deploy bot', 'turn-on');
    const plain: [unknown, string | undefined][] = [
      [undefined, undefined],
      ['', 'application/json'],
      [{ reason: 'manual' }, undefined],
      ['', 'application/x-www-form-urlencoded'],
      ['reason=manual', 'application/x-www-form-urlencoded'],
      ['turn it on', 'text/plain'],
    ];
    const outcomes: string[] = [];
    for (const [body, contentType] of plain) {
      await setOn('plain-flag', false);
      const res = await call(trigger.secret, body, contentType ? { contentType } : {});
      expect(res.statusCode, `${JSON.stringify(body)} ${contentType}: ${res.body}`).toBe(202);
      outcomes.push(res.json().action);
      expect(await onInSnapshot('plain-flag')).toBe(true);
    }
    expect(outcomes).toEqual(plain.map(() => 'turned-on'));
    const fired = (await triggerAudit(trigger.id)).at(-1);
    expect(fired?.after).toMatchObject({ outcome: 'turned-on', source: 'plain', status: null, alertCount: 0, alerts: [] });
  });

  it('answers the placeholder rollback with no-release-plan while release plans are not wired', async () => {
    await createFlag(t, { key: 'rollback-flag' });
    await setOn('rollback-flag', true);
    const trigger = await createTrigger('rollback-flag', 'guard', 'rollback-release');
    const res = await call(trigger.secret, alertmanager('firing'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ action: 'no-release-plan', flagKey: 'rollback-flag', environmentKey: 'production' });
    expect(await onInSnapshot('rollback-flag')).toBe(true);
    expect((await triggerAudit(trigger.id)).at(-1)).toMatchObject({ action: 'trigger.fired', after: { outcome: 'no-release-plan' } });
  });

  it('answers 404 to a revoked trigger and changes nothing', async () => {
    await createFlag(t, { key: 'revoked-flag' });
    await setOn('revoked-flag', true);
    const trigger = await createTrigger('revoked-flag', 'pager', 'turn-off');
    expect((await t.request('DELETE', `${triggersUrl('revoked-flag')}/${trigger.id}`)).statusCode).toBe(200);
    const before = await dumpFlagState(t);
    const beforeRow = await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } });

    for (const body of [alertmanager('firing'), undefined]) {
      const res = await call(trigger.secret, body);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found', message: 'Not found', details: [] });
    }
    expect(await dumpFlagState(t)).toBe(before);
    expect(await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).toEqual(beforeRow);
    expect(await onInSnapshot('revoked-flag')).toBe(true);
  });

  it('refuses a call on an archived flag (409) and audits the failure', async () => {
    await createFlag(t, { key: 'archived-flag' });
    await setOn('archived-flag', true);
    const trigger = await createTrigger('archived-flag', 'pager', 'turn-off');
    expect((await t.request('POST', '/api/flags/archived-flag/archive')).statusCode).toBe(200);
    const res = await call(trigger.secret);
    expect(res.statusCode).toBe(409);
    const failed = (await triggerAudit(trigger.id)).at(-1);
    expect(failed).toMatchObject({
      action: 'trigger.failed',
      actor: 'trigger:pager',
      after: { outcome: 'failed', error: expect.stringContaining('archived') },
    });
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).calls).toBe(1);
  });

  it('refuses a body that is not valid JSON (400) or too large (413), doing nothing', async () => {
    await createFlag(t, { key: 'bodies' });
    await setOn('bodies', true);
    const trigger = await createTrigger('bodies', 'pager', 'turn-off');
    const invalid = await call(trigger.secret, '{"status": "firing"', { contentType: 'application/json' });
    expect(invalid.statusCode).toBe(400);
    expect(detailPaths(invalid.json())).toEqual(['body']);
    const large = await call(trigger.secret, { status: 'firing', padding: 'x'.repeat(300 * 1024) });
    expect(large.statusCode).toBe(413);
    expect(await onInSnapshot('bodies')).toBe(true);
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: trigger.id } })).calls).toBe(0);
  });

  it('ignores the Authorization header: an admin token does not make an unknown secret work', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/triggers/sy_trigger_unknown',
      remoteAddress: '192.0.2.20',
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'Not found', details: [] });
  });
});

describe('the API document', () => {
  it('lists the admin routes under the admin token and the call as needing none', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    const admin = doc.paths['/api/flags/{key}/environments/{env}/triggers/'];
    expect(Object.keys(admin)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(admin.post.tags).toEqual(['triggers']);
    expect(doc.paths['/api/flags/{key}/environments/{env}/triggers/{id}'].delete.tags).toEqual(['triggers']);
    const publicCall = doc.paths['/triggers/{secret}'].post;
    expect(publicCall.security).toEqual([]);
    expect(Object.keys(publicCall.responses)).toEqual(expect.arrayContaining(['202', '404']));
  });
});

describe('secrets and guessing', () => {
  it('counts an unknown secret as a failed authentication: 429 past the limit, while a real trigger keeps working', async () => {
    const limited = await createTestApp({ authRateLimit: { maxFailures: 3 } });
    try {
      const flag = await limited.request('POST', '/api/flags', { body: { key: 'guarded', name: 'Guarded', kind: 'boolean' } });
      expect(flag.statusCode).toBe(201);
      const created = await limited.request('POST', triggersUrl('guarded'), { body: { name: 'pager', action: 'turn-on' } });
      const { secret } = created.json() as Created;
      const post = (path: string, remoteAddress: string) => limited.app.inject({ method: 'POST', url: `/triggers/${path}`, remoteAddress });

      for (let i = 0; i < 3; i++) expect((await post(`sy_trigger_guess${i}`, '203.0.113.5')).statusCode).toBe(404);
      const over = await post('sy_trigger_guess3', '203.0.113.5');
      expect(over.statusCode).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      // A revoked-looking or unknown secret and an admin route share the window: the address is limited everywhere.
      expect((await limited.app.inject({ method: 'GET', url: '/api/flags', remoteAddress: '203.0.113.5' })).statusCode).toBe(429);
      // The real secret still works from that address; another address is not limited.
      expect((await post(secret, '203.0.113.5')).json()).toMatchObject({ action: 'turned-on' });
      expect((await post('sy_trigger_guess4', '198.51.100.5')).statusCode).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('never puts a secret, its hash or its random part in the audit log, even when the caller echoes it', async () => {
    await createFlag(t, { key: 'echo' });
    const trigger = await createTrigger('echo', 'echo', 'turn-off');
    const ignored = await createTrigger('echo', 'ignored', 'turn-on');
    expect((await call(ignored.secret, grafana('resolved'))).statusCode).toBe(202);
    expect((await t.request('DELETE', `${triggersUrl('echo')}/${ignored.id}`)).statusCode).toBe(200);
    const echoed = alertmanager('firing');
    echoed.alerts[0]!.labels.service = `http://switchyard/triggers/${trigger.secret}`;
    expect((await call(trigger.secret, echoed)).statusCode).toBe(202);
    const fired = (await triggerAudit(trigger.id)).at(-1);
    expect(fired?.after).toMatchObject({ alerts: [{ labels: { service: 'http://switchyard/triggers/[redacted]' } }] });

    const audit = JSON.stringify(await t.db.prisma.auditEvent.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    for (const secret of secrets) {
      expect(audit.includes(secret.slice('sy_trigger_'.length + 4)), secret.slice(0, 15)).toBe(false);
      expect(audit.includes(hashSecret(secret)), secret.slice(0, 15)).toBe(false);
    }
  });
});
