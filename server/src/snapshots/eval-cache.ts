import type { Redis } from 'ioredis';
import { withTimeout } from '../redis/timeout.ts';
import { deleteKeysMatching } from './redis-sweep.ts';

export type EvalCacheOptions = {
  redis: Redis | null;
  namespace: string;
  ttlSeconds?: number;
  /** Entries kept in process (in front of Redis when it is configured). */
  maxLocalEntries?: number;
  redisTimeoutMs?: number;
  onError?: (err: unknown) => void;
};

/**
 * What one answer served, flag by flag (`flags[i]` served `outcomes[i]`: a variation index, or an
 * error kind), kept next to the answer's JSON so that an answer from the cache is counted without
 * being parsed again.
 */
export type ServedFlags = { readonly flags: readonly string[]; readonly outcomes: readonly (number | string)[] };

/** A remote-evaluation answer: the JSON sent, and what it served. */
export type CachedAnswer = { json: string; served: ServedFlags };

/**
 * Remote-evaluation answers under `<ns>:eval:<env>:<version>:<hash>`. The environment version is
 * part of the key, so a change can never be answered from the cache: the next request misses.
 */
export class EvalCache {
  private readonly local = new Map<string, CachedAnswer>();
  private readonly ttlSeconds: number;
  private readonly maxLocalEntries: number;
  private readonly redisTimeoutMs: number;

  constructor(private readonly options: EvalCacheOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 300;
    this.maxLocalEntries = options.maxLocalEntries ?? 10_000;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 250;
  }

  key(environmentKey: string, version: number, hash: string): string {
    return `${this.options.namespace}:eval:${environmentKey}:${version}:${hash}`;
  }

  /**
   * `local`: answered from this process; `shared`: from Redis (another replica, or this one earlier),
   * which holds only the JSON: `servedOf` derives what it served, once, before it is kept here.
   */
  async get(key: string, servedOf: (json: string) => ServedFlags): Promise<(CachedAnswer & { from: 'local' | 'shared' }) | null> {
    const local = this.local.get(key);
    if (local !== undefined) return { json: local.json, served: local.served, from: 'local' };
    const { redis } = this.options;
    if (!redis) return null;
    const json = await withTimeout(redis.get(key), this.redisTimeoutMs).catch((err: unknown) => {
      this.options.onError?.(err);
      return null;
    });
    if (json === null) return null;
    const answer = { json, served: servedOf(json) };
    this.remember(key, answer);
    return { ...answer, from: 'shared' };
  }

  /** Stores without making the caller wait. */
  set(key: string, answer: CachedAnswer): void {
    const { redis } = this.options;
    if (redis) {
      withTimeout(redis.set(key, answer.json, 'EX', this.ttlSeconds), this.redisTimeoutMs).catch((err: unknown) =>
        this.options.onError?.(err),
      );
    }
    this.remember(key, answer);
  }

  /**
   * Drops a deleted environment's answers, here and in Redis: a later environment of the same key
   * starts again from version 0, and must not be answered what was computed for this one.
   */
  forgetEnvironment(environmentKey: string): void {
    const prefix = `${this.options.namespace}:eval:${environmentKey}:`;
    for (const key of this.local.keys()) if (key.startsWith(prefix)) this.local.delete(key);
    const { redis } = this.options;
    if (redis) deleteKeysMatching(redis, `${prefix}*`).catch((err: unknown) => this.options.onError?.(err));
  }

  /** Entries are immutable (the version is in the key), so a bounded insertion-order map is enough. */
  private remember(key: string, answer: CachedAnswer): void {
    if (this.local.size >= this.maxLocalEntries) {
      const oldest = this.local.keys().next();
      if (!oldest.done) this.local.delete(oldest.value);
    }
    this.local.set(key, answer);
  }
}
