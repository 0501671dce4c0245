import { ADVISORY_LOCKS } from '../db/locks.ts';
import type { Db, Prisma, Transaction } from '../db/prisma.ts';
import { DB_NOW_UTC } from '../jobs/due-work.ts';

/** A scheduled change with the keys of its flag and environment. */
export type ScheduledChangeRow = {
  id: string;
  flagId: string;
  environmentId: string;
  dueAt: Date;
  instructions: unknown;
  comment: string;
  status: string;
  outcome: string | null;
  baseVersion: number;
  version: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  appliedAt: Date | null;
  flag: { key: string };
  environment: { key: string };
};

export type ScheduledChangeFilter = { flagKey?: string; environmentKey?: string; status?: string };

const withKeys = { flag: { select: { key: true } }, environment: { select: { key: true } } } as const;

const asJson = (value: unknown) => value as Prisma.InputJsonValue;

/** The database's clock, and the latest instant a change may be scheduled for (a year ahead). */
export async function databaseNow(db: Db): Promise<{ now: Date; latest: Date }> {
  const [row] = await db.$queryRaw<{ now: Date; latest: Date }[]>`SELECT now() AS "now", now() + interval '1 year' AS "latest"`;
  return row!;
}

/** The configuration's version (null when the flag has no configuration in the environment). */
export async function configVersion(db: Db, flagId: string, environmentId: string): Promise<number | null> {
  const row = await db.flagEnvironment.findUnique({
    where: { flagId_environmentId: { flagId, environmentId } },
    select: { version: true },
  });
  return row?.version ?? null;
}

export function findScheduledChange(db: Db, id: string): Promise<ScheduledChangeRow | null> {
  return db.scheduledChange.findUnique({ where: { id }, include: withKeys });
}

/** Locks the change's row until the transaction ends (waiting for an apply in progress) and reads it. */
export async function lockScheduledChange(tx: Transaction, id: string): Promise<ScheduledChangeRow | null> {
  await tx.$queryRaw`SELECT 1 FROM "ScheduledChange" WHERE "id" = ${id} FOR UPDATE`;
  return findScheduledChange(tx, id);
}

export function insertScheduledChange(
  tx: Transaction,
  data: {
    flagId: string;
    environmentId: string;
    dueAt: Date;
    instructions: unknown;
    comment: string;
    baseVersion: number;
    createdBy: string;
  },
): Promise<ScheduledChangeRow> {
  return tx.scheduledChange.create({
    data: { ...data, instructions: asJson(data.instructions), status: 'pending' },
    include: withKeys,
  });
}

/** Changes the given columns and bumps the version. */
export function updateScheduledChange(
  tx: Transaction,
  id: string,
  data: Partial<{
    dueAt: Date;
    instructions: unknown;
    comment: string;
    baseVersion: number;
    status: string;
    outcome: string | null;
    appliedAt: Date | null;
  }>,
): Promise<ScheduledChangeRow> {
  const { instructions, ...rest } = data;
  return tx.scheduledChange.update({
    where: { id },
    data: { ...rest, ...(instructions === undefined ? {} : { instructions: asJson(instructions) }), version: { increment: 1 } },
    include: withKeys,
  });
}

/** One page of the changes matching `filter`, soonest first, and how many match in all. */
export async function listScheduledChanges(
  db: Db,
  filter: ScheduledChangeFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: ScheduledChangeRow[]; total: number }> {
  const where: Prisma.ScheduledChangeWhereInput = {
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.flagKey === undefined ? {} : { flag: { key: filter.flagKey } }),
    ...(filter.environmentKey === undefined ? {} : { environment: { key: filter.environmentKey } }),
  };
  const [rows, total] = await Promise.all([
    db.scheduledChange.findMany({
      where,
      include: withKeys,
      orderBy: [{ dueAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      take: page.limit,
      skip: page.offset,
    }),
    db.scheduledChange.count({ where }),
  ]);
  return { rows, total };
}

/** A due change as peeked: enough to open its transaction (the actor, the locks to take first). */
export type DueChange = { id: string; flagId: string; createdBy: string; startsPlan: boolean };

const STARTS_PLAN = `("instructions" @> '[{"kind":"startReleasePlan"}]'::jsonb)`;

/**
 * A due pending change no one is working on (rows locked by another transaction are skipped), or
 * null. Run outside a transaction, it locks nothing: the caller claims the row in its own.
 */
export async function peekDueChange(db: Db): Promise<DueChange | null> {
  const rows = await db.$queryRawUnsafe<DueChange[]>(
    `SELECT "id", "flagId", "createdBy", ${STARTS_PLAN} AS "startsPlan" FROM "ScheduledChange"
     WHERE "status" = 'pending' AND "dueAt" <= ${DB_NOW_UTC}
     ORDER BY "dueAt", "id" LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  return rows[0] ?? null;
}

/**
 * Claims `change` for the rest of the transaction if it is still pending, due by the database's
 * clock, not locked by anyone else and still (not) starting a release plan as when peeked; returns
 * the database's time of the claim (the transaction's start, at or after the due time), or null.
 */
export async function claimDueChange(tx: Transaction, change: DueChange): Promise<Date | null> {
  const rows = await tx.$queryRawUnsafe<{ now: Date }[]>(
    `SELECT now() AS "now" FROM "ScheduledChange"
     WHERE "id" = $1 AND "status" = 'pending' AND "dueAt" <= ${DB_NOW_UTC} AND ${STARTS_PLAN} = $2
     FOR UPDATE SKIP LOCKED`,
    change.id,
    change.startsPlan,
  );
  return rows[0]?.now ?? null;
}

/**
 * The prerequisite-graph lock in shared mode: writes that change the graph (which take it exclusively)
 * wait for it, while any number of scheduled changes, which never change prerequisites, hold it at once.
 */
export async function shareLockPrerequisiteGraph(tx: Transaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${ADVISORY_LOCKS.prerequisiteGraph})`;
}

/** Locks the flag's row in share mode (as configuration writes do) so that it cannot be deleted or archived meanwhile. */
export async function shareLockFlag(tx: Transaction, flagId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Flag" WHERE "id" = ${flagId} FOR SHARE`;
  return rows.length > 0;
}

/** What applying needs of the flag: its variation count and whether it is archived. */
export async function flagFacts(db: Db, flagId: string): Promise<{ variationCount: number; archived: boolean } | null> {
  const flag = await db.flag.findUnique({ where: { id: flagId }, select: { variations: true, archived: true } });
  if (!flag) return null;
  return { variationCount: Array.isArray(flag.variations) ? flag.variations.length : 0, archived: flag.archived };
}
