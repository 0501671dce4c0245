import type { AuditListener } from '../changes/write-unit.ts';
import { payloadFor } from './payloads.ts';
import { insertDeliveries, webhooksListeningTo } from './repository.ts';

/**
 * The outbox: registered with `changes.onAudit`, it queues one delivery per enabled webhook wanting the
 * event, in the transaction of the change, so a delivery exists if and only if the change committed.
 * With no webhook listening, it costs one statement and builds no payload.
 */
export const queueWebhookDeliveries: AuditListener = async (tx, event) => {
  const webhooks = await webhooksListeningTo(tx, event.action);
  if (webhooks.length === 0) return;
  await insertDeliveries(
    tx,
    webhooks.map((webhook) => ({ webhookId: webhook.id, event: event.action, payload: payloadFor(webhook.format, event) })),
  );
};
