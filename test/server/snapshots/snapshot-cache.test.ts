import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EvalCache } from '../../../server/src/snapshots/eval-cache.ts';
import { SnapshotCache } from '../../../server/src/snapshots/snapshot-cache.ts';
import { VersionTracker } from '../../../server/src/snapshots/version-tracker.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, testNamespace, toggle } from '../streaming/stream-kit.ts';

describe('snapshot cache', () => {
  let t: TestApp;
  let redis: Redis;
  const errors: unknown[] = [];
  const newCache = (client: Redis | null, namespace = testNamespace()) => {
    const tracker = new VersionTracker(t.db.prisma, (err) => errors.push(err));
    return {
      tracker,
      cache: new SnapshotCache({
        prisma: t.db.prisma,
        redis: client,
        namespace,
        tracker,
        redisTimeoutMs: 200,
        onError: (err) => errors.push(err),
      }),
    };
  };

  beforeAll(async () => {
    t = await createTestApp();
    redis = new Redis(inject('redisUrl'));
    await createFlag(t, 'cached-flag');
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  it('keeps serving its entry until the tracker learns of a newer version, then loads that version', async () => {
    const { tracker, cache } = newCache(null);
    await tracker.check();
    const first = await cache.current('production');
    expect(first!.snapshot.flags['cached-flag']!.on).toBe(false);
    expect(await cache.current('production')).toBe(first); // same object: no database read

    await toggle(t, 'cached-flag', 'production', true);
    expect(await cache.current('production')).toBe(first); // the tracker has not heard yet
    await tracker.check();
    const second = await cache.current('production');
    expect(second!.version).toBe(first!.version + 1);
    expect(second!.snapshot.flags['cached-flag']!.on).toBe(true);
  });

  it('answers null for an environment that does not exist', async () => {
    const { cache } = newCache(redis);
    expect(await cache.current('no-such-environment')).toBeNull();
  });

  it('falls back to the database when Redis does not answer, without making the request wait long', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => 100 });
    dead.on('error', () => {});
    try {
      const { tracker, cache } = newCache(dead);
      await tracker.check();
      const started = Date.now();
      const snapshot = await cache.current('production');
      expect(snapshot!.environment).toBe('production');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(errors.length).toBeGreaterThan(0);

      const evals = new EvalCache({ redis: dead, namespace: 'x', redisTimeoutMs: 200, onError: () => {} });
      const served = { flags: [], outcomes: [] };
      expect(await evals.get('x:eval:production:1:abc', () => served)).toBeNull();
      evals.set('x:eval:production:1:abc', { json: '{"flags":{}}', served });
      expect(await evals.get('x:eval:production:1:abc', () => served)).toEqual({ json: '{"flags":{}}', served, from: 'local' });
    } finally {
      dead.disconnect();
    }
  });
});
