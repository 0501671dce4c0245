/**
 * Every write path that audits a change queues its webhook deliveries, one per audit event: the admin
 * API, the due-work loops (a release plan's stage advance, a scheduled change applied), the public
 * trigger URLs, and the start-up seeding (a new SWITCHYARD_ADMIN_TOKEN at a later start). Each step
 * below is checked against the audit log it wrote: exactly one delivery per event, and the event it
 * is about among them exactly once; then all of them reach a real receiver, once each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../../server/src/bootstrap.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag } from '../flags/helpers.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const ENV = 'production';
const SECOND = 1 / 60; // holdMinutes

let t: TestApp;
let receiver: Receiver;
let webhookId: string;

beforeAll(async () => {
  t = await createTestApp({ dueWork: { pollIntervalMs: 50 }, webhooks: { backoffBaseMs: 20, backoffMaxMs: 200 } });
  receiver = await startReceiver();
  const res = await t.request('POST', '/api/webhooks', { body: { name: 'everything', url: receiver.url, events: ['*'], format: 'json' } });
  expect(res.statusCode, res.body).toBe(201);
  webhookId = res.json().id;
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const lastAuditId = async () => (await t.db.prisma.auditEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0n;

/**
 * Runs `write` (and waits for `done`, for work a loop does), then checks that the audit events written
 * since were each queued once for the `*` webhook, and that `event` is among them exactly once.
 */
async function expectOneDeliveryPerEvent(event: string, write: () => Promise<unknown>, done?: () => Promise<boolean>) {
  const since = await lastAuditId();
  await write();
  if (done) await until(`${event} done`, done, 15_000);
  const audited = await t.db.prisma.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: 'asc' } });
  const deliveries = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId } });
  const auditIds = new Set(audited.map((e) => String(e.id)));
  const queued = deliveries.map((d) => (d.payload as { id: string }).id).filter((id) => auditIds.has(id));
  expect(queued.sort(), `${event}: one delivery per audit event`).toEqual([...auditIds].sort());
  expect(
    audited.filter((e) => e.action === event),
    `${event}: audited once`,
  ).toHaveLength(1);
  expect(deliveries.filter((d) => d.event === event && auditIds.has((d.payload as { id: string }).id))).toHaveLength(1);
}

const ok = (status: number) => (res: { statusCode: number; body: string }) => expect(res.statusCode, res.body).toBe(status);

it('queues exactly one delivery per audited change on every write path, and delivers each once', async () => {
  await createFlag(t, { key: 'staged' });
  await createFlag(t, { key: 'killed' });

  let planId = '';
  await expectOneDeliveryPerEvent('release.started', async () => {
    const res = await t.request('POST', `/api/flags/staged/environments/${ENV}/release-plans`, {
      body: {
        stages: [
          { percentage: 10, holdMinutes: SECOND },
          { percentage: 50, holdMinutes: 60 },
        ],
      },
    });
    ok(201)(res);
    planId = res.json().id;
  });
  const plan = async () => (await t.request('GET', `/api/release-plans/${planId}`)).json();

  // The due-work loop advances the plan once its hold ends: a write made by no request.
  await expectOneDeliveryPerEvent(
    'release.stage-applied',
    async () => {},
    async () => (await plan()).stageIndex === 1,
  );
  await expectOneDeliveryPerEvent('release.paused', async () =>
    ok(200)(await t.request('POST', `/api/release-plans/${planId}/pause`, { body: { reason: 'looking at a dashboard' } })),
  );
  await expectOneDeliveryPerEvent('release.rolled-back', async () =>
    ok(200)(await t.request('POST', `/api/release-plans/${planId}/rollback`, { body: { reason: 'errors' } })),
  );

  // A trigger: its creation through the API, then a call of its secret URL (no token at all).
  let triggerUrl = '';
  await expectOneDeliveryPerEvent('trigger.created', async () => {
    const res = await t.request('POST', `/api/flags/killed/environments/${ENV}/triggers`, { body: { name: 'alerts', action: 'turn-on' } });
    ok(201)(res);
    triggerUrl = res.json().url;
  });
  await expectOneDeliveryPerEvent('trigger.fired', async () => ok(202)(await t.request('POST', triggerUrl, { token: null })));
  expect((await t.request('GET', `/api/flags/killed/environments/${ENV}`)).json().on).toBe(true);

  // A scheduled change, applied by its loop when due.
  let scheduledId = '';
  await expectOneDeliveryPerEvent('scheduled-change.created', async () => {
    const res = await t.request('POST', `/api/flags/killed/environments/${ENV}/scheduled-changes`, {
      body: { at: new Date(Date.now() + 1500).toISOString(), instructions: [{ kind: 'turnOff' }] },
    });
    ok(201)(res);
    scheduledId = res.json().id;
  });
  await expectOneDeliveryPerEvent(
    'scheduled-change.applied',
    async () => {},
    async () => (await t.db.prisma.scheduledChange.findUniqueOrThrow({ where: { id: scheduledId } })).status === 'applied',
  );

  // Segments and environments.
  await expectOneDeliveryPerEvent('segment.created', async () =>
    ok(201)(await t.request('POST', `/api/environments/${ENV}/segments`, { body: { key: 'staff', name: 'Staff', included: ['a'] } })),
  );
  await expectOneDeliveryPerEvent('segment.updated', async () =>
    ok(200)(await t.request('PUT', `/api/environments/${ENV}/segments/staff`, { body: { name: 'Staff', included: ['a', 'b'] } })),
  );
  await expectOneDeliveryPerEvent('environment.renamed', async () =>
    ok(200)(await t.request('PATCH', '/api/environments/staging', { body: { name: 'Pre-production' } })),
  );

  // A later start with a new SWITCHYARD_ADMIN_TOKEN: the seeding's own write unit audits the new
  // token and the old one's revocation, and they go to the webhook like any change (last: the test's
  // token is the one revoked).
  const revoked = await lastAuditId();
  await expectOneDeliveryPerEvent('token.revoked', () => seedOnFirstStart(t.db.prisma, { adminToken: generateSecret('admin') }));
  const seeded = await t.db.prisma.auditEvent.findMany({ where: { id: { gt: revoked } } });
  expect(seeded.map((e) => [e.action, e.actor]).sort()).toEqual([
    ['token.created', 'system'],
    ['token.revoked', 'system'],
  ]);

  // Each delivery reaches the receiver once.
  const all = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId } });
  await until(
    'every delivery sent',
    async () => (await t.db.prisma.webhookDelivery.count({ where: { status: 'delivered' } })) === all.length,
  );
  const ids = receiver.received.map((r) => r.headers['x-switchyard-delivery']);
  expect(ids.sort()).toEqual(all.map((d) => d.id).sort());
});
