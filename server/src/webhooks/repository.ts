import { type Db, Prisma, type PrismaClient, type Transaction } from '../db/prisma.ts';
import { DB_NOW_UTC } from '../jobs/due-work.ts';
import type { DeliveryStatus, WebhookFormat } from './schemas.ts';

export type WebhookRow = Prisma.WebhookModel;
export type DeliveryRow = Prisma.WebhookDeliveryModel;
export type AttemptRow = Prisma.WebhookDeliveryAttemptModel;

export type NewWebhook = Pick<WebhookRow, 'name' | 'url' | 'events' | 'format' | 'enabled' | 'signingSecret' | 'createdBy'>;
export type WebhookChanges = Partial<Pick<WebhookRow, 'name' | 'url' | 'events' | 'format' | 'enabled' | 'signingSecret'>>;

const NOW = Prisma.raw(DB_NOW_UTC);

export function insertWebhook(tx: Transaction, webhook: NewWebhook): Promise<WebhookRow> {
  return tx.webhook.create({ data: webhook });
}

export function findWebhook(db: Db, id: string): Promise<WebhookRow | null> {
  return db.webhook.findUnique({ where: { id } });
}

/** Locks the webhook's row for the rest of the transaction and reads it (null when unknown). */
export async function lockWebhook(tx: Transaction, id: string): Promise<WebhookRow | null> {
  await tx.$queryRaw`SELECT 1 FROM "Webhook" WHERE "id" = ${id} FOR UPDATE`;
  return findWebhook(tx, id);
}

/** Oldest first. */
export function listWebhooks(db: Db): Promise<WebhookRow[]> {
  return db.webhook.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Applies the changes and bumps the version. */
export function updateWebhook(tx: Transaction, id: string, changes: WebhookChanges): Promise<WebhookRow> {
  return tx.webhook.update({ where: { id }, data: { ...changes, version: { increment: 1 } } });
}

/** Deletes the webhook and (by cascade) its deliveries. */
export async function deleteWebhook(tx: Transaction, id: string): Promise<void> {
  await tx.webhook.delete({ where: { id } });
}

/**
 * The enabled webhooks that want `action` (named, or `*`). Runs in every audited write, so the enabled
 * webhooks are read once per transaction (a stage of a release plan writes two audit events; each
 * statement costs the replica and the database CPU: bench/release/step-cost.ts), on a table of a
 * handful of rows (a sequential scan is its cheapest plan). Not cached beyond the transaction: a cache
 * per replica would need invalidating across replicas, and a stale one would lose events.
 */
const enabledInTransaction = new WeakMap<Transaction, Promise<{ id: string; format: WebhookFormat; events: string[] }[]>>();

export async function webhooksListeningTo(tx: Transaction, action: string): Promise<{ id: string; format: WebhookFormat }[]> {
  let enabled = enabledInTransaction.get(tx);
  if (!enabled) {
    enabled = tx.$queryRaw`SELECT "id", "format", "events" FROM "Webhook" WHERE "enabled" ORDER BY "createdAt", "id"`;
    enabledInTransaction.set(tx, enabled);
  }
  return (await enabled)
    .filter((webhook) => webhook.events.includes(action) || webhook.events.includes('*'))
    .map(({ id, format }) => ({ id, format }));
}

/** Queues one delivery per row, due now (by the database's clock, which the delivery loop compares with). */
export async function insertDeliveries(tx: Transaction, rows: { webhookId: string; event: string; payload: unknown }[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(
    (row) =>
      Prisma.sql`(gen_random_uuid()::text, ${row.webhookId}, ${row.event}, ${JSON.stringify(row.payload)}::jsonb, 'pending', ${NOW}, ${NOW})`,
  );
  await tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("id", "webhookId", "event", "payload", "status", "createdAt", "nextAttemptAt")
    VALUES ${Prisma.join(values)}`;
}

/** One page of the webhook's deliveries, newest first, and how many match in all (both read in one transaction). */
export async function listDeliveries(
  prisma: PrismaClient,
  webhookId: string,
  filter: { status?: DeliveryStatus | undefined },
  page: { limit: number; offset: number },
): Promise<{ total: number; rows: DeliveryRow[] }> {
  const where = { webhookId, ...(filter.status ? { status: filter.status } : {}) };
  const [total, rows] = await prisma.$transaction([
    prisma.webhookDelivery.count({ where }),
    prisma.webhookDelivery.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: page.offset, take: page.limit }),
  ]);
  return { total, rows };
}

export function findDelivery(db: Db, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
  return db.webhookDelivery.findFirst({ where: { id: deliveryId, webhookId } });
}

/** One page of the delivery's attempts, newest first, and how many there are (both read in one transaction). */
export async function listAttempts(
  prisma: PrismaClient,
  deliveryId: string,
  page: { limit: number; offset: number },
): Promise<{ total: number; rows: AttemptRow[] }> {
  const [total, rows] = await prisma.$transaction([
    prisma.webhookDeliveryAttempt.count({ where: { deliveryId } }),
    prisma.webhookDeliveryAttempt.findMany({ where: { deliveryId }, orderBy: { id: 'desc' }, skip: page.offset, take: page.limit }),
  ]);
  return { total, rows };
}

/**
 * Makes the delivery pending and due now, with a fresh set of attempts (its last outcome stays until
 * the next attempt). Waits while a replica is attempting it (the row is locked for the attempt).
 */
export async function requeueDelivery(db: Db, webhookId: string, deliveryId: string): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = 'pending', "attempts" = 0, "nextAttemptAt" = ${NOW}, "deliveredAt" = NULL
    WHERE "id" = ${deliveryId} AND "webhookId" = ${webhookId}`;
  return count === 1;
}

/** A claimed delivery with what sending it needs. */
export type ClaimedDelivery = Pick<DeliveryRow, 'id' | 'event' | 'payload' | 'attempts'> & {
  webhook: Pick<WebhookRow, 'id' | 'url' | 'signingSecret' | 'enabled'>;
};

/** Whether any pending delivery is due: the due-work loop's cheap question before claiming one. */
export async function anyDeliveryDue(db: Db): Promise<boolean> {
  const [row] = await db.$queryRaw<{ due: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "WebhookDelivery" WHERE "status" = 'pending' AND "nextAttemptAt" <= ${NOW}) AS "due"`;
  return row?.due === true;
}

/**
 * Locks the pending delivery due first (skipping those other replicas hold) for the rest of the
 * transaction, and reads it; null when none is due.
 */
export async function claimDueDelivery(tx: Transaction): Promise<ClaimedDelivery | null> {
  const [due] = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "WebhookDelivery"
    WHERE "status" = 'pending' AND "nextAttemptAt" <= ${NOW}
    ORDER BY "nextAttemptAt"
    LIMIT 1
    FOR UPDATE SKIP LOCKED`;
  if (!due) return null;
  return tx.webhookDelivery.findUniqueOrThrow({
    where: { id: due.id },
    select: {
      id: true,
      event: true,
      payload: true,
      attempts: true,
      webhook: { select: { id: true, url: true, signingSecret: true, enabled: true } },
    },
  });
}

/** What every attempt records, whatever its outcome. */
type AttemptRecord = { durationMs: number; responseSnippet: string | null };

/** How an attempt went: delivered, or failed with the next attempt `retryInMs` from now (null: no more attempts). */
export type AttemptOutcome = AttemptRecord &
  ({ delivered: true; statusCode: number } | { delivered: false; statusCode: number | null; error: string; retryInMs: number | null });

/**
 * Records an attempt of the claimed delivery, with the database's clock: a row of its own in the
 * attempt log, and the delivery's new state. `now()` is the time the transaction began, just before
 * the claim, so the attempt's time is when it started.
 */
export async function recordAttempt(tx: Transaction, id: string, outcome: AttemptOutcome): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "WebhookDeliveryAttempt" ("deliveryId", "attemptedAt", "durationMs", "statusCode", "error", "responseSnippet")
    VALUES (${id}, ${NOW}, ${outcome.durationMs}, ${outcome.statusCode}, ${outcome.delivered ? null : outcome.error}, ${outcome.responseSnippet})`;
  if (outcome.delivered) {
    await tx.$executeRaw`
      UPDATE "WebhookDelivery"
      SET "status" = 'delivered', "attempts" = "attempts" + 1, "lastStatusCode" = ${outcome.statusCode}, "lastError" = NULL,
          "lastAttemptAt" = ${NOW}, "deliveredAt" = ${NOW}, "nextAttemptAt" = NULL
      WHERE "id" = ${id}`;
    return;
  }
  const retry = outcome.retryInMs;
  await tx.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = ${retry === null ? 'failed' : 'pending'}, "attempts" = "attempts" + 1,
        "lastStatusCode" = ${outcome.statusCode}, "lastError" = ${outcome.error}, "lastAttemptAt" = ${NOW},
        "nextAttemptAt" = ${retry === null ? Prisma.sql`NULL` : Prisma.sql`${NOW} + make_interval(secs => ${retry / 1000})`}
    WHERE "id" = ${id}`;
}

/** Ends the claimed delivery without an attempt (its webhook was disabled meanwhile): failed, with why. */
export async function recordUndeliverable(tx: Transaction, id: string, why: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE "WebhookDelivery" SET "status" = 'failed', "lastError" = ${why}, "nextAttemptAt" = NULL WHERE "id" = ${id}`;
}

/** Settled (not pending) deliveries created more than `days` days ago, by the database's clock. */
const expired = (days: number) => Prisma.sql`"createdAt" < ${NOW} - make_interval(days => ${days}) AND "status" <> 'pending'`;

/** Whether any delivery is past its retention: the retention loop's cheap question (on the createdAt index). */
export async function anyDeliveryExpired(db: Db, days: number): Promise<boolean> {
  const [row] = await db.$queryRaw<{ due: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "WebhookDelivery" WHERE ${expired(days)}) AS "due"`;
  return row?.due === true;
}

/**
 * Deletes up to `batch` of the oldest deliveries past their retention, with their attempts (by
 * cascade), in one short statement; returns how many. A pending delivery is kept whatever its age
 * (it is work not yet done). Safe with any number of replicas running it at once: rows another
 * transaction holds (a replica's batch, a redelivery) are skipped rather than waited for, and a row
 * already deleted is simply not found again, so running it twice deletes nothing twice.
 */
export function deleteExpiredDeliveries(db: Db, days: number, batch: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "WebhookDelivery" WHERE "id" IN (
      SELECT "id" FROM "WebhookDelivery" WHERE ${expired(days)}
      ORDER BY "createdAt"
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED)`;
}
