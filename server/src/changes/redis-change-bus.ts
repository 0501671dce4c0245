import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '../redis/timeout.ts';
import type { ChangeBus } from './change-bus.ts';
import type { ChangeNotice } from './notice.ts';

type Envelope = { origin: string; notice: ChangeNotice };

/** A notice whose patch would make the message larger than this goes without it (receivers then read the database). */
export const MAX_NOTICE_BYTES = 256 * 1024;

/**
 * Fan-out of change notices across replicas over Redis pub/sub on `<ns>:changes`.
 *
 * Why pub/sub (and not Postgres LISTEN/NOTIFY or a Redis stream): Redis is already in the design for
 * the caches, pub/sub costs one round trip per change whatever the number of replicas, and it needs
 * no per-replica cursor. Its weakness (a message published while a subscriber is disconnected is
 * lost) does not matter here: notices only say "environment X is now at version N", Postgres stays
 * the source of truth, and a replica catches up from the database when its subscriber reconnects
 * and on a periodic version check.
 *
 * Notices are delivered to this process's own handlers at once (after the message has been handed
 * to Redis, so the other replicas do not wait for this one's fan-out); the copy that comes back from
 * Redis is recognised by its origin and skipped.
 */
export class RedisChangeBus implements ChangeBus {
  private readonly origin = randomUUID();
  private readonly handlers = new Set<(notice: ChangeNotice) => void>();
  private readonly resubscribeHandlers = new Set<() => void>();
  private readonly channel: string;
  private readonly subscriber: Redis;
  private closed = false;

  constructor(
    private readonly publisher: Redis,
    namespace: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.channel = `${namespace}:changes`;
    this.subscriber = publisher.duplicate({ connectionName: `${namespace}:changes-subscriber` });
    this.subscriber.on('error', (err: unknown) => this.onError(err));
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    // ioredis re-subscribes by itself on reconnect; a 'ready' after start-up means we were
    // disconnected and may have missed notices. (An extra catch-up is harmless.)
    this.subscriber.on('ready', () => {
      if (this.closed) return;
      for (const handler of this.resubscribeHandlers) handler();
    });
  }

  /**
   * Resolves once the subscription is active, so that no notice published afterwards is missed; or,
   * when Redis does not answer within `timeoutMs`, resolves anyway (the subscription completes when
   * Redis comes back, and the periodic database check covers the meantime) rather than block start-up.
   */
  async start(timeoutMs = 3000): Promise<void> {
    await withTimeout(this.subscriber.subscribe(this.channel), timeoutMs).catch((err: unknown) => this.onError(err));
  }

  async publish(notice: ChangeNotice): Promise<void> {
    let message = JSON.stringify({ origin: this.origin, notice } satisfies Envelope);
    if ('patch' in notice && notice.patch && Buffer.byteLength(message) > MAX_NOTICE_BYTES) {
      const { patch: _tooLarge, ...withoutPatch } = notice;
      message = JSON.stringify({ origin: this.origin, notice: withoutPatch } satisfies Envelope);
    }
    const sent = this.publisher.publish(this.channel, message);
    this.deliver(notice);
    await sent;
  }

  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Called after the subscriber connection came back: the caller should catch up from the database. */
  onResubscribe(handler: () => void): () => void {
    this.resubscribeHandlers.add(handler);
    return () => this.resubscribeHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.resubscribeHandlers.clear();
    this.subscriber.disconnect();
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch (err) {
      this.onError(err);
      return;
    }
    if (envelope.origin === this.origin || !envelope.notice) return;
    this.deliver(envelope.notice);
  }

  private deliver(notice: ChangeNotice): void {
    for (const handler of this.handlers) {
      try {
        handler(notice);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
