import type { SegmentRule } from '@switchyard/sdk/schema';
import type { Db, Transaction } from '../db/prisma.ts';

export type SegmentRow = {
  id: string;
  key: string;
  name: string;
  description: string;
  included: string[];
  excluded: string[];
  rules: unknown;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

/** The stored columns of a segment's content. */
export type SegmentData = { name: string; description: string; included: string[]; excluded: string[]; rules: SegmentRule[] };

/** A segment's or a flag configuration's key and its stored rules (JSON, as stored). */
export type KeyedRules = { key: string; rules: unknown };

export function findSegment(db: Db, environmentId: string, key: string): Promise<SegmentRow | null> {
  return db.segment.findUnique({ where: { environmentId_key: { environmentId, key } } });
}

export async function segmentExists(tx: Transaction, environmentId: string, key: string): Promise<boolean> {
  return (await tx.segment.findUnique({ where: { environmentId_key: { environmentId, key } }, select: { id: true } })) !== null;
}

/** One page of the environment's segments, by key, and how many it has in all. */
export async function listSegments(
  db: Db,
  environmentId: string,
  page: { limit: number; offset: number },
): Promise<{ rows: SegmentRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.segment.findMany({ where: { environmentId }, orderBy: { key: 'asc' }, take: page.limit, skip: page.offset }),
    db.segment.count({ where: { environmentId } }),
  ]);
  return { rows, total };
}

/** Every segment of the environment with its rules. */
export function segmentRules(tx: Transaction, environmentId: string): Promise<KeyedRules[]> {
  return tx.segment.findMany({ where: { environmentId }, select: { key: true, rules: true } });
}

export function insertSegment(tx: Transaction, environmentId: string, key: string, data: SegmentData): Promise<SegmentRow> {
  return tx.segment.create({ data: { environmentId, key, ...data } });
}

/** Replaces the content and bumps the version if the segment is still at `version`; false when it is not. */
export async function updateSegmentAtVersion(tx: Transaction, id: string, version: number, data: SegmentData): Promise<boolean> {
  const { count } = await tx.segment.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 } } });
  return count > 0;
}

export async function deleteSegment(tx: Transaction, id: string): Promise<void> {
  await tx.segment.delete({ where: { id } });
}

/** The environment's flag configurations whose rules may name the segment in a segmentMatch clause, by flag key. */
export function flagRulesMentioningSegment(tx: Transaction, environmentId: string, segmentKey: string): Promise<KeyedRules[]> {
  // jsonb containment finds candidate flag rules in the database; the exact rule indices are computed by the caller.
  const pattern = JSON.stringify([{ clauses: [{ op: 'segmentMatch', values: [segmentKey] }] }]);
  return tx.$queryRaw<KeyedRules[]>`
    SELECT f."key", fe."rules"
    FROM "FlagEnvironment" fe JOIN "Flag" f ON f."id" = fe."flagId"
    WHERE fe."environmentId" = ${environmentId} AND fe."rules" @> ${pattern}::jsonb
    ORDER BY f."key"`;
}

/** The rules of the environment's other segments, by key. */
export function otherSegmentRules(tx: Transaction, environmentId: string, segmentKey: string): Promise<KeyedRules[]> {
  return tx.segment.findMany({
    where: { environmentId, key: { not: segmentKey } },
    select: { key: true, rules: true },
    orderBy: { key: 'asc' },
  });
}
