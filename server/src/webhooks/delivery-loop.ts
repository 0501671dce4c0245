import type { PrismaClient } from '../db/prisma.ts';
import { type DueWorkLog, DueWorkLoop } from '../jobs/due-work.ts';
import {
  type AttemptOutcome,
  anyDeliveryDue,
  type ClaimedDelivery,
  claimDueDelivery,
  recordAttempt,
  recordUndeliverable,
} from './repository.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export type WebhookSettings = {
  /** How long an attempt waits for the receiver's answer (connection included). Default 10 s. */
  timeoutMs: number;
  /** The delay before the first retry; each next one doubles it (with jitter). Default 5 s. */
  backoffBaseMs: number;
  /** The longest delay between two attempts. Default 1 h. */
  backoffMaxMs: number;
  /** Attempts before a delivery is marked failed. Default 8 (with the defaults: over about 10 minutes). */
  maxAttempts: number;
  /** Deliveries one replica sends at once (each holds a database connection while it waits). Default 2. */
  concurrency: number;
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 10_000,
  backoffBaseMs: 5_000,
  backoffMaxMs: 60 * 60 * 1000,
  maxAttempts: 8,
  concurrency: 2,
};

/**
 * The delay after the `attempts`-th failed attempt: base x 2^(attempts-1), capped, of which a random
 * half is dropped ("equal jitter"), so receivers that fail together are not retried together.
 */
export function retryDelayMs(
  attempts: number,
  settings: Pick<WebhookSettings, 'backoffBaseMs' | 'backoffMaxMs'>,
  random = Math.random,
): number {
  const delay = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(delay / 2 + random() * (delay / 2));
}

type Answer = { statusCode: number } | { statusCode: null; error: string };

/** Why a request got no answer, in a few words (no URL: a Slack webhook URL is itself a secret). */
function describeFailure(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : typeof cause?.code === 'string' ? cause.code : null;
  const message = err instanceof Error ? err.message : String(err);
  return (detail ? `${message}: ${detail}` : message).slice(0, 500);
}

/** POSTs the body; redirects are not followed (a 3xx is a failed attempt). */
async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    // The body is not read: only the status counts, and a receiver slow to send it must not hold the attempt.
    await response.body?.cancel().catch(() => {});
    return { statusCode: response.status };
  } catch (err) {
    if (signal.aborted) return { statusCode: null, error: `timed out: no answer within ${timeoutMs} ms` };
    return { statusCode: null, error: describeFailure(err) };
  }
}

/** Sends due deliveries: one per `runOne`, claimed, attempted and recorded in one transaction. */
export class WebhookDeliverer {
  private readonly settings: WebhookSettings;

  constructor(private readonly deps: { prisma: PrismaClient; settings?: Partial<WebhookSettings>; log: DueWorkLog }) {
    this.settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...deps.settings };
  }

  /**
   * Claims the delivery due first and attempts it, holding its row locked during the request: no other
   * replica can attempt it meanwhile, and if this one dies mid-request, the rollback makes it due again
   * at once. False when nothing was due.
   */
  runOne(): Promise<boolean> {
    return this.deps.prisma.$transaction(
      async (tx) => {
        const delivery = await claimDueDelivery(tx);
        if (!delivery) return false;
        if (!delivery.webhook.enabled) {
          await recordUndeliverable(tx, delivery.id, 'not sent: the webhook was disabled (redeliver it once enabled)');
          return true;
        }
        await recordAttempt(tx, delivery.id, await this.attempt(delivery));
        return true;
      },
      // The transaction lives as long as the request (and its timeout) plus the two statements around it.
      { maxWait: 5_000, timeout: this.settings.timeoutMs + 15_000 },
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const body = JSON.stringify(delivery.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Switchyard-Webhooks/1',
      [EVENT_HEADER]: delivery.event,
      [DELIVERY_HEADER]: delivery.id,
      // Signed when sent, not when queued, so that a late retry still falls in the receiver's replay window.
      [SIGNATURE_HEADER]: signatureHeader(delivery.webhook.signingSecret, body, Math.floor(Date.now() / 1000)),
    };
    const answer = await post(delivery.webhook.url, body, headers, this.settings.timeoutMs);
    if (answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300) {
      return { delivered: true, statusCode: answer.statusCode };
    }
    const attempts = delivery.attempts + 1;
    const retryInMs = attempts >= this.settings.maxAttempts ? null : retryDelayMs(attempts, this.settings);
    const error =
      answer.statusCode === null
        ? answer.error
        : `HTTP ${answer.statusCode}${answer.statusCode >= 300 && answer.statusCode < 400 ? ' (redirects are not followed)' : ''}`;
    if (retryInMs === null) {
      this.deps.log.warn(
        { webhookId: delivery.webhook.id, deliveryId: delivery.id, attempts, error },
        'webhook delivery failed: no attempts left',
      );
    }
    return { delivered: false, statusCode: answer.statusCode, error, retryInMs };
  }
}

/** The loop that sends this replica's share of the due deliveries (app.ts runs it from ready to close). */
export function webhookDeliveryLoop(deps: {
  prisma: PrismaClient;
  settings?: Partial<WebhookSettings>;
  pollIntervalMs: number;
  log: DueWorkLog;
}): DueWorkLoop {
  const deliverer = new WebhookDeliverer(deps);
  return new DueWorkLoop({
    name: 'webhook deliveries',
    runOne: () => deliverer.runOne(),
    anyDue: () => anyDeliveryDue(deps.prisma),
    pollIntervalMs: deps.pollIntervalMs,
    concurrency: deps.settings?.concurrency ?? DEFAULT_WEBHOOK_SETTINGS.concurrency,
    log: deps.log,
  });
}
