import type { Snapshot } from '@switchyard/sdk/schema';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../db/prisma.ts';
import { withTimeout } from '../redis/timeout.ts';
import { loadSnapshot } from './read-model.ts';
import { deleteKeysMatching } from './redis-sweep.ts';
import type { VersionTracker } from './version-tracker.ts';

/** One immutable version of an environment's snapshot, serialized once. */
export class CachedSnapshot {
  private parsed: Snapshot | undefined;

  constructor(
    readonly environment: string,
    readonly version: number,
    readonly json: string,
    parsed?: Snapshot,
  ) {
    this.parsed = parsed;
  }

  get snapshot(): Snapshot {
    this.parsed ??= JSON.parse(this.json) as Snapshot;
    return this.parsed;
  }
}

export type SnapshotCacheOptions = {
  prisma: PrismaClient;
  redis: Redis | null;
  namespace: string;
  tracker: VersionTracker;
  ttlSeconds?: number;
  redisTimeoutMs?: number;
  onError?: (err: unknown) => void;
};

/**
 * Snapshots by (environment, version). A version never changes once written, so a cached version is
 * never stale; "which version is current" comes from the in-memory VersionTracker. Layers: this
 * process's latest entry per environment, then Redis `<ns>:snapshot:<env>:<version>` (shared by the
 * replicas), then Postgres.
 */
export class SnapshotCache {
  private readonly latest = new Map<string, CachedSnapshot>();
  private readonly inflight = new Map<string, Promise<CachedSnapshot | null>>();
  private readonly ttlSeconds: number;
  private readonly redisTimeoutMs: number;
  /** Environments deleted so far: a load that saw one happen keeps what it read to itself. */
  private deletions = 0;

  constructor(private readonly options: SnapshotCacheOptions) {
    this.ttlSeconds = options.ttlSeconds ?? 3600;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 500;
  }

  redisKey(environmentKey: string, version: number): string {
    return `${this.options.namespace}:snapshot:${environmentKey}:${version}`;
  }

  /** The current snapshot of the environment, or null when it does not exist. */
  current(environmentKey: string): Promise<CachedSnapshot | null> {
    const known = this.options.tracker.get(environmentKey);
    const cached = this.latest.get(environmentKey);
    if (cached && known !== undefined && cached.version >= known) return Promise.resolve(cached);
    let pending = this.inflight.get(environmentKey);
    if (!pending) {
      const loading = this.load(environmentKey, known).finally(() => {
        if (this.inflight.get(environmentKey) === loading) this.inflight.delete(environmentKey);
      });
      this.inflight.set(environmentKey, loading);
      pending = loading;
    }
    return pending;
  }

  /** Whether `snapshot` is still the one this cache serves for its environment (not replaced, not deleted). */
  isLatest(snapshot: CachedSnapshot): boolean {
    return this.latest.get(snapshot.environment) === snapshot;
  }

  /**
   * Drops a deleted environment's snapshots, here and in Redis, so that no replica serves them, nor
   * hands them to a later environment of the same key (whose versions start again from 0).
   */
  forget(environmentKey: string): void {
    this.deletions++;
    this.latest.delete(environmentKey);
    this.inflight.delete(environmentKey);
    const { redis, namespace } = this.options;
    if (redis) deleteKeysMatching(redis, `${namespace}:snapshot:${environmentKey}:*`).catch((err: unknown) => this.options.onError?.(err));
  }

  private async load(environmentKey: string, known: number | undefined): Promise<CachedSnapshot | null> {
    const { redis, prisma, tracker } = this.options;
    const deletions = this.deletions;
    if (redis && known !== undefined) {
      const json = await withTimeout(redis.get(this.redisKey(environmentKey, known)), this.redisTimeoutMs).catch((err: unknown) => {
        this.options.onError?.(err);
        return null;
      });
      if (json !== null) {
        const entry = new CachedSnapshot(environmentKey, known, json);
        return deletions === this.deletions ? this.remember(entry) : entry;
      }
    }
    const snapshot = await loadSnapshot(prisma, environmentKey);
    if (!snapshot) {
      this.latest.delete(environmentKey);
      tracker.forget(environmentKey);
      return null;
    }
    const loaded = new CachedSnapshot(environmentKey, snapshot.version, JSON.stringify(snapshot), snapshot);
    // Read while an environment was being deleted: perhaps this one, so it is served to this caller only.
    if (deletions !== this.deletions) return loaded;
    const entry = this.remember(loaded);
    tracker.observe(environmentKey, snapshot.version);
    if (redis) {
      withTimeout(redis.set(this.redisKey(environmentKey, entry.version), entry.json, 'EX', this.ttlSeconds), this.redisTimeoutMs).catch(
        (err: unknown) => this.options.onError?.(err),
      );
    }
    return entry;
  }

  private remember(entry: CachedSnapshot): CachedSnapshot {
    const cached = this.latest.get(entry.environment);
    if (cached && cached.version > entry.version) return cached;
    this.latest.set(entry.environment, entry);
    return entry;
  }
}
