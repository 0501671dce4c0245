import { validateSegment, type SegmentRule } from '@switchyard/sdk/schema';
import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { type ErrorDetail, formatPath } from '../errors/index.ts';
import { notFound, unprocessable } from '../http/http-error.ts';
import type { SegmentContent, SegmentView } from './schemas.ts';

type SegmentRow = {
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

type RuleLike = { clauses?: { op?: unknown; values?: unknown }[] };

export const toSegmentView = (row: SegmentRow, environmentKey: string): SegmentView => ({
  key: row.key,
  environment: environmentKey,
  name: row.name,
  description: row.description,
  included: row.included,
  excluded: row.excluded,
  rules: row.rules as SegmentRule[],
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** The stored columns for a segment's content; omitted optional fields become empty. */
export const segmentData = (content: SegmentContent) => ({
  name: content.name,
  description: content.description ?? '',
  included: content.included ?? [],
  excluded: content.excluded ?? [],
  rules: content.rules ?? [],
});

export async function requireSegment(db: PrismaClient | Transaction, environment: { id: string; key: string }, key: string): Promise<SegmentRow> {
  const segment = await db.segment.findUnique({ where: { environmentId_key: { environmentId: environment.id, key } } });
  if (!segment) throw notFound(`Segment "${key}" in environment "${environment.key}"`);
  return segment;
}

/** Refuses (422) segmentMatch clauses naming the segment itself, an unknown segment, or leading into a cycle. */
export async function assertValidReferences(tx: Transaction, environmentId: string, segmentKey: string, rules: SegmentRule[]): Promise<void> {
  const others = await tx.segment.findMany({ where: { environmentId }, select: { key: true, rules: true } });
  const rulesByKey = new Map(others.map((s) => [s.key, s.rules as SegmentRule[]]));
  const problems = validateSegment(
    { rules },
    { segmentKeys: new Set(rulesByKey.keys()), segmentKey, rulesOf: (key) => rulesByKey.get(key) },
  );
  if (problems.length > 0) {
    const details = problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message }));
    throw unprocessable(`Invalid segment references: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
}

/** Indices of the rules among `rules` with a segmentMatch clause naming `segmentKey`. */
function rulesUsing(rules: unknown, segmentKey: string): number[] {
  if (!Array.isArray(rules)) return [];
  return (rules as RuleLike[]).flatMap((rule, i) =>
    (rule.clauses ?? []).some((c) => c.op === 'segmentMatch' && Array.isArray(c.values) && c.values.includes(segmentKey)) ? [i] : [],
  );
}

/** Where a segment is used in its environment: flag rules and other segments' rules, one detail per rule. */
export async function findSegmentUsages(tx: Transaction, environmentId: string, segmentKey: string): Promise<{ flags: string[]; segments: string[]; details: ErrorDetail[] }> {
  // jsonb containment finds candidate flag rules in the database; the exact rule indices are computed below.
  const pattern = JSON.stringify([{ clauses: [{ op: 'segmentMatch', values: [segmentKey] }] }]);
  const flagRows = await tx.$queryRaw<{ key: string; rules: unknown }[]>`
    SELECT f."key", fe."rules"
    FROM "FlagEnvironment" fe JOIN "Flag" f ON f."id" = fe."flagId"
    WHERE fe."environmentId" = ${environmentId} AND fe."rules" @> ${pattern}::jsonb
    ORDER BY f."key"`;
  const segmentRows = await tx.segment.findMany({ where: { environmentId, key: { not: segmentKey } }, select: { key: true, rules: true }, orderBy: { key: 'asc' } });

  const details: ErrorDetail[] = [];
  const flags: string[] = [];
  const segments: string[] = [];
  for (const [kind, rows, names] of [['flags', flagRows, flags], ['segments', segmentRows, segments]] as const) {
    for (const row of rows) {
      const indices = rulesUsing(row.rules, segmentKey);
      if (indices.length === 0) continue;
      names.push(row.key);
      for (const i of indices) details.push({ path: `${kind}.${row.key}.rules[${i}]`, message: `${kind === 'flags' ? 'flag' : 'segment'} "${row.key}" uses this segment in rules[${i}]` });
    }
  }
  return { flags, segments, details };
}
