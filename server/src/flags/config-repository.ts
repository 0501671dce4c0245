import { validateFlagConfig, type FlagConfig, type Prerequisite, type ValidationProblem } from '@switchyard/sdk/schema';
import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { notFound } from '../http/http-error.ts';
import { variationsOf, type FlagRow } from './repository.ts';
import type { FlagConfigView } from './schemas.ts';

type Db = PrismaClient | Transaction;

export type FlagConfigRow = {
  id: string;
  on: boolean;
  offVariation: number;
  fallthrough: unknown;
  targets: unknown;
  rules: unknown;
  prerequisites: unknown;
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
});

export const toConfigView = (row: FlagConfigRow, flagKey: string, environmentKey: string): FlagConfigView => ({
  flagKey,
  environmentKey,
  ...storedConfig(row),
  version: row.version,
  updatedAt: row.updatedAt.toISOString(),
});

export const configOf = (view: FlagConfigView): FlagConfig => ({
  on: view.on,
  offVariation: view.offVariation,
  fallthrough: view.fallthrough,
  targets: view.targets,
  rules: view.rules,
  prerequisites: view.prerequisites,
});

export async function requireFlagConfig(db: Db, flagId: string, environmentId: string, what: string): Promise<FlagConfigRow> {
  const row = await db.flagEnvironment.findUnique({ where: { flagId_environmentId: { flagId, environmentId } } });
  if (!row) throw notFound(what);
  return row;
}

/** Locks the configuration row until the transaction ends, so that concurrent writers queue up and see each other's versions. */
export async function lockFlagConfig(tx: Transaction, flagId: string, environmentId: string, what: string): Promise<FlagConfigRow> {
  await tx.$queryRaw`SELECT 1 FROM "FlagEnvironment" WHERE "flagId" = ${flagId} AND "environmentId" = ${environmentId} FOR UPDATE`;
  return requireFlagConfig(tx, flagId, environmentId, what);
}

/**
 * Cross-reference problems of `config` for `flag` in one environment: variation indices, segments
 * of that environment, and prerequisites among the environment's active (non-archived) flags.
 */
export async function crossReferenceProblems(tx: Transaction, flag: FlagRow, environmentId: string, config: FlagConfig): Promise<ValidationProblem[]> {
  const usesSegments = config.rules.some((rule) => rule.clauses.some((clause) => clause.op === 'segmentMatch'));
  const segmentKeys = usesSegments
    ? new Set((await tx.segment.findMany({ where: { environmentId }, select: { key: true } })).map((s) => s.key))
    : new Set<string>();
  const others = new Map<string, { prerequisites: readonly Prerequisite[]; variationCount: number }>();
  if (config.prerequisites.length > 0) {
    const rows = await tx.flagEnvironment.findMany({
      where: { environmentId, flag: { archived: false } },
      select: { prerequisites: true, flag: { select: { key: true, variations: true } } },
    });
    for (const row of rows) {
      others.set(row.flag.key, { prerequisites: row.prerequisites as Prerequisite[], variationCount: variationsOf(row.flag).length });
    }
  }
  return validateFlagConfig(config, {
    variationCount: variationsOf(flag).length,
    segmentKeys,
    flagKey: flag.key,
    prerequisitesOf: (key) => others.get(key)?.prerequisites,
    variationCountOf: (key) => others.get(key)?.variationCount,
  });
}
