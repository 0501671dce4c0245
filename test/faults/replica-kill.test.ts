/**
 * Fault: one of two replicas (real `server/src/main.ts` processes behind a round-robin load
 * balancer) is killed with SIGKILL while SDK clients are connected to both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion, seededDatabase } from './helpers/fleet.ts';
import { ok } from './helpers/http.ts';
import { PrivateRedis } from './helpers/redis-server.ts';
import { ReplicaProcess } from './helpers/replica-process.ts';

const user = { key: 'user-1' };

describe('fault: a replica is killed (SIGKILL)', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let adminToken: string;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  let balancer: TcpProxy;
  const clients = new ClientPool();

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ db, adminToken } = await seededDatabase());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, SWITCHYARD_ADMIN_TOKEN: adminToken };
    [a, b] = await Promise.all([ReplicaProcess.start(env), ReplicaProcess.start(env)]);
    balancer = await TcpProxy.start([a.target, b.target]);
  });
  afterAll(async () => {
    await clients.closeAll();
    await balancer?.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.drop();
    await redis?.stop();
  });

  it('moves its SDK clients to the other replica, and a toggle made right after the kill reaches them all', async () => {
    const { serverKey } = await createKeys(b.url, adminToken);
    await ok(b.url, 'POST', '/api/flags', { token: adminToken, body: { key: 'checkout', name: 'checkout', kind: 'boolean' } });
    const fleet = Array.from({ length: 6 }, () => clients.open({ url: balancer.url, sdkKey: serverKey }));
    for (const c of fleet) expect(await c.ready()).toBe(true);
    expect(balancer.connectionsTo(a.target)).toBe(3);
    expect(balancer.connectionsTo(b.target)).toBe(3);

    await a.kill();
    await ok(b.url, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: true } });
    const version = await environmentVersion(db.prisma);

    await until(
      'every client has the toggle made after the kill',
      () => fleet.every((c) => c.version === version && c.isEnabled('checkout', user) && c.status === 'streaming'),
      15_000,
    );
    expect(balancer.connectionsTo(a.target)).toBe(0);
    // Six streams, plus any keep-alive connection left by a poll made while a client was reconnecting.
    expect(balancer.connectionsTo(b.target)).toBeGreaterThanOrEqual(6);
  }, 60_000);
});
