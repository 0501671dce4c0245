import { lockForTransaction } from '../db/locks.ts';
import { type Db, Prisma, type PrismaClient, type Transaction } from '../db/prisma.ts';
import type { FlagView } from './schemas.ts';

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
  archivedAt: Date | null;
  salt: string;
  clientSideAvailable: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

export type NewFlag = Pick<FlagRow, 'key' | 'name' | 'description' | 'kind' | 'tags' | 'temporary' | 'clientSideAvailable' | 'salt'> & {
  variations: readonly unknown[];
};

export type FlagChanges = Partial<
  Pick<FlagRow, 'name' | 'description' | 'tags' | 'temporary' | 'clientSideAvailable'> & { variations: readonly unknown[] }
>;

export type FlagFilter = {
  /** Undefined: archived and active flags alike. */
  archived?: boolean;
  /** Only flags carrying every one of these tags. */
  tags: string[];
  /** Case-insensitive, in key, name and description. */
  search?: string;
};

export const variationsOf = (row: { variations: unknown }): unknown[] => (Array.isArray(row.variations) ? row.variations : []);

const asJson = (value: unknown) => value as Prisma.InputJsonValue;
/** Prisma passes `contains` to ILIKE as is: keep "_" and "%" in a search literal. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function findFlag(db: Db, key: string): Promise<FlagRow | null> {
  return db.flag.findUnique({ where: { key } });
}

/**
 * Locks the flag's row for the rest of the transaction and reads it (null when unknown). Metadata
 * writes take it FOR UPDATE; configuration writes FOR SHARE, so they run in parallel with each
 * other but not with an archive, delete or metadata change of the same flag.
 */
export async function lockFlag(tx: Transaction, key: string, mode: 'update' | 'share'): Promise<FlagRow | null> {
  // The lock and the read in one statement (every configuration write passes here).
  const [row] = await tx.$queryRaw<FlagRow[]>`
    SELECT "id", "key", "name", "description", "kind"::text AS "kind", "variations", "tags", "temporary", "archived",
           "archivedAt", "salt", "clientSideAvailable", "version", "createdAt", "updatedAt"
      FROM "Flag" WHERE "key" = ${key} ${mode === 'update' ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR SHARE`}`;
  return row ?? null;
}

/**
 * Writes that read or change the prerequisite graph (a configuration with prerequisites, archiving
 * or deleting a flag) take this lock first, so that two concurrent writes cannot each pass the
 * cycle/dependency check and together break it.
 */
export async function lockPrerequisiteGraph(tx: Transaction): Promise<void> {
  await lockForTransaction(tx, 'prerequisiteGraph');
}

function flagWhere(filter: FlagFilter): Prisma.FlagWhereInput {
  const { archived, tags, search } = filter;
  return {
    ...(archived === undefined ? {} : { archived }),
    ...(tags.length > 0 ? { tags: { hasEvery: tags } } : {}),
    ...(search
      ? {
          OR: (['key', 'name', 'description'] as const).map((field) => ({
            [field]: { contains: escapeLike(search), mode: 'insensitive' as const },
          })),
        }
      : {}),
  };
}

/** One page of the flags matching `filter`, by key, and how many match in all (both read in one transaction). */
export async function listFlags(
  prisma: PrismaClient,
  filter: FlagFilter,
  page: { limit: number; offset: number },
): Promise<{ total: number; rows: FlagRow[] }> {
  const where = flagWhere(filter);
  const [total, rows] = await prisma.$transaction([
    prisma.flag.count({ where }),
    prisma.flag.findMany({ where, orderBy: { key: 'asc' }, skip: page.offset, take: page.limit }),
  ]);
  return { total, rows };
}

/** Every flag matching `filter`, by key, with what its status is computed from (statuses are not stored, so not filtered on in SQL). */
export function listFlagStatusFacts(
  db: Db,
  filter: FlagFilter,
): Promise<{ id: string; key: string; archived: boolean; archivedAt: Date | null }[]> {
  return db.flag.findMany({
    where: flagWhere(filter),
    select: { id: true, key: true, archived: true, archivedAt: true },
    orderBy: { key: 'asc' },
  });
}

/** The flags with these ids, by key. */
export function findFlagsByIds(db: Db, ids: readonly string[]): Promise<FlagRow[]> {
  return db.flag.findMany({ where: { id: { in: [...ids] } }, orderBy: { key: 'asc' } });
}

export function insertFlag(tx: Transaction, flag: NewFlag): Promise<FlagRow> {
  return tx.flag.create({ data: { ...flag, variations: asJson(flag.variations) } });
}

/** Applies the given changes and bumps the flag's version. */
export function updateFlag(tx: Transaction, id: string, changes: FlagChanges): Promise<FlagRow> {
  const { variations, ...rest } = changes;
  return tx.flag.update({
    where: { id },
    data: {
      ...rest,
      ...(variations !== undefined ? { variations: asJson(variations) } : {}),
      version: { increment: 1 },
    },
  });
}

export function setFlagArchived(tx: Transaction, id: string, archived: boolean): Promise<FlagRow> {
  // archivedAt stays after a restore: it is when the flag was last archived.
  return tx.flag.update({ where: { id }, data: { archived, ...(archived ? { archivedAt: new Date() } : {}), version: { increment: 1 } } });
}

/** Deletes the flag; its configurations go with it (foreign keys cascade). */
export async function deleteFlag(tx: Transaction, id: string): Promise<void> {
  await tx.flag.delete({ where: { id } });
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

/** Every environment's id, oldest first: each flag has a configuration in each of them. */
export async function environmentIds(tx: Transaction): Promise<string[]> {
  return (await tx.environment.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } })).map((env) => env.id);
}
