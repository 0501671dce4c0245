import { defaultFlagConfig } from '@switchyard/sdk/model';
import type { Db, Transaction } from '../db/prisma.ts';

export type EnvironmentRow = { id: string; key: string; name: string; version: number; createdAt: Date; updatedAt: Date };

export const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development' },
  { key: 'staging', name: 'Staging' },
  { key: 'production', name: 'Production' },
] as const;

export function findEnvironment(db: Db, key: string): Promise<EnvironmentRow | null> {
  return db.environment.findUnique({ where: { key } });
}

export function listEnvironments(db: Db): Promise<EnvironmentRow[]> {
  return db.environment.findMany({ orderBy: { createdAt: 'asc' } });
}

/** Inserts the environment, and every existing flag's default configuration in it. */
export async function insertEnvironment(tx: Transaction, data: { key: string; name: string }): Promise<EnvironmentRow> {
  const env = await tx.environment.create({ data });
  const flags = await tx.flag.findMany({ select: { id: true, variations: true } });
  if (flags.length > 0) {
    await tx.flagEnvironment.createMany({
      data: flags.map((flag) => ({
        flagId: flag.id,
        environmentId: env.id,
        ...defaultFlagConfig(Array.isArray(flag.variations) ? flag.variations.length : 0),
      })),
    });
  }
  return env;
}

export function renameEnvironment(tx: Transaction, id: string, name: string): Promise<EnvironmentRow> {
  return tx.environment.update({ where: { id }, data: { name } });
}

/**
 * Deletes the environment; its flag configurations, segments and SDK keys go with it (foreign keys
 * cascade). Returns the ids of the keys deleted, read under a lock that keeps a key from being
 * added meanwhile, so that every replica can be told to forget exactly those.
 */
export async function deleteEnvironment(tx: Transaction, id: string): Promise<{ tokenIds: string[] }> {
  await tx.$queryRaw`SELECT 1 FROM "Environment" WHERE "id" = ${id} FOR UPDATE`;
  const tokens = await tx.apiToken.findMany({ where: { environmentId: id }, select: { id: true } });
  await tx.environment.delete({ where: { id } });
  return { tokenIds: tokens.map((token) => token.id) };
}
