import { lockForTransaction } from '../db/locks.ts';
import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { conflict, notFound } from '../http/http-error.ts';
import type { FlagView } from './schemas.ts';

type Db = PrismaClient | Transaction;

export type FlagRow = {
  id: string;
  key: string;
  name: string;
  description: string;
  kind: FlagView['kind'];
  variations: unknown;
  tags: string[];
  temporary: boolean;
  archived: boolean;
  salt: string;
  clientSideAvailable: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

export const variationsOf = (row: { variations: unknown }): unknown[] => (Array.isArray(row.variations) ? row.variations : []);

export const toFlagView = (row: FlagRow): FlagView => ({
  key: row.key,
  name: row.name,
  description: row.description,
  kind: row.kind,
  variations: variationsOf(row),
  tags: row.tags,
  temporary: row.temporary,
  archived: row.archived,
  clientSideAvailable: row.clientSideAvailable,
  salt: row.salt,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Finds a flag by key or answers 404 naming it. */
export async function requireFlag(db: Db, key: string): Promise<FlagRow> {
  const flag = await db.flag.findUnique({ where: { key } });
  if (!flag) throw notFound(`Flag "${key}"`);
  return flag;
}

/**
 * Locks the flag's row for the rest of the transaction and reads it (404 when unknown). Metadata
 * writes take it FOR UPDATE; configuration writes FOR SHARE, so they run in parallel with each
 * other but not with an archive, delete or metadata change of the same flag.
 */
export async function lockFlag(tx: Transaction, key: string, mode: 'update' | 'share'): Promise<FlagRow> {
  if (mode === 'update') await tx.$queryRaw`SELECT 1 FROM "Flag" WHERE "key" = ${key} FOR UPDATE`;
  else await tx.$queryRaw`SELECT 1 FROM "Flag" WHERE "key" = ${key} FOR SHARE`;
  return requireFlag(tx, key);
}

/**
 * Writes that read or change the prerequisite graph (a configuration with prerequisites, archiving
 * or deleting a flag) take this lock first, so that two concurrent writes cannot each pass the
 * cycle/dependency check and together break it.
 */
export async function lockPrerequisiteGraph(tx: Transaction): Promise<void> {
  await lockForTransaction(tx, 'prerequisiteGraph');
}

/** Active flags (other than `key`) that use flag `key` as a prerequisite, with the environments where they do. */
export async function activeDependents(tx: Transaction, key: string): Promise<{ flagKey: string; environmentKey: string }[]> {
  const rows = await tx.flagEnvironment.findMany({
    where: { prerequisites: { array_contains: [{ key }] }, flag: { archived: false, key: { not: key } } },
    select: { flag: { select: { key: true } }, environment: { select: { key: true } } },
    orderBy: [{ flag: { key: 'asc' } }, { environment: { key: 'asc' } }],
  });
  return rows.map((r) => ({ flagKey: r.flag.key, environmentKey: r.environment.key }));
}

/** 409 when active flags depend on `key`, naming each of them. */
export async function refuseIfDependedOn(tx: Transaction, key: string, verb: string): Promise<void> {
  const dependents = await activeDependents(tx, key);
  if (dependents.length === 0) return;
  const names = [...new Set(dependents.map((d) => d.flagKey))];
  throw conflict(
    `Cannot ${verb} flag "${key}": ${names.map((n) => `"${n}"`).join(', ')} use${names.length === 1 ? 's' : ''} it as a prerequisite. Remove those prerequisites first.`,
    dependents.map((d) => ({ path: 'params.key', message: `flag "${d.flagKey}" uses it as a prerequisite in environment "${d.environmentKey}"` })),
  );
}

/** Bumps every environment's version: a change that alters the flag in every snapshot. */
export async function touchAllEnvironments(tx: Transaction, touch: (envId: string) => Promise<number>): Promise<void> {
  const environments = await tx.environment.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } });
  for (const env of environments) await touch(env.id);
}

