import { expectVersion } from '../changes/expect-version.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { NotFoundError } from '../errors/index.ts';
import {
  type AttemptRow,
  type DeliveryRow,
  deleteWebhook,
  findDelivery,
  findWebhook,
  insertWebhook,
  listAttempts,
  listDeliveries,
  listWebhooks,
  lockWebhook,
  requeueDelivery,
  updateWebhook,
  type WebhookRow,
} from './repository.ts';
import type {
  AttemptPage,
  AttemptView,
  CreatedWebhookView,
  CreateWebhookInput,
  DeliveryDetailView,
  DeliveryPage,
  DeliveryStatus,
  DeliveryView,
  ListDeliveriesQuery,
  UpdateWebhookInput,
  WebhookFormat,
  WebhookView,
} from './schemas.ts';
import { generateSigningSecret } from './signature.ts';

/** A webhook as the API and the audit log show it: never its signing secret. */
const toWebhookView = (row: WebhookRow): WebhookView => ({
  id: row.id,
  name: row.name,
  url: row.url,
  events: row.events,
  format: row.format as WebhookFormat,
  enabled: row.enabled,
  version: row.version,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toDeliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  webhookId: row.webhookId,
  event: row.event,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  lastStatusCode: row.lastStatusCode,
  lastError: row.lastError,
  createdAt: row.createdAt.toISOString(),
  nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
  lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
  deliveredAt: row.deliveredAt?.toISOString() ?? null,
});

const toAttemptView = (row: AttemptRow): AttemptView => ({
  id: String(row.id),
  deliveryId: row.deliveryId,
  attemptedAt: row.attemptedAt.toISOString(),
  durationMs: row.durationMs,
  statusCode: row.statusCode,
  error: row.error,
  responseSnippet: row.responseSnippet,
});

/** Each event once, in the order given; `*` alone when it is among them (it already means every event). */
const normalizeEvents = (events: readonly string[]) => (events.includes('*') ? ['*'] : [...new Set(events)]);

async function requireWebhook(db: Db, id: string): Promise<WebhookRow> {
  const webhook = await findWebhook(db, id);
  if (!webhook) throw new NotFoundError(`Webhook "${id}"`);
  return webhook;
}

async function requireLockedWebhook(tx: Transaction, id: string): Promise<WebhookRow> {
  const webhook = await lockWebhook(tx, id);
  if (!webhook) throw new NotFoundError(`Webhook "${id}"`);
  return webhook;
}

async function requireDelivery(db: Db, webhookId: string, deliveryId: string): Promise<DeliveryRow> {
  const delivery = await findDelivery(db, webhookId, deliveryId);
  if (!delivery) throw new NotFoundError(`Delivery "${deliveryId}" of webhook "${webhookId}"`);
  return delivery;
}

function auditWebhook(w: WriteContext, action: string, before: WebhookView | null, after: WebhookView | null): Promise<void> {
  const resourceKey = (after ?? before)!.id;
  return w.audit({ action, resourceType: 'webhook', resourceKey, before, after });
}

/**
 * Outgoing webhooks: what is sent where. Deliveries are queued by the outbox (outbox.ts) in the
 * transaction of each audited change and sent by the delivery loop (delivery-loop.ts).
 */
export class WebhookService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  /** The signing secret is in the answer only; the audit log records the webhook without it. */
  create(actor: string, input: CreateWebhookInput): Promise<CreatedWebhookView> {
    return this.deps.changes.run(actor, async (w) => {
      const signingSecret = generateSigningSecret();
      const row = await insertWebhook(w.tx, {
        name: input.name,
        url: input.url,
        events: normalizeEvents(input.events),
        format: input.format,
        enabled: input.enabled ?? true,
        signingSecret,
        createdBy: actor,
      });
      const view = toWebhookView(row);
      await auditWebhook(w, 'webhook.created', null, view);
      return { ...view, signingSecret };
    });
  }

  async list(): Promise<WebhookView[]> {
    return (await listWebhooks(this.deps.prisma)).map(toWebhookView);
  }

  async get(id: string): Promise<WebhookView> {
    return toWebhookView(await requireWebhook(this.deps.prisma, id));
  }

  update(actor: string, id: string, expected: number | null, changes: UpdateWebhookInput): Promise<WebhookView> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireLockedWebhook(w.tx, id);
      expectVersion(expected, before.version);
      const after = await updateWebhook(w.tx, id, changes.events ? { ...changes, events: normalizeEvents(changes.events) } : changes);
      const view = toWebhookView(after);
      await auditWebhook(w, 'webhook.updated', toWebhookView(before), view);
      return view;
    });
  }

  /** Deletes the webhook and its delivery log; deliveries not yet sent are dropped. */
  async delete(actor: string, id: string, expected: number | null): Promise<void> {
    await this.deps.changes.run(actor, async (w) => {
      const webhook = await requireLockedWebhook(w.tx, id);
      expectVersion(expected, webhook.version);
      await deleteWebhook(w.tx, id);
      await auditWebhook(w, 'webhook.deleted', toWebhookView(webhook), null);
    });
  }

  /** A new signing secret, in the answer only; deliveries are signed with it from their next attempt on. */
  rotateSecret(actor: string, id: string, expected: number | null): Promise<CreatedWebhookView> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireLockedWebhook(w.tx, id);
      expectVersion(expected, before.version);
      const signingSecret = generateSigningSecret();
      const view = toWebhookView(await updateWebhook(w.tx, id, { signingSecret }));
      await auditWebhook(w, 'webhook.secret-rotated', toWebhookView(before), view);
      return { ...view, signingSecret };
    });
  }

  /** Newest first. */
  async deliveries(id: string, query: ListDeliveriesQuery): Promise<DeliveryPage> {
    await requireWebhook(this.deps.prisma, id);
    const { limit, offset } = query;
    const { total, rows } = await listDeliveries(this.deps.prisma, id, { status: query.status }, { limit, offset });
    return { items: rows.map(toDeliveryView), total, limit, offset };
  }

  async delivery(id: string, deliveryId: string): Promise<DeliveryDetailView> {
    await requireWebhook(this.deps.prisma, id);
    const row = await requireDelivery(this.deps.prisma, id, deliveryId);
    return { ...toDeliveryView(row), payload: row.payload };
  }

  /** Every attempt of the delivery, newest first. */
  async attempts(id: string, deliveryId: string, page: { limit: number; offset: number }): Promise<AttemptPage> {
    await requireWebhook(this.deps.prisma, id);
    await requireDelivery(this.deps.prisma, id, deliveryId);
    const { total, rows } = await listAttempts(this.deps.prisma, deliveryId, page);
    return { items: rows.map(toAttemptView), total, limit: page.limit, offset: page.offset };
  }

  /** Queues the delivery again, due now, with a fresh set of attempts (whatever its state: a receiver may have lost it). */
  async redeliver(id: string, deliveryId: string): Promise<DeliveryView> {
    await requireWebhook(this.deps.prisma, id);
    if (!(await requeueDelivery(this.deps.prisma, id, deliveryId))) throw new NotFoundError(`Delivery "${deliveryId}" of webhook "${id}"`);
    return toDeliveryView(await requireDelivery(this.deps.prisma, id, deliveryId));
  }
}
