import type { Db, Prisma, Transaction } from '../db/prisma.ts';
import { DB_NOW_UTC } from '../jobs/due-work.ts';
import type { ReleasePlanStatus } from './schemas.ts';

const withKeys = { flag: { select: { key: true } }, environment: { select: { key: true } } } as const;

export type ReleasePlanRow = Prisma.ReleasePlanGetPayload<{ include: typeof withKeys }>;

export const ACTIVE_STATUSES: ReleasePlanStatus[] = ['running', 'paused'];

/** The database's clock (UTC, as the timestamp columns hold it): every due time is on it, never on a replica's. */
export async function databaseNow(db: Db): Promise<Date> {
  const [row] = await db.$queryRawUnsafe<{ now: Date }[]>(`SELECT ${DB_NOW_UTC} AS now`);
  return row!.now;
}

/**
 * The database's clock at this moment (not the transaction's start, as `now()`): when a plan ended, so
 * that a look that took a while (reading the guard's statistics) dates its decision when it was made.
 */
export async function databaseClock(db: Db): Promise<Date> {
  const [row] = await db.$queryRawUnsafe<{ now: Date }[]>(`SELECT clock_timestamp() AT TIME ZONE 'UTC' AS now`);
  return row!.now;
}

export function insertPlan(tx: Transaction, data: Prisma.ReleasePlanUncheckedCreateInput): Promise<ReleasePlanRow> {
  return tx.releasePlan.create({ data, include: withKeys });
}

export function findPlan(db: Db, id: string): Promise<ReleasePlanRow | null> {
  return db.releasePlan.findUnique({ where: { id }, include: withKeys });
}

/** The plan's columns, as Prisma reads them (test/server/releases/plan-repository.test.ts holds the two to each other). */
const PLAN_COLUMNS = [
  'id',
  'flagId',
  'environmentId',
  'status',
  'templateKey',
  'definition',
  'stageIndex',
  'stageStartedAt',
  'approvedStage',
  'nextCheckAt',
  'waitingFor',
  'lastVerdict',
  'baseConfig',
  'configVersion',
  'version',
  'createdBy',
  'startedAt',
  'updatedAt',
  'endedAt',
]
  .map((column) => `p."${column}"`)
  .join(', ');

/**
 * Locks one plan's row (`FOR UPDATE OF p`, then `extra`: e.g. SKIP LOCKED) and reads it with its flag's
 * and environment's keys, in one statement where `findPlan` takes a statement per relation (a stage
 * step is a dozen statements, and each costs the replica and the database CPU:
 * bench/release/step-cost.ts).
 */
async function lockPlanWhere(
  tx: Transaction,
  where: string,
  params: unknown[],
  extra = '',
): Promise<{ plan: ReleasePlanRow; now: Date } | null> {
  const [locked] = await tx.$queryRawUnsafe<(Omit<ReleasePlanRow, 'flag' | 'environment'> & LockedExtras)[]>(
    `SELECT ${PLAN_COLUMNS}, ${DB_NOW_UTC} AS "lockedAt", f.key AS "flagKey", e.key AS "environmentKey"
       FROM "ReleasePlan" p JOIN "Flag" f ON f.id = p."flagId" JOIN "Environment" e ON e.id = p."environmentId"
      WHERE ${where} FOR UPDATE OF p ${extra}`,
    ...params,
  );
  if (!locked) return null;
  const { lockedAt, flagKey, environmentKey, ...row } = locked;
  return { plan: { ...row, flag: { key: flagKey }, environment: { key: environmentKey } }, now: lockedAt };
}

type LockedExtras = { lockedAt: Date; flagKey: string; environmentKey: string };

/** Locks the plan's row until the transaction ends (waiting for whoever holds it) and reads it. */
export async function lockPlan(tx: Transaction, id: string): Promise<ReleasePlanRow | null> {
  return (await lockPlanWhere(tx, 'p.id = $1', [id]))?.plan ?? null;
}

/** Whether any running plan's next look is due: a cheap probe before opening a transaction to claim one. */
export async function anyPlanDue(db: Db): Promise<boolean> {
  const [row] = await db.$queryRawUnsafe<{ due: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM "ReleasePlan" WHERE status = 'running' AND "nextCheckAt" <= ${DB_NOW_UTC}) AS due`,
  );
  return row?.due === true;
}

/**
 * Locks one running plan whose next look is due by the database's clock, skipping rows other replicas
 * hold, and reads it; `now` is the database's.
 */
export function claimDuePlan(tx: Transaction): Promise<{ plan: ReleasePlanRow; now: Date } | null> {
  return lockPlanWhere(tx, `p.status = 'running' AND p."nextCheckAt" <= ${DB_NOW_UTC} ORDER BY p."nextCheckAt" LIMIT 1`, [], 'SKIP LOCKED');
}

/** Writes the plan's new state and bumps its version (its flag and environment stay the plan's). */
export async function updatePlan(
  tx: Transaction,
  plan: Pick<ReleasePlanRow, 'id' | 'flag' | 'environment'>,
  data: Prisma.ReleasePlanUncheckedUpdateInput,
): Promise<ReleasePlanRow> {
  const row = await tx.releasePlan.update({ where: { id: plan.id }, data: { ...data, version: { increment: 1 } } });
  return { ...row, flag: plan.flag, environment: plan.environment };
}

/** The running or paused plan of a flag in an environment, if any. */
export function findActivePlan(db: Db, flagId: string, environmentId: string): Promise<ReleasePlanRow | null> {
  return db.releasePlan.findFirst({ where: { flagId, environmentId, status: { in: ACTIVE_STATUSES } }, include: withKeys });
}

export type PlanFilter = { flagKey?: string; environmentKey?: string; statuses?: ReleasePlanStatus[] };

export async function listPlans(db: Db, filter: PlanFilter, page: { limit: number; offset: number }) {
  const where: Prisma.ReleasePlanWhereInput = {
    ...(filter.flagKey ? { flag: { key: filter.flagKey } } : {}),
    ...(filter.environmentKey ? { environment: { key: filter.environmentKey } } : {}),
    ...(filter.statuses && filter.statuses.length > 0 ? { status: { in: filter.statuses } } : {}),
  };
  const [items, total] = await Promise.all([
    db.releasePlan.findMany({
      where,
      include: withKeys,
      orderBy: [{ startedAt: 'desc' }, { id: 'asc' }],
      take: page.limit,
      skip: page.offset,
    }),
    db.releasePlan.count({ where }),
  ]);
  return { items, total };
}
