import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { notFound } from '../http/http-error.ts';
import type { EnvironmentView } from './schemas.ts';

type EnvironmentRow = { id: string; key: string; name: string; version: number; createdAt: Date; updatedAt: Date };

export const toEnvironmentView = (row: EnvironmentRow): EnvironmentView => ({
  key: row.key,
  name: row.name,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Finds an environment by key or answers 404 naming it. */
export async function requireEnvironment(db: PrismaClient | Transaction, key: string): Promise<EnvironmentRow> {
  const env = await db.environment.findUnique({ where: { key } });
  if (!env) throw notFound(`Environment "${key}"`);
  return env;
}

export const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development' },
  { key: 'staging', name: 'Staging' },
  { key: 'production', name: 'Production' },
] as const;
