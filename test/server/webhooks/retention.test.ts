/**
 * The delivery log's retention: settled deliveries older than the retention are deleted with their
 * attempts, in small batches, by every replica at once without deleting anything twice; pending ones
 * and younger ones stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../../server/src/db/prisma.ts';
import { deleteExpiredDeliveries } from '../../../server/src/webhooks/repository.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';

const RETENTION_DAYS = 14;

let t: TestApp;
let webhookId: string;

beforeAll(async () => {
  t = await createTestApp({
    dueWork: { pollIntervalMs: 50 },
    webhooks: { retentionDays: RETENTION_DAYS, retentionBatchSize: 3, retentionCheckIntervalMs: 50 },
  });
  // Pointing nowhere and listening to nothing: its deliveries are only the rows these tests insert.
  const res = await t.request('POST', '/api/webhooks', {
    body: { name: 'kept', url: 'http://127.0.0.1:9/never', events: ['no.such-event'], format: 'json' },
  });
  expect(res.statusCode, res.body).toBe(201);
  webhookId = res.json().id;
});
afterAll(async () => {
  await t?.close();
});

/**
 * Inserts `count` deliveries created `ageDays` ago by the database's clock, each with two attempts, in
 * one statement (the app's retention loop is running); a pending one is due only in an hour (so the
 * delivery loop leaves it alone). Returns their ids.
 */
async function insertDeliveries(count: number, ageDays: number, status: 'pending' | 'delivered' | 'failed'): Promise<string[]> {
  const rows = await t.db.prisma.$queryRaw<{ id: string }[]>`
    WITH inserted AS (
      INSERT INTO "WebhookDelivery" ("id", "webhookId", "event", "payload", "status", "attempts", "createdAt", "nextAttemptAt")
      SELECT gen_random_uuid()::text, ${webhookId}, 'flag.toggled', '{}'::jsonb, ${status}, 2,
             (now() AT TIME ZONE 'UTC') - make_interval(days => ${ageDays}),
             CASE WHEN ${status} = 'pending' THEN (now() AT TIME ZONE 'UTC') + interval '1 hour' END
      FROM generate_series(1, ${count})
      RETURNING "id"
    ), attempts AS (
      INSERT INTO "WebhookDeliveryAttempt" ("deliveryId", "attemptedAt", "durationMs", "statusCode", "error")
      SELECT "id", now(), 12, 500, 'HTTP 500' FROM inserted, generate_series(1, 2)
    )
    SELECT "id" FROM inserted`;
  return rows.map((r) => r.id);
}

const existing = async (ids: string[]) => (await t.db.prisma.webhookDelivery.findMany({ where: { id: { in: ids } } })).length;
const attemptsOf = (ids: string[]) => t.db.prisma.webhookDeliveryAttempt.count({ where: { deliveryId: { in: ids } } });

describe('the retention of the delivery log', () => {
  it('deletes settled deliveries older than the retention with their attempts, and keeps pending and younger ones', async () => {
    const oldDelivered = await insertDeliveries(7, RETENTION_DAYS + 1, 'delivered');
    const oldFailed = await insertDeliveries(4, RETENTION_DAYS + 30, 'failed');
    const oldPending = await insertDeliveries(2, RETENTION_DAYS + 1, 'pending');
    const young = await insertDeliveries(3, RETENTION_DAYS - 1, 'delivered');
    const expired = [...oldDelivered, ...oldFailed];

    // The app's own loop (every replica runs one), 3 deliveries a statement.
    await until('the expired deliveries deleted', async () => (await existing(expired)) === 0);
    expect(await attemptsOf(expired)).toBe(0);
    expect(await existing(oldPending)).toBe(2);
    expect(await attemptsOf(oldPending)).toBe(4);
    expect(await existing(young)).toBe(3);
    expect(await attemptsOf(young)).toBe(6);
    const listed = (await t.request('GET', `/api/webhooks/${webhookId}/deliveries?limit=200`)).json();
    expect(listed.total).toBe(5);

    // A pending delivery, once settled, goes at the next look.
    await t.db.prisma.webhookDelivery.updateMany({ where: { id: { in: oldPending } }, data: { status: 'failed', nextAttemptAt: null } });
    await until('the settled deliveries deleted', async () => (await existing(oldPending)) === 0);
    expect(await existing(young)).toBe(3);
  });

  it('deletes each expired delivery exactly once with two replicas deleting batches at the same time', async () => {
    // The app's own loop stops here, so that every deletion is one of the two replicas below.
    await t.app.close();
    const expired = await insertDeliveries(400, RETENTION_DAYS + 2, 'delivered');
    const young = await insertDeliveries(5, 1, 'failed');
    const replicas = [createPrisma(t.db.url, 3), createPrisma(t.db.url, 3)];
    try {
      const deletedBy = await Promise.all(
        replicas.map(async (prisma) => {
          let deleted = 0;
          for (;;) {
            const batch = await deleteExpiredDeliveries(prisma, RETENTION_DAYS, 7);
            expect(batch).toBeLessThanOrEqual(7);
            if (batch === 0 && (await existing(expired)) === 0) return deleted;
            deleted += batch;
          }
        }),
      );
      expect(await existing(expired)).toBe(0);
      expect(await attemptsOf(expired)).toBe(0);
      // No delivery counted twice, none missed.
      expect(deletedBy[0]! + deletedBy[1]!).toBe(400);
      // Running it again once everything is gone deletes nothing: it is idempotent.
      expect(await deleteExpiredDeliveries(replicas[0]!, RETENTION_DAYS, 7)).toBe(0);
      expect(await existing(young)).toBe(5);
    } finally {
      for (const prisma of replicas) await prisma.$disconnect();
    }
  });
});
