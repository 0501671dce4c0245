/**
 * Release plan steps happen exactly once whatever replicas do: several replicas due at the same
 * moment, a replica that dies while it holds a plan (its connection, and so its lock, gone), and
 * replicas whose clock jumps (due times are the database's, so the replicas' clocks play no part).
 */
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag } from '../flags/helpers.ts';

const PLANS = 30;
const STAGES = [1, 10, 50, 100];

let t: TestApp;
const replicas: { app: FastifyInstance; prisma: PrismaClient }[] = [];

/** Replicas of t's service on its database, each looking for due work every 20 ms. */
async function startReplicas(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const prisma = createPrisma(t.db.url, 4);
    const app = await buildApp({ prisma, dueWork: { pollIntervalMs: 20 } });
    await app.ready();
    replicas.push({ app, prisma });
  }
}

async function stopReplicas(): Promise<void> {
  for (const { app, prisma } of replicas.splice(0)) {
    await app.close();
    await prisma.$disconnect();
  }
}

beforeAll(async () => {
  // The test app itself does no due work: only the replicas move plans.
  t = await createTestApp({ dueWork: { enabled: false } });
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await stopReplicas();
  await t?.close();
});

const stageApplications = async (planIds: string[]) =>
  (
    await t.db.prisma.auditEvent.findMany({
      where: { resourceType: 'release-plan', resourceKey: { in: planIds }, action: { in: ['release.started', 'release.stage-applied'] } },
      // Without an order PostgreSQL may return rows in any order (seen once in CI: stage 1 before 0).
      orderBy: { id: 'asc' },
    })
  ).map((e) => `${e.resourceKey}:${(e.after as { stageIndex: number }).stageIndex}`);

describe('release plan steps across replicas', () => {
  it('three replicas due at the same moments apply every stage of every plan exactly once', { timeout: 90_000 }, async () => {
    await startReplicas(3);
    const ids: string[] = [];
    for (let i = 0; i < PLANS; i++) {
      const key = `together-${i}`;
      await createFlag(t, { key });
      const res = await t.request('POST', `/api/flags/${key}/environments/production/release-plans`, {
        body: { stages: STAGES.map((percentage) => ({ percentage, holdMinutes: 1 / 60 })) },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    await until(
      'every plan completes',
      async () => (await t.db.prisma.releasePlan.count({ where: { id: { in: ids }, status: 'completed' } })) === PLANS,
      30_000,
    );
    const applied = await stageApplications(ids);
    expect(applied.length).toBe(PLANS * STAGES.length);
    expect(new Set(applied).size).toBe(PLANS * STAGES.length);
    // Each configuration write of a plan is one version: start + 3 stages + completion (guard-free: no write).
    const versions = await t.db.prisma.releasePlan.findMany({ where: { id: { in: ids } }, select: { configVersion: true } });
    expect(new Set(versions.map((v) => v.configVersion))).toEqual(new Set([1 + STAGES.length]));
    await stopReplicas();
  });

  it('a replica that dies holding a due plan loses it to another at once, and the stage is applied once', async () => {
    await createFlag(t, { key: 'orphaned' });
    const plan = (
      await t.request('POST', '/api/flags/orphaned/environments/production/release-plans', {
        body: {
          stages: [
            { percentage: 1, holdMinutes: 60 },
            { percentage: 100, holdMinutes: 60 },
          ],
        },
      })
    ).json();
    // Its first stage's hour is over; a "replica" claims the plan the way the loop does, and dies before committing.
    await t.db.prisma.releasePlan.update({
      where: { id: plan.id },
      data: { nextCheckAt: new Date(Date.now() - 60 * 60_000), stageStartedAt: new Date(Date.now() - 2 * 60 * 60_000) },
    });
    const dying = new pg.Client({ connectionString: t.db.url });
    await dying.connect();
    dying.on('error', () => undefined);
    await dying.query('BEGIN');
    const claimed = await dying.query(`SELECT id FROM "ReleasePlan" WHERE id = $1 FOR UPDATE SKIP LOCKED`, [plan.id]);
    expect(claimed.rowCount).toBe(1);
    await startReplicas(2);
    await new Promise((r) => setTimeout(r, 300));
    // Held: nobody else could take it meanwhile.
    expect(await stageApplications([plan.id])).toEqual([`${plan.id}:0`]);
    const pid = (await dying.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    await t.db.prisma.$executeRawUnsafe(`SELECT pg_terminate_backend(${pid})`);
    await until('another replica applies the stage', async () => (await stageApplications([plan.id])).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stageApplications([plan.id])).toEqual([`${plan.id}:0`, `${plan.id}:1`]);
    await dying.end().catch(() => undefined);
    await stopReplicas();
  });

  it('replicas whose clock jumps a day ahead or back apply a stage neither early nor twice', async () => {
    await createFlag(t, { key: 'clock-jump' });
    const plan = (
      await t.request('POST', '/api/flags/clock-jump/environments/production/release-plans', {
        body: {
          stages: [
            { percentage: 1, holdMinutes: 60 },
            { percentage: 100, holdMinutes: 60 },
          ],
        },
      })
    ).json();
    await startReplicas(2);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 24 * 60 * 60_000);
    await new Promise((r) => setTimeout(r, 500));
    // A day ahead on the replicas' clocks, but the stage's hour has not passed on the database's.
    expect(await stageApplications([plan.id])).toEqual([`${plan.id}:0`]);

    // Its hour over on the database's clock, while the replicas' clocks jump two days back.
    await t.db.prisma.$executeRawUnsafe(
      `UPDATE "ReleasePlan" SET "nextCheckAt" = (now() AT TIME ZONE 'UTC') - interval '1 minute',
         "stageStartedAt" = (now() AT TIME ZONE 'UTC') - interval '61 minutes' WHERE id = $1`,
      plan.id,
    );
    vi.setSystemTime(Date.now() - 2 * 24 * 60 * 60_000);
    await until('a replica applies the stage', async () => (await stageApplications([plan.id])).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stageApplications([plan.id])).toEqual([`${plan.id}:0`, `${plan.id}:1`]);
    await stopReplicas();
  });
});
