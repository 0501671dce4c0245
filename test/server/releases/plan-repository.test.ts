/**
 * The plan repository's lock-and-read statement (one raw statement on every stage step and every
 * operation on a plan) reads a plan exactly as Prisma's own read does: the same fields, types and
 * values, with its flag's and environment's keys; and a claim skips a plan another transaction holds.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimDuePlan, findPlan, lockPlan } from '../../../server/src/releases/plan-repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

describe('release plan repository', () => {
  let db: TestDatabase;
  let planId: string;
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    const environment = await db.prisma.environment.create({ data: { key: 'production', name: 'Production' } });
    const flag = await db.prisma.flag.create({
      data: { key: 'checkout', name: 'Checkout', kind: 'boolean', variations: [true, false], salt: 's' },
    });
    const plan = await db.prisma.releasePlan.create({
      data: {
        flagId: flag.id,
        environmentId: environment.id,
        status: 'running',
        templateKey: 'canary',
        definition: { variation: 0, controlVariation: 1, stages: [{ percentage: 5, holdMinutes: 60, segments: [] }], guard: null },
        stageIndex: 0,
        stageStartedAt: new Date('2026-12-01T10:00:00.123Z'),
        nextCheckAt: new Date('2026-12-01T11:00:00.456Z'),
        waitingFor: 'holding',
        lastVerdict: { outcome: 'no-data', metrics: [{ metricKey: 'checkout-error', estimate: 0.25 }] },
        baseConfig: { on: false, offVariation: 1, fallthrough: { variation: 0 }, targets: [], rules: [], prerequisites: [] },
        configVersion: 2,
        createdBy: 'admin',
      },
    });
    planId = plan.id;
  });
  afterAll(async () => db?.drop());

  it('lockPlan reads the plan as findPlan does, keys included; null for an unknown id', async () => {
    const expected = await findPlan(db.prisma, planId);
    expect(await db.prisma.$transaction((tx) => lockPlan(tx, planId))).toStrictEqual(expected);
    expect(await db.prisma.$transaction((tx) => lockPlan(tx, '00000000-0000-0000-0000-000000000000'))).toBeNull();
  });

  it('claimDuePlan claims a due plan with the database time, and skips one another transaction holds', async () => {
    const expected = await findPlan(db.prisma, planId);
    const claim = await db.prisma.$transaction((tx) => claimDuePlan(tx));
    expect(claim?.plan).toStrictEqual(expected);
    expect(claim?.now).toBeInstanceOf(Date);
    expect(Math.abs(claim!.now.getTime() - Date.now())).toBeLessThan(60_000);

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = db.prisma.$transaction(async (tx) => {
      await lockPlan(tx, planId);
      locked();
      await held;
    });
    await isLocked;
    expect(await db.prisma.$transaction((tx) => claimDuePlan(tx))).toBeNull();
    release();
    await holder;
  });
});
