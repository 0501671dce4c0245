import { type SegmentRule, validateSegment } from '@switchyard/sdk/schema';
import { expectVersion } from '../changes/expect-version.ts';
import { refuseDuplicate } from '../changes/refuse-duplicate.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import {
  ConflictError,
  type ErrorDetail,
  formatPath,
  InvalidDefinitionError,
  NotFoundError,
  VersionMismatchError,
} from '../errors/index.ts';
import {
  deleteSegment,
  findSegment,
  flagRulesMentioningSegment,
  insertSegment,
  type KeyedRules,
  listSegments,
  otherSegmentRules,
  type SegmentData,
  type SegmentRow,
  segmentExists,
  segmentRules,
  updateSegmentAtVersion,
} from './repository.ts';
import type { SegmentContent, SegmentView } from './schemas.ts';

type EnvironmentRef = { id: string; key: string };

const toSegmentView = (row: SegmentRow, environmentKey: string): SegmentView => ({
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
const segmentData = (content: SegmentContent): SegmentData => ({
  name: content.name,
  description: content.description ?? '',
  included: content.included ?? [],
  excluded: content.excluded ?? [],
  rules: content.rules ?? [],
});

async function requireSegment(db: Db, environment: EnvironmentRef, key: string): Promise<SegmentRow> {
  const segment = await findSegment(db, environment.id, key);
  if (!segment) throw new NotFoundError(`Segment "${key}" in environment "${environment.key}"`);
  return segment;
}

/** Refuses (422) segmentMatch clauses naming the segment itself, an unknown segment, or leading into a cycle. */
async function refuseInvalidReferences(tx: Transaction, environmentId: string, segmentKey: string, rules: SegmentRule[]): Promise<void> {
  const others = await segmentRules(tx, environmentId);
  const rulesByKey = new Map(others.map((s) => [s.key, s.rules as SegmentRule[]]));
  const problems = validateSegment(
    { rules },
    { segmentKeys: new Set(rulesByKey.keys()), segmentKey, rulesOf: (key) => rulesByKey.get(key) },
  );
  if (problems.length > 0) {
    const details = problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message }));
    throw new InvalidDefinitionError(`Invalid segment references: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
}

type RuleLike = { clauses?: { op?: unknown; values?: unknown }[] };

/** Indices of the rules among `rules` with a segmentMatch clause naming `segmentKey`. */
function rulesUsing(rules: unknown, segmentKey: string): number[] {
  if (!Array.isArray(rules)) return [];
  return (rules as RuleLike[]).flatMap((rule, i) =>
    (rule.clauses ?? []).some((c) => c.op === 'segmentMatch' && Array.isArray(c.values) && c.values.includes(segmentKey)) ? [i] : [],
  );
}

/** Refuses (409) to delete a segment while flag rules or other segments use it: one detail per rule, naming each of them. */
async function refuseWhileUsed(tx: Transaction, environmentId: string, segmentKey: string): Promise<void> {
  const flagRows = await flagRulesMentioningSegment(tx, environmentId, segmentKey);
  const segmentRows = await otherSegmentRules(tx, environmentId, segmentKey);
  const details: ErrorDetail[] = [];
  const names: string[] = [];
  const collect = (kind: 'flag' | 'segment', rows: KeyedRules[]) => {
    for (const row of rows) {
      const indices = rulesUsing(row.rules, segmentKey);
      if (indices.length === 0) continue;
      names.push(`${kind} "${row.key}"`);
      for (const i of indices) {
        details.push({ path: `${kind}s.${row.key}.rules[${i}]`, message: `${kind} "${row.key}" uses this segment in rules[${i}]` });
      }
    }
  };
  collect('flag', flagRows);
  collect('segment', segmentRows);
  if (details.length > 0) {
    throw new ConflictError(`Segment "${segmentKey}" is still used by ${names.join(', ')}; remove those references first`, details);
  }
}

/**
 * The environment, locked for a write of segment `segmentKey` before anything else is read (and to
 * be bumped at commit): segment writes in one environment run one at a time, so two concurrent
 * writes cannot each pass the reference checks and together form a cycle.
 */
async function lockEnvironment(w: WriteContext, environmentKey: string, segmentKey: string): Promise<EnvironmentRef> {
  const env = await requireEnvironment(w.tx, environmentKey);
  await w.lockEnvironment(env.id);
  await w.touchEnvironment(env.id, 'segment', segmentKey);
  return env;
}

export class SegmentService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  async list(environmentKey: string, page: { limit: number; offset: number }): Promise<{ items: SegmentView[]; total: number }> {
    const env = await requireEnvironment(this.deps.prisma, environmentKey);
    const { rows, total } = await listSegments(this.deps.prisma, env.id, page);
    return { items: rows.map((row) => toSegmentView(row, env.key)), total };
  }

  async get(environmentKey: string, segmentKey: string): Promise<SegmentView> {
    const env = await requireEnvironment(this.deps.prisma, environmentKey);
    return toSegmentView(await requireSegment(this.deps.prisma, env, segmentKey), env.key);
  }

  /** segmentMatch clauses may only name other existing segments of the environment, without cycles. */
  create(actor: string, environmentKey: string, input: SegmentContent & { key: string }): Promise<SegmentView> {
    const { key, ...content } = input;
    const duplicate = () =>
      new ConflictError(`Segment "${key}" already exists in environment "${environmentKey}"`, [
        { path: 'body.key', message: 'already exists' },
      ]);
    return refuseDuplicate(
      () =>
        this.deps.changes.run(actor, async (w) => {
          const env = await lockEnvironment(w, environmentKey, key);
          if (await segmentExists(w.tx, env.id, key)) throw duplicate();
          const data = segmentData(content);
          await refuseInvalidReferences(w.tx, env.id, key, data.rules);
          const view = toSegmentView(await insertSegment(w.tx, env.id, key, data), env.key);
          await w.audit({ action: 'segment.created', resourceType: 'segment', resourceKey: key, environmentKey: env.key, after: view });
          return view;
        }),
      duplicate,
    );
  }

  /** Replaces the whole segment (omitted optional fields become empty), if still at version `expected` (null: unconditionally). */
  replace(
    actor: string,
    environmentKey: string,
    segmentKey: string,
    content: SegmentContent,
    expected: number | null,
  ): Promise<SegmentView> {
    return this.deps.changes.run(actor, async (w) => {
      const env = await lockEnvironment(w, environmentKey, segmentKey);
      const before = await requireSegment(w.tx, env, segmentKey);
      expectVersion(expected, before.version);
      const data = segmentData(content);
      await refuseInvalidReferences(w.tx, env.id, segmentKey, data.rules);
      if (!(await updateSegmentAtVersion(w.tx, before.id, before.version, data))) {
        throw new VersionMismatchError((await requireSegment(w.tx, env, segmentKey)).version);
      }
      const after = toSegmentView(await requireSegment(w.tx, env, segmentKey), env.key);
      await w.audit({
        action: 'segment.updated',
        resourceType: 'segment',
        resourceKey: segmentKey,
        environmentKey: env.key,
        before: toSegmentView(before, env.key),
        after,
      });
      return after;
    });
  }

  /** Refused while flag rules or other segments of the environment use it through segmentMatch. */
  async delete(actor: string, environmentKey: string, segmentKey: string): Promise<void> {
    await this.deps.changes.run(actor, async (w) => {
      const env = await lockEnvironment(w, environmentKey, segmentKey);
      const segment = await requireSegment(w.tx, env, segmentKey);
      await refuseWhileUsed(w.tx, env.id, segmentKey);
      await deleteSegment(w.tx, segment.id);
      await w.audit({
        action: 'segment.deleted',
        resourceType: 'segment',
        resourceKey: segmentKey,
        environmentKey: env.key,
        before: toSegmentView(segment, env.key),
      });
    });
  }
}
