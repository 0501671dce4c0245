import { randomBytes } from 'node:crypto';
import { defaultFlagConfig } from '@switchyard/sdk/model';
import { expectVersion } from '../changes/expect-version.ts';
import { refuseDuplicate } from '../changes/refuse-duplicate.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import { lockForTransaction } from '../db/locks.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { ConflictError, InvalidDefinitionError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { InsightsService } from '../insights/service.ts';
import type { FlagStatus, StatusEvidence } from '../insights/statuses.ts';
import { activityIn } from './activity-repository.ts';
import { configSummaries, configsOfFlag, insertFlagConfigs, onStates } from './config-repository.ts';
import {
  activeDependents,
  deleteFlag,
  environmentIds,
  type FlagFilter,
  type FlagRow,
  findFlag,
  findFlagsByIds,
  insertFlag,
  listFlagStatusFacts,
  listFlags,
  lockFlag,
  lockPrerequisiteGraph,
  setFlagArchived,
  updateFlag,
  variationsOf,
} from './repository.ts';
import type { CreateFlagInput, FlagDetailView, FlagListView, FlagView, ListFlagsQuery, UpdateFlagInput } from './schemas.ts';
import { BOOLEAN_VARIATIONS, variationProblems } from './variations.ts';
import { toConfigView, toFlagView } from './views.ts';

const unique = (values: readonly string[]) => [...new Set(values)];

/** The flag, or NotFoundError naming it. */
export async function requireFlag(db: Db, key: string): Promise<FlagRow> {
  const flag = await findFlag(db, key);
  if (!flag) throw new NotFoundError(`Flag "${key}"`);
  return flag;
}

/** Locks the flag's row for the rest of the transaction (see `lockFlag` for the modes) and reads it, or NotFoundError naming it. */
export async function requireLockedFlag(tx: Transaction, key: string, mode: 'update' | 'share'): Promise<FlagRow> {
  const flag = await lockFlag(tx, key, mode);
  if (!flag) throw new NotFoundError(`Flag "${key}"`);
  return flag;
}

/** ConflictError when active flags depend on `key`, naming each of them. */
async function refuseIfDependedOn(tx: Transaction, key: string, verb: string): Promise<void> {
  const dependents = await activeDependents(tx, key);
  if (dependents.length === 0) return;
  const names = [...new Set(dependents.map((d) => d.flagKey))];
  const users = `${names.map((n) => `"${n}"`).join(', ')} use${names.length === 1 ? 's' : ''}`;
  throw new ConflictError(
    `Cannot ${verb} flag "${key}": ${users} it as a prerequisite. Remove those prerequisites first.`,
    dependents.map((d) => ({
      path: 'params.key',
      message: `flag "${d.flagKey}" uses it as a prerequisite in environment "${d.environmentKey}"`,
    })),
  );
}

/** New values for a flag's variations must keep their count (configurations refer to them by index) and fit the flag's kind. */
function refuseBadVariationEdit(flag: FlagRow, variations: readonly unknown[]): void {
  const count = variationsOf(flag).length;
  if (variations.length !== count) {
    throw new InvalidDefinitionError(
      `Flag "${flag.key}" has ${count} variations; configurations refer to them by index, so edits must keep the count`,
      [{ path: 'body.variations', message: `must have exactly ${count} values` }],
    );
  }
  const problems = variationProblems(flag.kind, variations);
  if (problems.length > 0) throw InvalidInputError.inBody(problems);
}

/** Bumps every environment's version: a change that alters the flag in every snapshot. */
async function touchAllEnvironments(w: WriteContext, flagKey: string): Promise<void> {
  for (const id of await environmentIds(w.tx)) await w.touchEnvironment(id, 'flag', flagKey);
}

/** A flag's metadata: its key, kind, variations, tags and archived state, shared by every environment. */
/** Audits a change of a flag's metadata: the flag as it was and as it is now. */
function auditFlagChange(w: WriteContext, action: string, before: FlagRow, after: FlagView): Promise<void> {
  return w.audit({ action, resourceType: 'flag', resourceKey: before.key, flagKey: before.key, before: toFlagView(before), after });
}

export class FlagService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter; insights: InsightsService }) {}

  /** The flag starts with its default configuration (off) in every environment. */
  create(actor: string, input: CreateFlagInput): Promise<FlagView> {
    const variations = input.variations ?? [...BOOLEAN_VARIATIONS];
    return refuseDuplicate(
      () =>
        this.deps.changes.run(actor, async (w) => {
          await lockForTransaction(w.tx, 'flagEnvironmentPairs');
          const flag = await insertFlag(w.tx, {
            key: input.key,
            name: input.name,
            description: input.description ?? '',
            kind: input.kind,
            variations,
            tags: unique(input.tags ?? []),
            temporary: input.temporary ?? true,
            clientSideAvailable: input.clientSideAvailable ?? false,
            salt: randomBytes(16).toString('hex'),
          });
          const environments = await environmentIds(w.tx);
          await insertFlagConfigs(w.tx, flag.id, environments, defaultFlagConfig(variations.length));
          for (const id of environments) await w.touchEnvironment(id, 'flag', flag.key);
          const view = toFlagView(flag);
          await w.audit({ action: 'flag.created', resourceType: 'flag', resourceKey: flag.key, flagKey: flag.key, after: view });
          return view;
        }),
      () => new ConflictError(`Flag "${input.key}" already exists`, [{ path: 'body.key', message: 'already exists' }]),
    );
  }

  /**
   * With `env`, each flag carries its on/off state, its status, its running or paused release plan and
   * its count of pending scheduled changes in that environment; `status` (which the query schema allows
   * only with `env`) keeps the flags with one of those statuses there.
   */
  async list(query: ListFlagsQuery): Promise<FlagListView> {
    const { limit, offset } = query;
    const env = query.env ? await requireEnvironment(this.deps.prisma, query.env) : null;
    const archived = query.archived === 'all' ? undefined : query.archived === 'true';
    const filter: FlagFilter = { archived, tags: query.tag, search: query.q };
    if (!env) {
      const { total, rows } = await listFlags(this.deps.prisma, filter, { limit, offset });
      return { items: rows.map(toFlagView), total, limit, offset };
    }
    const { total, rows, statuses } =
      query.status.length > 0
        ? await this.listByStatus(env.id, filter, new Set(query.status), { limit, offset })
        : await this.listWithStatuses(env.id, filter, { limit, offset });
    const states = new Map(
      (
        await onStates(
          this.deps.prisma,
          env.id,
          rows.map((r) => r.id),
        )
      ).map((s) => [s.flagId, s.on]),
    );
    const activity = await activityIn(
      this.deps.prisma,
      env.id,
      rows.map((r) => r.id),
    );
    const items = rows.map((row) => ({
      ...toFlagView(row),
      on: states.get(row.id) ?? false,
      status: statuses.get(row.key)!.status,
      ...activity.get(row.id)!,
    }));
    return { items, total, limit, offset };
  }

  /** Metadata plus each environment's on/off state and configuration version. */
  async get(key: string): Promise<FlagDetailView> {
    const flag = await requireFlag(this.deps.prisma, key);
    const configs = await configSummaries(this.deps.prisma, flag.id);
    const environments = Object.fromEntries(configs.map((c) => [c.environmentKey, { on: c.on, version: c.version }]));
    return { ...toFlagView(flag), environments };
  }

  update(actor: string, key: string, expected: number | null, changes: UpdateFlagInput): Promise<FlagView> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireLockedFlag(w.tx, key, 'update');
      expectVersion(expected, before.version);
      if (changes.variations !== undefined) refuseBadVariationEdit(before, changes.variations);
      const after = await updateFlag(w.tx, before.id, changes.tags === undefined ? changes : { ...changes, tags: unique(changes.tags) });
      await touchAllEnvironments(w, before.key);
      const view = toFlagView(after);
      await auditFlagChange(w, 'flag.updated', before, view);
      return view;
    });
  }

  /** Refused while active flags use it as a prerequisite; archiving an archived flag changes nothing. */
  archive(actor: string, key: string, expected: number | null): Promise<FlagView> {
    return this.setArchived(actor, key, expected, true);
  }

  restore(actor: string, key: string, expected: number | null): Promise<FlagView> {
    return this.setArchived(actor, key, expected, false);
  }

  /** Deletes the flag and its configuration in every environment; refused while active flags use it as a prerequisite. */
  async delete(actor: string, key: string, expected: number | null): Promise<void> {
    await this.deps.changes.run(actor, async (w) => {
      await lockPrerequisiteGraph(w.tx);
      const flag = await requireLockedFlag(w.tx, key, 'update');
      expectVersion(expected, flag.version);
      await refuseIfDependedOn(w.tx, flag.key, 'delete');
      const configs = await configsOfFlag(w.tx, flag.id);
      await deleteFlag(w.tx, flag.id);
      await touchAllEnvironments(w, flag.key);
      // The configurations go with the flag, so the audit trail keeps them to make the deletion reversible by hand.
      const environments = Object.fromEntries(configs.map((c) => [c.environment.key, toConfigView(c, flag.key, c.environment.key)]));
      const before = { ...toFlagView(flag), environments };
      await w.audit({ action: 'flag.deleted', resourceType: 'flag', resourceKey: flag.key, flagKey: flag.key, before });
    });
  }

  private async listWithStatuses(environmentId: string, filter: FlagFilter, page: { limit: number; offset: number }) {
    const { total, rows } = await listFlags(this.deps.prisma, filter, page);
    return { total, rows, statuses: await this.deps.insights.statusesIn(environmentId, rows) };
  }

  /**
   * A page of the flags matching `filter` whose status in the environment is one of `wanted`.
   * Statuses are computed from what SDKs reported, not stored, so every matching flag's status is
   * computed before the page is cut: `total` counts the flags with a wanted status.
   */
  private async listByStatus(
    environmentId: string,
    filter: FlagFilter,
    wanted: ReadonlySet<FlagStatus>,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; rows: FlagRow[]; statuses: Map<string, StatusEvidence> }> {
    const candidates = await listFlagStatusFacts(this.deps.prisma, filter);
    const statuses = await this.deps.insights.statusesIn(environmentId, candidates);
    const matching = candidates.filter((flag) => wanted.has(statuses.get(flag.key)!.status));
    const pageIds = matching.slice(page.offset, page.offset + page.limit).map((flag) => flag.id);
    return { total: matching.length, rows: await findFlagsByIds(this.deps.prisma, pageIds), statuses };
  }

  private setArchived(actor: string, key: string, expected: number | null, archived: boolean): Promise<FlagView> {
    return this.deps.changes.run(actor, async (w) => {
      if (archived) await lockPrerequisiteGraph(w.tx);
      const before = await requireLockedFlag(w.tx, key, 'update');
      expectVersion(expected, before.version);
      if (before.archived === archived) return toFlagView(before);
      if (archived) await refuseIfDependedOn(w.tx, before.key, 'archive');
      const after = await setFlagArchived(w.tx, before.id, archived);
      await touchAllEnvironments(w, before.key);
      const view = toFlagView(after);
      await auditFlagChange(w, archived ? 'flag.archived' : 'flag.restored', before, view);
      return view;
    });
  }
}
