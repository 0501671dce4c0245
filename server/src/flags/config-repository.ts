import type { FlagConfig, Prerequisite } from '@switchyard/sdk/schema';
import { isRecordNotFound } from '../db/errors.ts';
import type { Db, Prisma, Transaction } from '../db/prisma.ts';
import { variationsOf } from './repository.ts';

export type FlagConfigRow = {
  id: string;
  on: boolean;
  offVariation: number;
  fallthrough: unknown;
  targets: unknown;
  rules: unknown;
  prerequisites: unknown;
  guardedMetrics: string[];
  version: number;
  updatedAt: Date;
};

/** A stored configuration as FlagConfig: it was validated with FlagConfigSchema on its way in. */
export const storedConfig = (row: Omit<FlagConfigRow, 'id' | 'version' | 'updatedAt'>): FlagConfig => ({
  on: row.on,
  offVariation: row.offVariation,
  fallthrough: row.fallthrough as FlagConfig['fallthrough'],
  targets: row.targets as FlagConfig['targets'],
  rules: row.rules as FlagConfig['rules'],
  prerequisites: row.prerequisites as FlagConfig['prerequisites'],
  // Absent rather than empty, so that a flag that was never guarded keeps the shape it always had.
  ...(row.guardedMetrics.length > 0 ? { guardedMetrics: row.guardedMetrics } : {}),
});

const configColumns = (config: FlagConfig) => ({
  on: config.on,
  offVariation: config.offVariation,
  fallthrough: config.fallthrough as Prisma.InputJsonValue,
  targets: config.targets as Prisma.InputJsonValue,
  rules: config.rules as Prisma.InputJsonValue,
  prerequisites: config.prerequisites as Prisma.InputJsonValue,
  guardedMetrics: config.guardedMetrics ?? [],
});

export function findFlagConfig(db: Db, flagId: string, environmentId: string): Promise<FlagConfigRow | null> {
  return db.flagEnvironment.findUnique({ where: { flagId_environmentId: { flagId, environmentId } } });
}

/**
 * Locks the configuration row until the transaction ends, so that concurrent writers queue up and see
 * each other's versions, and reads it in the same statement (every configuration write, a release
 * plan's stage included, passes here: a statement fewer is CPU saved on the replica and the database).
 */
export async function lockFlagConfig(tx: Transaction, flagId: string, environmentId: string): Promise<FlagConfigRow | null> {
  const [row] = await tx.$queryRaw<FlagConfigRow[]>`
    SELECT "id", "on", "offVariation", "fallthrough", "targets", "rules", "prerequisites", "guardedMetrics", "version", "updatedAt"
      FROM "FlagEnvironment" WHERE "flagId" = ${flagId} AND "environmentId" = ${environmentId} FOR UPDATE`;
  return row ?? null;
}

/** Gives the flag the same configuration, `config`, in each of the environments. */
export async function insertFlagConfigs(
  tx: Transaction,
  flagId: string,
  environmentIds: readonly string[],
  config: FlagConfig,
): Promise<void> {
  await tx.flagEnvironment.createMany({
    data: environmentIds.map((environmentId) => ({ flagId, environmentId, ...configColumns(config) })),
  });
}

/** Writes `config` as the row's next version if the row is still at `row.version`: the row written, or null when it is not. */
export async function updateFlagConfig(
  tx: Transaction,
  row: Pick<FlagConfigRow, 'id' | 'version'>,
  config: FlagConfig,
): Promise<FlagConfigRow | null> {
  try {
    return await tx.flagEnvironment.update({
      where: { id: row.id, version: row.version },
      data: { ...configColumns(config), version: { increment: 1 } },
    });
  } catch (error) {
    if (isRecordNotFound(error)) return null;
    throw error;
  }
}

/** The flag's configuration in every environment, with the environment's key. */
export function configsOfFlag(tx: Transaction, flagId: string): Promise<(FlagConfigRow & { environment: { key: string } })[]> {
  return tx.flagEnvironment.findMany({ where: { flagId }, include: { environment: { select: { key: true } } } });
}

/** The flag's on/off state and configuration version in every environment, oldest environment first. */
export async function configSummaries(db: Db, flagId: string): Promise<{ environmentKey: string; on: boolean; version: number }[]> {
  const rows = await db.flagEnvironment.findMany({
    where: { flagId },
    select: { on: true, version: true, environment: { select: { key: true } } },
    orderBy: { environment: { createdAt: 'asc' } },
  });
  return rows.map((row) => ({ environmentKey: row.environment.key, on: row.on, version: row.version }));
}

/** The on/off state in one environment of each of the given flags. */
export function onStates(db: Db, environmentId: string, flagIds: string[]): Promise<{ flagId: string; on: boolean }[]> {
  return db.flagEnvironment.findMany({ where: { environmentId, flagId: { in: flagIds } }, select: { flagId: true, on: true } });
}

/** The keys of the environment's segments, which configurations may refer to. */
export async function segmentKeys(tx: Transaction, environmentId: string): Promise<string[]> {
  return (await tx.segment.findMany({ where: { environmentId }, select: { key: true } })).map((segment) => segment.key);
}

/** Every active (non-archived) flag's prerequisites in the environment, with its number of variations. */
export async function activePrerequisites(
  tx: Transaction,
  environmentId: string,
): Promise<{ flagKey: string; prerequisites: Prerequisite[]; variationCount: number }[]> {
  const rows = await tx.flagEnvironment.findMany({
    where: { environmentId, flag: { archived: false } },
    select: { prerequisites: true, flag: { select: { key: true, variations: true } } },
  });
  return rows.map((row) => ({
    flagKey: row.flag.key,
    prerequisites: row.prerequisites as Prerequisite[],
    variationCount: variationsOf(row.flag).length,
  }));
}
