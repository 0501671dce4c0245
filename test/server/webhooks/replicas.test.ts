/**
 * Two replicas (two apps, each with its own connection pool and delivery loop) on one database: every
 * event is delivered exactly once, whichever replica made the change and whichever sends it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const FLAG = 'new-checkout';
const ENV = 'production';
const SETTINGS = { dueWork: { pollIntervalMs: 50 }, webhooks: { backoffBaseMs: 20, backoffMaxMs: 200 } };

type Replica = { app: FastifyInstance; prisma: PrismaClient; close(): Promise<void> };

let t: TestApp;
let replicas: Replica[] = [];
let receiver: Receiver;

async function replica(): Promise<Replica> {
  const prisma = createPrisma(t.db.url, 5);
  const app = await buildApp({ prisma, ...SETTINGS });
  await app.ready();
  let closed = false;
  return {
    app,
    prisma,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await prisma.$disconnect();
    },
  };
}

beforeAll(async () => {
  // The test app only serves requests (no loop); the two replicas do the delivering.
  t = await createTestApp({ dueWork: { enabled: false } });
  replicas = [await replica(), await replica()];
  // Answers take a little while, so that both replicas have deliveries in hand at once.
  receiver = await startReceiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 5)));
  expect((await t.request('POST', '/api/flags', { body: { key: FLAG, name: 'New checkout', kind: 'boolean' } })).statusCode).toBe(201);
});
afterAll(async () => {
  for (const r of replicas) await r.close();
  await receiver?.close();
  await t?.close();
});

const toggle = (app: FastifyInstance, on: boolean) =>
  app.inject({
    method: 'POST',
    url: `/api/flags/${FLAG}/environments/${ENV}/toggle`,
    headers: { authorization: `Bearer ${t.adminToken}` },
    payload: { on },
  });

it('delivers each event exactly once with two replicas sending, and goes on with one', async () => {
  const created = await t.request('POST', '/api/webhooks', {
    body: { name: 'once', url: receiver.url, events: ['flag.toggled'], format: 'json' },
  });
  expect(created.statusCode).toBe(201);
  const webhookId = created.json().id as string;

  // 10 toggles, made through both replicas in turn; then 50 events falling due at once (one write auditing
  // 50 times), which the four workers of the two replicas all reach for.
  for (let i = 0; i < 10; i++) {
    const res = await toggle(replicas[i % 2]!.app, i % 2 === 0);
    expect(res.statusCode, res.body).toBe(200);
  }
  await t.app.changes.run('tester', async (w) => {
    for (let i = 0; i < 50; i++) {
      await w.audit({ action: 'flag.toggled', resourceType: 'flag', resourceKey: FLAG, flagKey: FLAG, environmentKey: ENV, after: { i } });
    }
  });
  const changes = 60;
  const delivered = () => t.db.prisma.webhookDelivery.count({ where: { webhookId, status: 'delivered' } });
  await until('every delivery sent', async () => (await delivered()) === changes, 20_000);

  const ids = receiver.received.map((r) => r.headers['x-switchyard-delivery']);
  expect(ids).toHaveLength(changes);
  expect(new Set(ids).size).toBe(changes);
  expect(new Set(receiver.received.map((r) => JSON.parse(r.body).id)).size).toBe(changes);
  const rows = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId } });
  expect(rows.map((row) => row.attempts)).toEqual(Array(changes).fill(1));

  // One replica gone: the other sends the next events.
  await replicas[0]!.close();
  for (const on of [true, false]) expect((await toggle(t.app, on)).statusCode).toBe(200);
  await until('the last deliveries sent', async () => (await delivered()) === changes + 2, 20_000);
  expect(receiver.received).toHaveLength(changes + 2);
});
