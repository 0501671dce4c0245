/**
 * Scheduled changes across replicas (apps on one database, each running its loop): each change is
 * applied exactly once, whoever takes it, and a replica that dies mid-apply neither half-applies it
 * nor keeps it from being applied.
 */
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag } from '../flags/helpers.ts';
import { auditOf, config, dbNow, getChange, instantAfter, makeDueNow, schedule, settled } from './helpers.ts';

const HOUR = 3_600_000;

type Replica = { app: FastifyInstance; prisma: PrismaClient };

/** Another replica on the test app's database: its own connections, its own due-work loops. */
async function startReplica(t: TestApp): Promise<Replica> {
  const prisma = createPrisma(t.db.url, 5);
  const app = await buildApp({ prisma, dueWork: { pollIntervalMs: 50 } });
  await app.ready();
  return { app, prisma };
}

async function stopReplica(replica: Replica): Promise<void> {
  await replica.app.close();
  await replica.prisma.$disconnect();
}

describe('scheduled changes on several replicas', () => {
  let t: TestApp;
  const replicas: Replica[] = [];
  beforeAll(async () => {
    // This app only serves the API: the replicas below do the due work.
    t = await createTestApp({ dueWork: { enabled: false } });
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await stopReplica(replica);
  });
  afterAll(async () => t?.close());

  it('applies each of 50 changes due at the same instant exactly once, with two replicas polling', { timeout: 60_000 }, async () => {
    const flags = Array.from({ length: 10 }, (_, i) => `multi-${i}`);
    for (const key of flags) await createFlag(t, { key });
    const at = instantAfter(await dbNow(t), HOUR);
    const changes = [];
    for (let n = 0; n < 50; n++) {
      const flag = flags[n % flags.length]!;
      changes.push({
        flag,
        user: `user-${n}`,
        ...(await schedule(t, flag, { at, instructions: [{ kind: 'addTargets', variation: 0, values: [`user-${n}`] }] })),
      });
    }
    replicas.push(await startReplica(t), await startReplica(t));
    // The same due time for all 50, by the database's clock, while both replicas poll.
    await makeDueNow(
      t,
      changes.map((c) => c.id),
    );

    await until(
      'all 50 changes applied',
      async () => (await t.db.prisma.scheduledChange.count({ where: { status: 'applied' } })) === 50,
      30_000,
    );
    const applied = await t.db.prisma.auditEvent.findMany({ where: { action: 'scheduled-change.applied' } });
    expect(applied).toHaveLength(50);
    expect(new Set(applied.map((e) => e.resourceKey))).toEqual(new Set(changes.map((c) => c.id)));
    expect(await t.db.prisma.auditEvent.count({ where: { action: 'flag.configuration.updated' } })).toBe(50);
    for (const key of flags) {
      const current = await config(t, key);
      const users = changes.filter((c) => c.flag === key).map((c) => c.user);
      expect(current.version).toBe(1 + users.length);
      expect(current.targets).toHaveLength(1);
      expect([...current.targets[0].values].sort()).toEqual([...users].sort());
    }
  });

  it('applies a change once when the replica that claimed it is killed mid-apply', async () => {
    await createFlag(t, { key: 'held' });
    await createFlag(t, { key: 'sentinel' });
    const held = await schedule(t, 'held', { at: instantAfter(await dbNow(t), HOUR), instructions: [{ kind: 'turnOn' }] });
    await makeDueNow(t, [held.id]);

    // A replica claims the change as the loop does, and is half-way through applying it when it dies.
    const dying = new pg.Client({ connectionString: t.db.url });
    dying.on('error', () => {}); // its connection is about to be killed
    await dying.connect();
    const [{ pid }] = (await dying.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    await dying.query('BEGIN');
    const claimed = await dying.query(
      `SELECT "id" FROM "ScheduledChange" WHERE "id" = $1 AND "status" = 'pending' AND "dueAt" <= (now() AT TIME ZONE 'UTC') FOR UPDATE SKIP LOCKED`,
      [held.id],
    );
    expect(claimed.rowCount).toBe(1);
    await dying.query(
      `UPDATE "FlagEnvironment" fe SET "on" = true, "version" = fe."version" + 1
       FROM "Flag" f, "Environment" e
       WHERE fe."flagId" = f."id" AND fe."environmentId" = e."id" AND f."key" = 'held' AND e."key" = 'production'`,
    );
    await dying.query(
      `INSERT INTO "AuditEvent" ("actor", "action", "resourceType", "resourceKey", "flagKey") VALUES ('schedule:x', 'flag.toggled', 'flag', 'held', 'held')`,
    );

    // Another replica runs: it passes over the claimed change (a later one, due too, is applied) ...
    replicas.push(await startReplica(t));
    const sentinel = await schedule(t, 'sentinel', { at: instantAfter(await dbNow(t), HOUR), instructions: [{ kind: 'turnOn' }] });
    await makeDueNow(t, [sentinel.id]);
    expect((await settled(t, sentinel.id)).status).toBe('applied');
    expect((await getChange(t, held.id)).status).toBe('pending');

    // ... until the claiming replica's connection dies: its transaction is rolled back and the change applied once.
    await t.db.prisma.$executeRaw`SELECT pg_terminate_backend(${pid}::int)`;
    const done = await settled(t, held.id);
    expect(done).toMatchObject({ status: 'applied', outcome: 'Applied: turn on (configuration v1 -> v2).' });
    expect(await config(t, 'held')).toMatchObject({ on: true, version: 2 });
    expect((await auditOf(t, { flagKey: 'held' })).map((e) => e.action)).toEqual([
      'flag.created',
      'scheduled-change.created',
      'flag.toggled',
      'scheduled-change.applied',
    ]);
    await dying.end().catch(() => {});
  });
});
