import { expectVersion } from '../changes/expect-version.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import { lockForTransaction } from '../db/locks.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { ConflictError, DomainError, formatPath, InvalidDefinitionError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { FlagConfigService, FlagConfigTarget } from '../flags/config-service.ts';
import { requireFlag } from '../flags/service.ts';
import type { StartReleasePlan } from '../releases/schemas.ts';
import { applyInstructions, describeInstruction, type InstructionProblem, onlyToggles, variationProblems } from './instructions.ts';
import {
  claimDueChange,
  configVersion,
  type DueChange,
  databaseNow,
  findScheduledChange,
  flagFacts,
  insertScheduledChange,
  listScheduledChanges,
  lockScheduledChange,
  peekDueChange,
  type ScheduledChangeFilter,
  type ScheduledChangeRow,
  shareLockFlag,
  shareLockPrerequisiteGraph,
  updateScheduledChange,
} from './repository.ts';
import {
  type ConfigInstruction,
  type CreateScheduledChange,
  type Instruction,
  InstructionsSchema,
  type ListScheduledChangesQuery,
  type ScheduledChangeListView,
  type ScheduledChangeStatus,
  type ScheduledChangeView,
  type UpdateScheduledChange,
} from './schemas.ts';

/** Starts a release plan inside the caller's transaction (the release plans' service; wired in app.ts). */
export type StartReleasePlanFn = (w: WriteContext, target: FlagConfigTarget, request: StartReleasePlan) => Promise<{ id: string }>;

export type ScheduledChangeDeps = {
  prisma: PrismaClient;
  changes: ChangeWriter;
  flagConfigs: FlagConfigService;
  startReleasePlan: StartReleasePlanFn;
};

const AUDITED = 'scheduled-change';

const toView = (row: ScheduledChangeRow): ScheduledChangeView => ({
  id: row.id,
  flagKey: row.flag.key,
  environmentKey: row.environment.key,
  at: row.dueAt.toISOString(),
  instructions: row.instructions as Instruction[],
  comment: row.comment,
  status: row.status as ScheduledChangeStatus,
  outcome: row.outcome,
  baseVersion: row.baseVersion,
  version: row.version,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  appliedAt: row.appliedAt?.toISOString() ?? null,
});

const variationCount = (flag: { variations: unknown }) => (Array.isArray(flag.variations) ? flag.variations.length : 0);

const notFound = (id: string) => new NotFoundError(`Scheduled change "${id}"`);

async function requireChange(db: Db, id: string): Promise<ScheduledChangeRow> {
  const row = await findScheduledChange(db, id);
  if (!row) throw notFound(id);
  return row;
}

/** Locks the change's row for the rest of the transaction (waiting for an apply in progress) and reads it. */
async function requireLockedChange(tx: Transaction, id: string): Promise<ScheduledChangeRow> {
  const row = await lockScheduledChange(tx, id);
  if (!row) throw notFound(id);
  return row;
}

/** The due time, if it is in the future by the database's clock and at most a year ahead (400 naming `body.at` otherwise). */
async function dueTime(db: Db, at: string): Promise<Date> {
  const dueAt = new Date(at);
  const { now, latest } = await databaseNow(db);
  if (dueAt.getTime() <= now.getTime()) {
    throw new InvalidInputError([{ path: 'body.at', message: `must be in the future (the server's time is ${now.toISOString()})` }]);
  }
  if (dueAt.getTime() > latest.getTime()) {
    throw new InvalidInputError([{ path: 'body.at', message: `must be at most a year ahead (no later than ${latest.toISOString()})` }]);
  }
  return dueAt;
}

/** Obvious mistakes, refused when scheduling (422): variation indices the flag does not have. Checked again when applied. */
function refuseBadInstructions(instructions: readonly Instruction[], flag: { key: string; variations: unknown }): void {
  const problems = variationProblems(instructions, variationCount(flag));
  if (problems.length === 0) return;
  const details = problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message }));
  throw new InvalidDefinitionError(
    `The instructions do not fit flag "${flag.key}": ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    details,
  );
}

function refuseArchived(flag: { key: string; archived: boolean }): void {
  if (flag.archived) {
    throw new ConflictError(`Flag "${flag.key}" is archived; restore it before scheduling changes to its configuration`, [
      { path: 'params.key', message: 'archived' },
    ]);
  }
}

function refuseUnlessPending(row: ScheduledChangeRow, verb: string): void {
  if (row.status !== 'pending') {
    throw new ConflictError(`Scheduled change "${row.id}" is ${row.status}; only a pending change can be ${verb}`, [
      { path: 'params.id', message: row.status },
    ]);
  }
}

/** Why the instructions cannot apply, as an error whose message names each instruction that failed. */
function instructionsFailed(instructions: readonly Instruction[], problems: readonly InstructionProblem[]): InvalidDefinitionError {
  const details = problems.map((p) => ({ path: formatPath(p.path), message: p.message }));
  const reasons = problems.map((p) => {
    const index = p.path[0] === 'instructions' ? p.path[1] : undefined;
    const instruction = typeof index === 'number' ? instructions[index] : undefined;
    return instruction
      ? `instructions[${index}] (${describeInstruction(instruction)}): ${p.message}`
      : `the result would be invalid: ${formatPath(p.path)}: ${p.message}`;
  });
  return new InvalidDefinitionError(reasons.join('; '), details);
}

/** Audits what happened to a scheduled change (updated, cancelled, applied, failed), with the change before and after. */
function auditChange(w: WriteContext, what: string, row: ScheduledChangeRow, after: ScheduledChangeView): Promise<void> {
  return w.audit({
    action: `${AUDITED}.${what}`,
    resourceType: AUDITED,
    resourceKey: row.id,
    flagKey: row.flag.key,
    environmentKey: row.environment.key,
    before: toView(row),
    after,
  });
}

/** What applying did: the configuration's versions around the write (when there were configuration instructions), the plan started. */
type CarriedOut = { fromVersion: number; toVersion: number; wrote: boolean; changed: boolean; planId: string | null };

type StartPlanInstruction = Extract<Instruction, { kind: 'startReleasePlan' }>;

/** Configuration changes (and a release plan's start) scheduled for a time, applied exactly once when due. */
export class ScheduledChangeService {
  constructor(private readonly deps: ScheduledChangeDeps) {}

  create(actor: string, target: FlagConfigTarget, input: CreateScheduledChange): Promise<ScheduledChangeView> {
    return this.deps.changes.run(actor, async (w) => {
      const env = await requireEnvironment(w.tx, target.environmentKey);
      const flag = await requireFlag(w.tx, target.flagKey);
      refuseArchived(flag);
      refuseBadInstructions(input.instructions, flag);
      const dueAt = await dueTime(w.tx, input.at);
      const baseVersion = await configVersion(w.tx, flag.id, env.id);
      if (baseVersion === null) throw new NotFoundError(`Configuration of flag "${flag.key}" in environment "${env.key}"`);
      const row = await insertScheduledChange(w.tx, {
        flagId: flag.id,
        environmentId: env.id,
        dueAt,
        instructions: input.instructions,
        comment: input.comment ?? '',
        baseVersion,
        createdBy: actor,
      });
      const view = toView(row);
      await w.audit({
        action: `${AUDITED}.created`,
        resourceType: AUDITED,
        resourceKey: row.id,
        flagKey: flag.key,
        environmentKey: env.key,
        after: view,
      });
      return view;
    });
  }

  async listForFlag(
    target: FlagConfigTarget,
    query: { status?: ScheduledChangeStatus | undefined; limit: number; offset: number },
  ): Promise<ScheduledChangeListView> {
    const flag = await requireFlag(this.deps.prisma, target.flagKey);
    const env = await requireEnvironment(this.deps.prisma, target.environmentKey);
    return this.page({ flagKey: flag.key, environmentKey: env.key, status: query.status }, query);
  }

  list(query: ListScheduledChangesQuery): Promise<ScheduledChangeListView> {
    return this.page({ flagKey: query.flag, environmentKey: query.env, status: query.status }, query);
  }

  async get(id: string): Promise<ScheduledChangeView> {
    return toView(await requireChange(this.deps.prisma, id));
  }

  /** Only while pending; the new instructions are checked as when scheduling, and the base version is the configuration's now. */
  update(actor: string, id: string, expected: number | null, patch: UpdateScheduledChange): Promise<ScheduledChangeView> {
    return this.deps.changes.run(actor, async (w) => {
      const row = await requireLockedChange(w.tx, id);
      refuseUnlessPending(row, 'edited');
      expectVersion(expected, row.version);
      const flag = await requireFlag(w.tx, row.flag.key);
      refuseArchived(flag);
      if (patch.instructions) refuseBadInstructions(patch.instructions, flag);
      const dueAt = patch.at === undefined ? undefined : await dueTime(w.tx, patch.at);
      const baseVersion = (await configVersion(w.tx, row.flagId, row.environmentId)) ?? row.baseVersion;
      const after = toView(
        await updateScheduledChange(w.tx, row.id, {
          baseVersion,
          ...(dueAt === undefined ? {} : { dueAt }),
          ...(patch.instructions === undefined ? {} : { instructions: patch.instructions }),
          ...(patch.comment === undefined ? {} : { comment: patch.comment }),
        }),
      );
      await auditChange(w, 'updated', row, after);
      return after;
    });
  }

  /** Only while pending: a cancelled change is kept (status `cancelled`) and never applied. */
  cancel(actor: string, id: string, expected: number | null): Promise<ScheduledChangeView> {
    return this.deps.changes.run(actor, async (w) => {
      const row = await requireLockedChange(w.tx, id);
      refuseUnlessPending(row, 'cancelled');
      expectVersion(expected, row.version);
      const after = toView(await updateScheduledChange(w.tx, row.id, { status: 'cancelled' }));
      await auditChange(w, 'cancelled', row, after);
      return after;
    });
  }

  /**
   * Applies one due change, if any (false when none is due): the due-work loop's step. The claim, the
   * configuration write, the change's new status and the audit events commit together, under the
   * actor `schedule:<who scheduled it>`.
   */
  async applyNextDue(): Promise<boolean> {
    // Which change, and so which actor, before the transaction; the claim itself is made inside it.
    const due = await peekDueChange(this.deps.prisma);
    if (!due) return false;
    await this.deps.changes.run(`schedule:${due.createdBy}`, (w) => this.applyIn(w, due));
    return true;
  }

  private async page(filter: ScheduledChangeFilter, page: { limit: number; offset: number }): Promise<ScheduledChangeListView> {
    const { rows, total } = await listScheduledChanges(this.deps.prisma, filter, page);
    return { items: rows.map(toView), total, limit: page.limit, offset: page.offset };
  }

  private async applyIn(w: WriteContext, due: DueChange): Promise<void> {
    // The locks every configuration write and every flag deletion take, in their order (prerequisite
    // graph, flag, then the flag's rows), before this change's row: a deletion of the flag, which
    // deletes this row too, then waits for the apply instead of deadlocking with it. The graph lock is
    // shared, so that changes apply in parallel, except for a release plan's start, which takes it
    // exclusively (as its configuration write will: a shared lock cannot safely be raised).
    if (due.startsPlan) await lockForTransaction(w.tx, 'prerequisiteGraph');
    else await shareLockPrerequisiteGraph(w.tx);
    if (!(await shareLockFlag(w.tx, due.flagId))) return;
    const claimedAt = await claimDueChange(w.tx, due);
    if (!claimedAt) return; // taken, cancelled or edited since the peek: the next peek sees it as it is
    const row = (await findScheduledChange(w.tx, due.id))!;
    const target = { flagKey: row.flag.key, environmentKey: row.environment.key };
    const currentVersion = (await configVersion(w.tx, row.flagId, row.environmentId)) ?? row.baseVersion;
    const drift =
      currentVersion === row.baseVersion ? null : `the flag changed since it was scheduled (v${row.baseVersion} -> v${currentVersion})`;

    let status: 'applied' | 'failed';
    let outcome: string;
    try {
      const done = await w.savepoint(() => this.carryOut(w, target, row));
      status = 'applied';
      outcome = appliedOutcome(row, done);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      status = 'failed';
      outcome = `Failed; nothing was changed: ${drift ? `${drift}, and ` : ''}${err.message}`;
    }
    const after = toView(await updateScheduledChange(w.tx, row.id, { status, outcome, appliedAt: claimedAt }));
    await auditChange(w, status, row, after);
  }

  /** The change's instructions on the configuration as it is now; throws a domain error when they no longer make sense. */
  private async carryOut(w: WriteContext, target: FlagConfigTarget, row: ScheduledChangeRow): Promise<CarriedOut> {
    const parsed = InstructionsSchema.safeParse(row.instructions);
    if (!parsed.success) {
      throw new InvalidDefinitionError(
        `the stored instructions are no longer valid: ${parsed.error.issues.map((i) => `${formatPath(['instructions', ...(i.path as (string | number)[])])}: ${i.message}`).join('; ')}`,
      );
    }
    const instructions = parsed.data;
    const facts = (await flagFacts(w.tx, row.flagId))!;
    if (facts.archived) {
      throw new ConflictError(`flag "${target.flagKey}" is archived; restore it before changing its configuration`);
    }
    // A release plan's start can only be last, so these keep their indices in `instructions`.
    const configInstructions = instructions.filter((i): i is ConfigInstruction => i.kind !== 'startReleasePlan');
    let done: CarriedOut = { fromVersion: row.baseVersion, toVersion: row.baseVersion, wrote: false, changed: false, planId: null };
    if (configInstructions.length > 0) {
      const toggles = onlyToggles(configInstructions);
      const written = await this.deps.flagConfigs.writeIn(w, target, null, {
        action: toggles ? 'flag.toggled' : 'flag.configuration.updated',
        next: (current) => {
          const applied = applyInstructions(current, configInstructions, facts.variationCount);
          if (!applied.ok) throw instructionsFailed(instructions, applied.problems);
          return applied.changed ? applied.config : null;
        },
        validate: !toggles,
        // Instructions never change prerequisites, and the graph lock is held already (applyIn).
        mayHavePrerequisites: false,
        killSwitch: toggles,
      });
      done = { ...done, fromVersion: written.before.version, toVersion: written.after.version, wrote: true, changed: written.changed };
    } else {
      const version = (await configVersion(w.tx, row.flagId, row.environmentId)) ?? row.baseVersion;
      done = { ...done, fromVersion: version, toVersion: version };
    }
    const plan = instructions.find((i): i is StartPlanInstruction => i.kind === 'startReleasePlan');
    if (plan) done.planId = (await this.deps.startReleasePlan(w, target, plan.plan)).id;
    return done;
  }
}

function appliedOutcome(row: ScheduledChangeRow, done: CarriedOut): string {
  const instructions = row.instructions as Instruction[];
  const what = instructions.map(describeInstruction).join('; ');
  const drift =
    done.fromVersion === row.baseVersion
      ? ''
      : `The flag changed since it was scheduled (v${row.baseVersion} -> v${done.fromVersion}); applied the instructions to the current configuration. `;
  const config = !done.wrote
    ? ''
    : done.changed
      ? ` (configuration v${done.fromVersion} -> v${done.toVersion})`
      : ` (nothing to change: the configuration, v${done.fromVersion}, already was as they ask)`;
  const plan = done.planId ? ` Release plan ${done.planId} started.` : '';
  return `${drift}Applied: ${what}${config}.${plan}`;
}
