import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withTimeout } from '../redis/timeout.ts';

/** What a stream token grants: the change notices of one environment, for the holder of one key, until `expiresAt` (epoch seconds). */
export type StreamGrant = { environmentId: string; environmentKey: string; tokenId: string; expiresAt: number };

const HOUR_SECONDS = 3600;

/**
 * Stream tokens: EventSource cannot send headers, and keys never go in URLs, so the bulk answer names
 * a stream URL carrying `<payload>.<HMAC-SHA256 of the payload>` instead.
 *
 * Why signed rather than random tokens stored (hashed) somewhere: verifying one needs no storage and no
 * round trip, and every replica verifies what any replica issued. The expiry is the end of the next
 * hour (1 to 2 hours ahead), so every client of a key gets the same URL for an hour: the web provider
 * reconnects whenever the URL in a bulk answer changes, and a stable URL spares it a reconnect per refetch.
 */
export class StreamTokens {
  private readonly issued = new Map<string, { window: number; token: string }>();

  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The hour tokens are issued for now: tokens change when it does. */
  currentWindow(): number {
    return Math.floor(this.now() / 1000 / HOUR_SECONDS);
  }

  /** The current token for a key (the same one within an hour). */
  issue(grant: Omit<StreamGrant, 'expiresAt'>): string {
    const window = this.currentWindow();
    const known = this.issued.get(grant.tokenId);
    if (known?.window === window) return known.token;
    const expiresAt = (window + 2) * HOUR_SECONDS;
    const payload = Buffer.from(JSON.stringify([grant.environmentId, grant.environmentKey, grant.tokenId, expiresAt])).toString(
      'base64url',
    );
    const token = `${payload}.${this.sign(payload)}`;
    if (this.issued.size >= 10_000) this.issued.clear();
    this.issued.set(grant.tokenId, { window, token });
    return token;
  }

  /** The grant of a token signed here (or by a replica sharing the secret) and not expired; null otherwise. */
  verify(token: string): StreamGrant | null {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const payload = token.slice(0, dot);
    // Compared as text: decoding first would accept other spellings of the same bytes (base64's unused low bits).
    const signature = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(fields) || fields.length !== 4) return null;
    const [environmentId, environmentKey, tokenId, expiresAt] = fields as unknown[];
    if (typeof environmentId !== 'string' || typeof environmentKey !== 'string' || typeof tokenId !== 'string') return null;
    if (typeof expiresAt !== 'number' || expiresAt * 1000 <= this.now()) return null;
    return { environmentId, environmentKey, tokenId, expiresAt };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

/**
 * The signing secret. Replicas behind one load balancer must share it, and replicas share a Redis (their
 * change bus), so it lives there, created once by whichever replica starts first. Without Redis there is
 * one replica, and a secret of its own is enough (tokens then end with the process: providers fetch new ones).
 */
export async function streamTokenSecret(redis: Redis | null, namespace: string, onError: (err: unknown) => void): Promise<Buffer> {
  const fresh = randomBytes(32).toString('hex');
  if (!redis) return Buffer.from(fresh, 'hex');
  const key = `${namespace}:ofrep:stream-token-secret`;
  try {
    await withTimeout(redis.set(key, fresh, 'NX'), 2_000);
    const stored = await withTimeout(redis.get(key), 2_000);
    if (stored && /^[0-9a-f]{64}$/.test(stored)) return Buffer.from(stored, 'hex');
  } catch (err) {
    onError(err);
  }
  return Buffer.from(fresh, 'hex');
}
