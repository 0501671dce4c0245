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
  /** Settled deliveries (and their attempts) older than this many days are deleted. Default 14. */
  retentionDays: number;
  /** Deliveries deleted by one statement of the retention: small, so that each is short. Default 500. */
  retentionBatchSize: number;
  /** How often a replica looks for deliveries past their retention. Default 10 minutes. */
  retentionCheckIntervalMs: number;
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 10_000,
  backoffBaseMs: 5_000,
  backoffMaxMs: 60 * 60 * 1000,
  maxAttempts: 8,
  concurrency: 2,
  retentionDays: 14,
  retentionBatchSize: 500,
  retentionCheckIntervalMs: 10 * 60 * 1000,
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

type Answer = { statusCode: number; responseSnippet: string | null } | { statusCode: null; error: string };

/** How much of a receiver's answer body the attempt log keeps. */
const RESPONSE_SNIPPET_BYTES = 1024;

/** Why a request got no answer, in a few words (no URL: a Slack webhook URL is itself a secret). */
function describeFailure(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : typeof cause?.code === 'string' ? cause.code : null;
  const message = err instanceof Error ? err.message : String(err);
  return (detail ? `${message}: ${detail}` : message).slice(0, 500);
}

/**
 * The first RESPONSE_SNIPPET_BYTES of an answer's body, as text PostgreSQL can store (null: no body).
 * Reading stops at the cap, at the end, or when the attempt's timeout aborts the body: only the status
 * decides the outcome, so a receiver slow to send its body cannot hold the attempt longer.
 */
async function readSnippet(body: ReadableStream<Uint8Array> | null): Promise<string | null> {
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Timed out or cut off mid-body: keep what came.
  } finally {
    await reader.cancel().catch(() => {});
  }
  // `stream: true` holds back a character the cap cut in two, rather than ending with U+FFFD.
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES), { stream: true });
  return text === '' ? null : text.replaceAll('\0', '');
}

/** POSTs the body; redirects are not followed (a 3xx is a failed attempt). */
async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
  } catch (err) {
    if (signal.aborted) return { statusCode: null, error: `timed out: no answer within ${timeoutMs} ms` };
    return { statusCode: null, error: describeFailure(err) };
  }
  return { statusCode: response.status, responseSnippet: await readSnippet(response.body) };
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
    const started = performance.now();
    const answer = await post(delivery.webhook.url, body, headers, this.settings.timeoutMs);
    const record = {
      durationMs: Math.round(performance.now() - started),
      responseSnippet: answer.statusCode === null ? null : answer.responseSnippet,
    };
    if (answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300) {
      return { ...record, delivered: true, statusCode: answer.statusCode };
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
    return { ...record, delivered: false, statusCode: answer.statusCode, error, retryInMs };
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
