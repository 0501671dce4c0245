/**
 * Fault: PostgreSQL stops and comes back (a private embedded PostgreSQL, really stopped and started
 * again on the same port) under a running replica with connected SDKs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_KEY_CACHE_TTL_MS } from '../../server/src/auth/plugin.ts';
import { generateSecret } from '../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../server/src/bootstrap.ts';
import { createPrisma, type PrismaClient } from '../../server/src/db/prisma.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, type Replica, startReplica } from './helpers/fleet.ts';
import { call, ok } from './helpers/http.ts';
import { PrivatePostgres } from './helpers/private-postgres.ts';

const user = { key: 'user-1', email: 'ana@example.com' };
const betaRule = { id: 'beta', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 };

/** Everything a write could leave behind, read straight from the database. */
async function writtenState(prisma: PrismaClient) {
  const [audit, flags, changes, environment, config] = await Promise.all([
    prisma.auditEvent.count(),
    prisma.flag.findMany({ select: { key: true, version: true }, orderBy: { key: 'asc' } }),
    prisma.environmentChange.count(),
    prisma.environment.findUniqueOrThrow({ where: { key: 'production' }, select: { version: true } }),
    prisma.flagEnvironment.findFirstOrThrow({
      where: { flag: { key: 'checkout' }, environment: { key: 'production' } },
      select: { on: true, rules: true, version: true },
    }),
  ]);
  return { audit, flags, changes, environmentVersion: environment.version, config };
}

describe('fault: PostgreSQL restarts under a running replica', () => {
  let pg: PrivatePostgres;
  let inspector: PrismaClient;
  let replica: Replica;
  let adminToken: string;
  let keys: { serverKey: string; clientKey: string };
  const clients = new ClientPool();

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    inspector = createPrisma(pg.databaseUrl, 2);
    adminToken = generateSecret('admin');
    await seedOnFirstStart(inspector, { adminToken });
    replica = await startReplica(pg.databaseUrl); // no Redis: the in-process path
    keys = await createKeys(replica.url, adminToken);
    await ok(replica.url, 'POST', '/api/flags', {
      token: adminToken,
      body: { key: 'checkout', name: 'checkout', kind: 'boolean', clientSideAvailable: true },
    });
  });
  afterAll(async () => {
    await clients.closeAll();
    await replica?.close();
    await inspector?.$disconnect();
    await pg?.destroy();
  });

  it('refuses writes with a clear 503 and changes nothing, keeps serving reads and the stream, ' +
    'and recovers without a restart', async () => {
    const streaming = [0, 1].map(() => clients.open({ url: replica.url, sdkKey: keys.serverKey }));
    for (const c of streaming) expect(await c.ready()).toBe(true);
    // Both keys have been used on this replica before the outage (an application that was running).
    expect((await call(replica.url, 'GET', '/sdk/snapshot', { token: keys.serverKey })).status).toBe(200);
    expect((await call(replica.url, 'POST', '/sdk/evaluate', { token: keys.clientKey, body: { context: user } })).status).toBe(200);
    const unseen = await createKeys(replica.url, adminToken);
    const before = await writtenState(inspector);

    await pg.stop();

    const writes = [
      call(replica.url, 'POST', '/api/flags/checkout/environments/production/toggle', { token: adminToken, body: { on: true } }),
      call(replica.url, 'PATCH', '/api/flags/checkout/environments/production', { token: adminToken, body: { rules: [betaRule] } }),
      call(replica.url, 'POST', '/api/flags', { token: adminToken, body: { key: 'born-in-outage', name: 'x', kind: 'boolean' } }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: 'unavailable',
        message: expect.stringMatching(/database is unavailable; nothing was changed/),
        details: [],
      });
    }

    // Reads keep serving the cached snapshot, even once the SDK key cache has expired.
    await new Promise((r) => setTimeout(r, SDK_KEY_CACHE_TTL_MS + 200));
    const snapshot = await call(replica.url, 'GET', '/sdk/snapshot', { token: keys.serverKey });
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.version).toBe(before.environmentVersion);
    const evaluation = await call(replica.url, 'POST', '/sdk/evaluate', { token: keys.clientKey, body: { context: user } });
    expect(evaluation.status).toBe(200);
    expect(evaluation.body.flags.checkout).toMatchObject({ value: false });
    // A key this replica never saw cannot be checked now: a 503 (retry), never a 401 that would make an SDK give up.
    const unknown = await call(replica.url, 'GET', '/sdk/snapshot', { token: unseen.serverKey });
    expect(unknown.status).toBe(503);
    expect(unknown.body.error).toBe('unavailable');

    // Connected SDKs keep their stream; an application starting now gets the rules by polling the cache.
    for (const c of streaming) {
      expect(c.status).toBe('streaming');
      expect(c.isEnabled('checkout', user)).toBe(false);
    }
    const latecomer = clients.open({ url: replica.url, sdkKey: keys.serverKey, pollIntervalMs: 200 });
    expect(await latecomer.ready(10_000)).toBe(true);
    expect(latecomer.version).toBe(before.environmentVersion);

    await pg.start();

    // The replica recovers by itself: the first write after the restart succeeds (the pool reconnects).
    const recovered = await until(
      'an admin write succeeds after the restart',
      async () => {
        const res = await call(replica.url, 'PATCH', '/api/flags/checkout/environments/production', {
          token: adminToken,
          body: { on: true, rules: [betaRule] },
        });
        if (res.status === 503) return null;
        return res;
      },
      20_000,
      200,
    );
    expect(recovered.status).toBe(200);

    // Nothing of the refused writes was written: exactly one new version, change and audit event (the recovery write).
    const after = await writtenState(inspector);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.changes).toBe(before.changes + 1);
    expect(after.environmentVersion).toBe(before.environmentVersion + 1);
    expect(after.flags).toEqual(before.flags);
    expect(after.config.version).toBe(before.config.version + 1);

    // And the write reaches every client, the one that started during the outage included.
    await until(
      'every client has the write made after recovery',
      () => clients.all.every((c) => c.version === after.environmentVersion && c.isEnabled('checkout', user)),
      15_000,
    );
    await until('the latecomer is streaming again', () => latecomer.status === 'streaming', 15_000);
  }, 60_000);
});
