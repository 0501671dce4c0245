/**
 * Fault: Redis stops while SDKs are connected to two replicas, then comes back (empty).
 * Both replicas check the database only once a minute here, so what the clients of the replica that
 * did not make a write get can only come from the Redis fan-out or its resubscription catch-up.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion, type Replica, seededDatabase, startReplica } from './helpers/fleet.ts';
import { call, ok } from './helpers/http.ts';
import { PrivateRedis } from './helpers/redis-server.ts';

const user = { key: 'user-1' };
const NO_PERIODIC_CHECK = { versionCheckIntervalMs: 60_000 };

describe('fault: Redis stops while SDKs are connected', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let adminToken: string;
  let a: Replica;
  let b: Replica;
  let keys: { serverKey: string; clientKey: string };
  const clients = new ClientPool();

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ db, adminToken } = await seededDatabase());
    a = await startReplica(db.url, { redisUrl: redis.url, streaming: NO_PERIODIC_CHECK });
    b = await startReplica(db.url, { redisUrl: redis.url, streaming: NO_PERIODIC_CHECK });
    keys = await createKeys(a.url, adminToken);
    await ok(a.url, 'POST', '/api/flags', {
      token: adminToken,
      body: { key: 'checkout', name: 'checkout', kind: 'boolean', clientSideAvailable: true },
    });
  });
  afterAll(async () => {
    await clients.closeAll();
    await b?.close();
    await a?.close();
    await db?.drop();
    await redis?.stop();
  });

  const toggle = (replica: Replica, on: boolean) =>
    call(replica.url, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on } });

  it('keeps serving, accepts writes that reach the same replica, and converges everyone when Redis returns', async () => {
    const onA = [0, 1, 2].map(() => clients.open({ url: a.url, sdkKey: keys.serverKey }));
    const onB = [0, 1, 2].map(() => clients.open({ url: b.url, sdkKey: keys.serverKey }));
    for (const c of [...onA, ...onB]) expect(await c.ready()).toBe(true);
    const before = await environmentVersion(db.prisma);

    await redis.stop();

    // The servers keep answering: SDK reads and remote evaluation, from their caches or Postgres.
    for (const replica of [a, b]) {
      const snapshot = await call(replica.url, 'GET', '/sdk/snapshot', { token: keys.serverKey });
      expect(snapshot.status).toBe(200);
      expect(snapshot.body.version).toBe(before);
      const evaluation = await call(replica.url, 'POST', '/sdk/evaluate', { token: keys.clientKey, body: { context: user } });
      expect(evaluation.status).toBe(200);
      expect(evaluation.body.flags.checkout.value).toBe(false);
      expect(evaluation.ms).toBeLessThan(2000);
    }

    // An admin write still succeeds, promptly, and reaches the clients of the replica that made it.
    const write = await toggle(a, true);
    expect(write.status).toBe(200);
    expect(write.ms).toBeLessThan(3000);
    const during = await environmentVersion(db.prisma);
    expect(during).toBe(before + 1);
    await until('the clients of replica A see the toggle', () => onA.every((c) => c.isEnabled('checkout', user) && c.version === during));

    // Replica A serves the new version over HTTP too (its snapshot cache falls back to Postgres).
    const fresh = await call(a.url, 'GET', '/sdk/snapshot', { token: keys.serverKey });
    expect(fresh.body.version).toBe(during);
    const evaluated = await call(a.url, 'POST', '/sdk/evaluate', { token: keys.clientKey, body: { context: user } });
    expect(evaluated.body).toMatchObject({ version: during, flags: { checkout: { value: true } } });

    // The clients of replica B keep serving the rules they have (the notice could not cross).
    for (const c of onB) {
      expect(c.status).toBe('streaming');
      expect(c.version).toBe(before);
      expect(c.isEnabled('checkout', user)).toBe(false);
    }

    await redis.start();

    // Replica B's subscriber comes back, catches up from Postgres, and its clients converge.
    await until(
      'every client is at the database version',
      async () => {
        const current = await environmentVersion(db.prisma);
        return [...onA, ...onB].every((c) => c.version === current && c.isEnabled('checkout', user));
      },
      15_000,
    );

    // And the fan-out works again in both directions: a write on B reaches A's clients at once.
    const probe = new Redis(redis.url);
    try {
      await until('both replicas are subscribed again', async () => {
        const [, count] = (await probe.pubsub('NUMSUB', 'switchyard:changes')) as [string, number];
        return count === 2;
      });
    } finally {
      probe.disconnect();
    }
    expect((await toggle(b, false)).status).toBe(200);
    const after = await environmentVersion(db.prisma);
    await until(
      'every client sees the write made on B',
      () => [...onA, ...onB].every((c) => c.version === after && !c.isEnabled('checkout', user)),
      5000,
    );
  }, 60_000);
});
