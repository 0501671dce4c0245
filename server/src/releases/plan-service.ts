import { randomUUID } from 'node:crypto';
import type { FlagConfig } from '@switchyard/sdk/schema';
import { expectVersion } from '../changes/expect-version.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Prisma, PrismaClient } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { ConflictError, DomainError, InvalidDefinitionError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import { findFlagConfig, segmentKeys, storedConfig } from '../flags/config-repository.ts';
import type { ConfigChange, ConfigWriteGuard, FlagConfigService, FlagConfigTarget } from '../flags/config-service.ts';
import { variationsOf } from '../flags/repository.ts';
import { requireFlag } from '../flags/service.ts';
import type { InsightsService } from '../insights/service.ts';
import { guardHistoryMetrics, historyStepMs } from './guard-history.ts';
import { type ArmStatistics, type GuardVerdict, judgeGuard } from './guard-verdict.ts';
import { decide, firstCheckAt, type PlanPosition } from './plan-machine.ts';
import {
  anyPlanDue,
  claimDuePlan,
  databaseClock,
  databaseNow,
  findActivePlan,
  findPlan,
  insertPlan,
  listPlans,
  lockPlan,
  type PlanFilter,
  type ReleasePlanRow,
  updatePlan,
} from './plan-repository.ts';
import type { GuardHistoryView, ReleaseDefinition, ReleasePlanStatus, ReleasePlanView, ReleaseStage, StartReleasePlan } from './schemas.ts';
import { configForStage, mainFallthroughVariation, withoutGuard } from './stage-config.ts';
import { requireTemplate } from './template-service.ts';

export type ReleasePlanSettings = {
  /** How often a guarded stage's metrics are judged (and so the longest a regression goes unseen). */
  guardIntervalMs: number;
};

export const DEFAULT_RELEASE_SETTINGS: ReleasePlanSettings = { guardIntervalMs: 60_000 };

/** Who the plan's own looks are made by, in the audit log. */
const PLAN_ACTOR = 'release-plan';

const definitionOf = (row: ReleasePlanRow) => row.definition as ReleaseDefinition;
const stageLabel = (stage: ReleaseStage, index: number) => `stage ${index + 1} ("${stage.name ?? `${stage.percentage} %`}")`;

export function toPlanView(row: ReleasePlanRow): ReleasePlanView {
  const definition = definitionOf(row);
  return {
    id: row.id,
    flagKey: row.flag.key,
    environmentKey: row.environment.key,
    status: row.status as ReleasePlanStatus,
    templateKey: row.templateKey,
    variation: definition.variation,
    controlVariation: definition.controlVariation,
    stages: definition.stages,
    guard: definition.guard,
    stageIndex: row.stageIndex,
    stageStartedAt: row.stageStartedAt.toISOString(),
    approvedStage: row.approvedStage,
    nextCheckAt: row.nextCheckAt?.toISOString() ?? null,
    waitingFor: row.waitingFor,
    lastVerdict: (row.lastVerdict as ReleasePlanView['lastVerdict']) ?? null,
    version: row.version,
    createdBy: row.createdBy,
    startedAt: row.startedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

/** How the plan writes a configuration: `onlyWhileOn` refuses (FlagTurnedOff) when the flag is off there. */
type WriteOptions = Partial<Pick<ConfigChange, 'validate' | 'mayHavePrerequisites'>> & { onlyWhileOn?: boolean };

/** A look found the flag turned off in the plan's environment: the plan pauses (runDue). */
class FlagTurnedOff extends Error {}

/** Why a look's step could not be applied, for the pause; null for a failure worth a retry (the database gone). */
function unappliedStepReason(error: unknown): string | null {
  if (error instanceof FlagTurnedOff) return 'paused: the flag was turned off in this environment (turn it on, then resume the plan)';
  if (error instanceof DomainError) return `paused: the next step could not be applied: ${error.message}`;
  return null;
}

/** A plan's operation: which statuses allow it, and what it does with the plan's row locked. */
type Operation = {
  name: string;
  allowed: readonly ReleasePlanStatus[];
  run(w: WriteContext, plan: ReleasePlanRow, now: Date): Promise<ReleasePlanView>;
};

/**
 * Release plans: a flag's new variation walks through stages in one environment, each stage an
 * ordinary versioned, audited configuration write, streamed to SDKs like any other change.
 *
 * Every change of a plan happens with its row locked, in the transaction of the configuration write
 * it makes, so a stage is applied exactly once whoever (a replica's due-work loop, a person) moves
 * the plan and however many replicas try at the same moment (../jobs/due-work.ts).
 */
export class ReleasePlanService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      changes: ChangeWriter;
      flagConfigs: FlagConfigService;
      insights: InsightsService;
      settings: ReleasePlanSettings;
      /** Tells this replica's loop that a plan may be due now (after an operation). */
      wake(): void;
    },
  ) {}

  /**
   * While a plan runs, editing the flag's targeting by hand is refused (409 naming the plan): the plan
   * would overwrite it at its next stage. The kill switch always works; a plan that finds its flag
   * turned off pauses itself. Pausing the plan allows hand edits; resuming re-applies the stage.
   */
  readonly refuseHandEdits: ConfigWriteGuard = async (w, write) => {
    if (write.change.killSwitch || write.change.releasePlanId !== undefined) return;
    const plan = await findActivePlan(w.tx, write.flagId, write.environmentId);
    if (plan?.status !== 'running') return;
    throw new ConflictError(
      `Flag "${write.flagKey}" is being released in environment "${write.environmentKey}" by release plan ${plan.id} ` +
        `(${stageLabel(definitionOf(plan).stages[plan.stageIndex]!, plan.stageIndex)} of ${definitionOf(plan).stages.length}); ` +
        `pause it (POST /api/release-plans/${plan.id}/pause) to change the targeting by hand, or roll it back or abandon it`,
      [{ path: 'params.key', message: `release plan ${plan.id} is running` }],
    );
  };

  async get(id: string): Promise<ReleasePlanView> {
    return toPlanView(await this.require(this.deps.prisma, id));
  }

  async list(filter: PlanFilter, page: { limit: number; offset: number }) {
    const { items, total } = await listPlans(this.deps.prisma, filter, page);
    return { items: items.map(toPlanView), total, ...page };
  }

  /** The guard's statistics and verdict per metric as they stood over the plan's life, from what SDKs reported (guard-history.ts). */
  async guardHistory(id: string): Promise<GuardHistoryView> {
    const plan = await this.require(this.deps.prisma, id);
    const definition = definitionOf(plan);
    const origin = plan.startedAt;
    const until = plan.endedAt ?? (await databaseClock(this.deps.prisma));
    const stepMs = historyStepMs(until.getTime() - origin.getTime());
    const timeline = { origin, until, stepMs };
    const rows =
      definition.guard === null
        ? { exposed: [], converted: [], sums: [] }
        : await this.deps.insights.guardedStatisticsSteps(plan.flag.key, plan.environment.key, { since: origin, ...timeline });
    return {
      planId: plan.id,
      flagKey: plan.flag.key,
      environmentKey: plan.environment.key,
      from: origin.toISOString(),
      to: until.toISOString(),
      stepSeconds: stepMs / 1000,
      metrics: guardHistoryMetrics(definition, rows, timeline),
    };
  }

  async start(actor: string, target: FlagConfigTarget, request: StartReleasePlan): Promise<ReleasePlanView> {
    const view = await this.deps.changes.run(actor, (w) => this.startIn(w, target, request));
    this.deps.wake();
    return view;
  }

  /**
   * Starts a plan inside the caller's transaction (a scheduled change starts one this way): applies its
   * first stage (turning the flag on) and records the plan. 409 when a plan already runs or is paused there.
   */
  async startIn(w: WriteContext, target: FlagConfigTarget, request: StartReleasePlan): Promise<ReleasePlanView> {
    const template = request.template === undefined ? null : await requireTemplate(w.tx, request.template);
    const stages = request.stages ?? (template?.stages as ReleaseStage[]);
    const guard = request.guard !== undefined ? request.guard : ((template?.guard as ReleaseDefinition['guard']) ?? null);
    const flag = await requireFlag(w.tx, target.flagKey);
    const env = await requireEnvironment(w.tx, target.environmentKey);
    const variationCount = variationsOf(flag).length;
    const variation = request.variation ?? 0;
    const fieldProblem = (path: string, message: string) => new InvalidInputError([{ path: `body.${path}`, message }]);
    if (variation >= variationCount) throw fieldProblem('variation', `the flag has ${variationCount} variations`);
    const known = new Set(await segmentKeys(w.tx, env.id));
    stages.forEach((stage, i) => {
      stage.segments.forEach((segment, j) => {
        if (!known.has(segment)) {
          throw new InvalidDefinitionError(`Stage ${i + 1} names segment "${segment}", which environment "${env.key}" does not have`, [
            { path: `body.stages[${i}].segments[${j}]`, message: 'no such segment in this environment' },
          ]);
        }
      });
    });

    const id = randomUUID();
    const now = await databaseNow(w.tx);
    let base: FlagConfig | undefined;
    let definition: ReleaseDefinition | undefined;
    const written = await this.deps.flagConfigs.writeIn(w, target, null, {
      action: 'flag.configuration.updated',
      next: (current) => {
        base = current;
        // By default the others keep what they get now: the off variation while the flag is off.
        const controlVariation = request.controlVariation ?? (current.on ? mainFallthroughVariation(current) : current.offVariation);
        if (controlVariation >= variationCount) throw fieldProblem('controlVariation', `the flag has ${variationCount} variations`);
        if (controlVariation === variation) {
          throw fieldProblem(
            'controlVariation',
            `must differ from the variation released (${variation}); give the variation the others keep`,
          );
        }
        definition = { variation, controlVariation, stages, guard };
        return { ...configForStage(current, id, definition, 0), on: true };
      },
      validate: true,
      mayHavePrerequisites: true,
      releasePlanId: id,
    });
    const active = await findActivePlan(w.tx, written.flagId, written.environmentId);
    if (active) throw this.alreadyActive(active);
    const position = this.position({ stageIndex: 0, stageStartedAt: now, approvedStage: -1 }, definition!);
    let row: ReleasePlanRow;
    try {
      row = await insertPlan(w.tx, {
        id,
        flagId: written.flagId,
        environmentId: written.environmentId,
        status: 'running',
        templateKey: template?.key ?? null,
        definition: definition as Prisma.InputJsonValue,
        stageIndex: 0,
        stageStartedAt: now,
        nextCheckAt: firstCheckAt(position, now, this.deps.settings.guardIntervalMs),
        baseConfig: base as Prisma.InputJsonValue,
        configVersion: written.after.version,
        createdBy: w.actor,
        startedAt: now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A release plan already runs for flag "${flag.key}" in "${env.key}"`);
      throw error;
    }
    return this.audited(w, 'release.started', row);
  }

  pause(actor: string, id: string, expected: number | null, reason?: string) {
    return this.operate(actor, id, expected, {
      name: 'pause',
      allowed: ['running'],
      run: (w, plan) => this.pauseIn(w, plan, `paused by ${w.actor}${reason ? `: ${reason}` : ''}`),
    });
  }

  resume(actor: string, id: string, expected: number | null) {
    return this.operate(actor, id, expected, {
      name: 'resume',
      allowed: ['paused'],
      run: async (w, plan, now) => {
        const config = await this.currentConfig(w, plan);
        if (!config.on) {
          throw new ConflictError(
            `Flag "${plan.flag.key}" is off in "${plan.environment.key}"; turn it on before resuming its release plan`,
            [{ path: 'params.id', message: 'the flag is off' }],
          );
        }
        const version = await this.writeStage(w, plan, plan.stageIndex);
        const row = await updatePlan(w.tx, plan, { status: 'running', nextCheckAt: now, waitingFor: null, configVersion: version });
        return this.audited(w, 'release.resumed', row);
      },
    });
  }

  /** Moves to the next stage now, whatever the hold, approval or guard say (or completes the plan on its last stage). */
  advance(actor: string, id: string, expected: number | null) {
    return this.operate(actor, id, expected, {
      name: 'advance',
      allowed: ['running', 'paused'],
      run: (w, plan, now) =>
        plan.stageIndex + 1 >= definitionOf(plan).stages.length
          ? this.completeIn(w, plan)
          : this.applyStage(w, plan, plan.stageIndex + 1, now),
    });
  }

  approve(actor: string, id: string, expected: number | null) {
    return this.operate(actor, id, expected, {
      name: 'approve',
      allowed: ['running', 'paused'],
      run: async (w, plan, now) => {
        const stage = definitionOf(plan).stages[plan.stageIndex]!;
        if (!stage.requireApproval) {
          throw new ConflictError(`${stageLabel(stage, plan.stageIndex)} of release plan ${plan.id} does not ask for an approval`);
        }
        const row = await updatePlan(w.tx, plan, {
          approvedStage: plan.stageIndex,
          ...(plan.status === 'running' ? { nextCheckAt: now } : {}),
        });
        return this.audited(w, 'release.approved', row);
      },
    });
  }

  rollback(actor: string, id: string, expected: number | null, reason?: string) {
    return this.operate(actor, id, expected, {
      name: 'roll back',
      allowed: ['running', 'paused'],
      run: (w, plan) => this.rollbackIn(w, plan, `rolled back by ${w.actor}${reason ? `: ${reason}` : ''}`),
    });
  }

  /** Rolls back the running or paused plan of a flag in an environment (a trigger); null when there is none. */
  async rollbackActive(actor: string, target: FlagConfigTarget, reason: string): Promise<ReleasePlanView | null> {
    const flag = await requireFlag(this.deps.prisma, target.flagKey);
    const env = await requireEnvironment(this.deps.prisma, target.environmentKey);
    const active = await findActivePlan(this.deps.prisma, flag.id, env.id);
    if (!active) return null;
    try {
      return await this.rollback(actor, active.id, null, reason);
    } catch (error) {
      // Ended meanwhile (by its guard, a person): nothing is left to roll back.
      if (error instanceof ConflictError) return null;
      throw error;
    }
  }

  /** Ends the plan where it is: the configuration stays as the last stage left it (without the guard's metrics). */
  abandon(actor: string, id: string, expected: number | null) {
    return this.operate(actor, id, expected, {
      name: 'abandon',
      allowed: ['running', 'paused'],
      run: async (w, plan) => {
        const version = await this.writeConfig(w, plan, (current) => (current.guardedMetrics ? withoutGuard(current) : null));
        const row = await updatePlan(w.tx, plan, {
          status: 'abandoned',
          nextCheckAt: null,
          waitingFor: null,
          endedAt: await databaseClock(w.tx),
          configVersion: version,
        });
        return this.audited(w, 'release.abandoned', row);
      },
    });
  }

  /** Whether any running plan's next look is due (the due-work loop's cheap question before runDue). */
  anyDue(): Promise<boolean> {
    return anyPlanDue(this.deps.prisma);
  }

  /**
   * The due-work loop's step: takes one running plan whose look is due, and looks. False when none was due.
   *
   * A step that cannot be applied (the flag turned off, a segment of the next stage deleted, the flag
   * archived) rolls its whole transaction back and pauses the plan in a second one, saying why. Not a
   * savepoint around the step: that is two statements more in every step, for the rare step that fails
   * (bench/release/step-cost.ts).
   */
  async runDue(): Promise<boolean> {
    const claimed: { plan?: ReleasePlanRow } = {};
    try {
      await this.deps.changes.run(PLAN_ACTOR, async (w) => {
        const claim = await claimDuePlan(w.tx);
        if (!claim) return;
        claimed.plan = claim.plan;
        await this.look(w, claim.plan, claim.now);
      });
    } catch (error) {
      const reason = unappliedStepReason(error);
      if (claimed.plan === undefined || reason === null) throw error;
      await this.pauseUnapplied(claimed.plan, reason);
    }
    return claimed.plan !== undefined;
  }

  /** Pauses a plan whose step failed, unless it moved on since (another replica's look or a person): theirs is the last word. */
  private async pauseUnapplied(seen: ReleasePlanRow, reason: string): Promise<void> {
    await this.deps.changes.run(PLAN_ACTOR, async (w) => {
      const plan = await lockPlan(w.tx, seen.id);
      if (plan?.status !== 'running' || plan.version !== seen.version) return;
      await this.pauseIn(w, plan, reason);
    });
  }

  // ---- the plan's own looks ----------------------------------------------------------------------

  private async look(w: WriteContext, plan: ReleasePlanRow, now: Date): Promise<void> {
    const definition = definitionOf(plan);
    const position = this.position(plan, definition);
    const verdict = position.guarded ? await this.verdict(plan, definition) : null;
    const decision = decide(position, now, verdict, this.deps.settings.guardIntervalMs);
    // A step that writes reads the configuration (locked) anyway, and finds the flag off there.
    if (decision.kind !== 'advance' && decision.kind !== 'complete' && !(await this.currentConfig(w, plan)).on) throw new FlagTurnedOff();
    const lastVerdict = verdict === null ? {} : { lastVerdict: { ...verdict, judgedAt: now.toISOString() } as Prisma.InputJsonValue };
    switch (decision.kind) {
      case 'regression': {
        const regressed = verdict!.metrics.filter((m) => m.outcome === 'regression').map((m) => `${m.metricKey}: ${m.reason}`);
        const reason = `guard: ${regressed.join('; ')}`;
        const withVerdict = await updatePlan(w.tx, plan, lastVerdict);
        if (definition.guard!.onRegression === 'pause') await this.pauseIn(w, withVerdict, `paused by the ${reason}`);
        else await this.rollbackIn(w, withVerdict, `rolled back by the ${reason}`);
        return;
      }
      case 'wait': {
        const row = await updatePlan(w.tx, plan, { nextCheckAt: decision.nextCheckAt, waitingFor: decision.reason, ...lastVerdict });
        // Holding is the plan's normal course; waiting for a person or for data is worth telling (audit, webhooks).
        if (!decision.reason.startsWith('holding') && decision.reason !== plan.waitingFor) await this.audited(w, 'release.waiting', row);
        return;
      }
      case 'advance':
        await this.applyStage(w, plan, plan.stageIndex + 1, now, lastVerdict, { onlyWhileOn: true });
        return;
      case 'complete':
        await this.completeIn(w, plan, lastVerdict, { onlyWhileOn: true });
        return;
    }
  }

  private async verdict(plan: ReleasePlanRow, definition: ReleaseDefinition): Promise<GuardVerdict> {
    const stats = await this.deps.insights.guardedStatistics(plan.flag.key, plan.environment.key, plan.startedAt);
    const arm = (variation: number, metricKey: string): ArmStatistics => {
      const served = stats.variations.find((v) => v.variation === variation);
      const metric = served?.metrics.find((m) => m.key === metricKey);
      return {
        exposedContexts: served?.exposedContexts ?? 0,
        contextsWithEvent: metric?.contextsWithEvent ?? 0,
        valueCount: metric?.valueCount ?? 0,
        sum: metric?.sum ?? 0,
        sumSquares: metric?.sumSquares ?? 0,
      };
    };
    return judgeGuard(
      definition.guard!.metrics.map((metric) => ({
        metric,
        control: arm(definition.controlVariation, metric.key),
        treatment: arm(definition.variation, metric.key),
      })),
    );
  }

  // ---- steps (each with the plan's row locked, in the write's transaction) ---------------------

  private async applyStage(
    w: WriteContext,
    plan: ReleasePlanRow,
    index: number,
    now: Date,
    extra: Prisma.ReleasePlanUncheckedUpdateInput = {},
    options: WriteOptions = {},
  ) {
    const definition = definitionOf(plan);
    const version = await this.writeStage(w, plan, index, options);
    const position = this.position({ stageIndex: index, stageStartedAt: now, approvedStage: plan.approvedStage }, definition);
    const row = await updatePlan(w.tx, plan, {
      ...extra,
      status: 'running',
      stageIndex: index,
      stageStartedAt: now,
      nextCheckAt: firstCheckAt(position, now, this.deps.settings.guardIntervalMs),
      waitingFor: null,
      configVersion: version,
    });
    return this.audited(w, 'release.stage-applied', row);
  }

  private async completeIn(
    w: WriteContext,
    plan: ReleasePlanRow,
    extra: Prisma.ReleasePlanUncheckedUpdateInput = {},
    options: WriteOptions = {},
  ) {
    const version = await this.writeConfig(w, plan, (current) => (current.guardedMetrics ? withoutGuard(current) : null), options);
    const row = await updatePlan(w.tx, plan, {
      ...extra,
      status: 'completed',
      nextCheckAt: null,
      waitingFor: null,
      endedAt: await databaseClock(w.tx),
      configVersion: version,
    });
    return this.audited(w, 'release.completed', row);
  }

  private async pauseIn(w: WriteContext, plan: ReleasePlanRow, reason: string) {
    const row = await updatePlan(w.tx, plan, { status: 'paused', nextCheckAt: null, waitingFor: reason });
    return this.audited(w, 'release.paused', row);
  }

  /** Writes back the configuration from before the plan, in one audited write. Always allowed (no validation: it was valid then). */
  private async rollbackIn(w: WriteContext, plan: ReleasePlanRow, reason: string) {
    const base = plan.baseConfig as FlagConfig;
    const version = await this.writeConfig(w, plan, () => base, { validate: false, mayHavePrerequisites: base.prerequisites.length > 0 });
    const row = await updatePlan(w.tx, plan, {
      status: 'rolled-back',
      nextCheckAt: null,
      waitingFor: reason,
      endedAt: await databaseClock(w.tx),
      configVersion: version,
    });
    return this.audited(w, 'release.rolled-back', row);
  }

  private writeStage(w: WriteContext, plan: ReleasePlanRow, index: number, options: WriteOptions = {}): Promise<number> {
    const definition = definitionOf(plan);
    return this.writeConfig(w, plan, (current) => configForStage(current, plan.id, definition, index), options);
  }

  /** One configuration write by the plan; returns the configuration's version after it. */
  private async writeConfig(
    w: WriteContext,
    plan: ReleasePlanRow,
    next: ConfigChange['next'],
    options: WriteOptions = {},
  ): Promise<number> {
    // The plan's row is locked: its environment (whose deletion would delete the plan) stays.
    const target = { flagKey: plan.flag.key, environmentKey: plan.environment.key, environmentId: plan.environmentId };
    const written = await this.deps.flagConfigs.writeIn(w, target, null, {
      action: 'flag.configuration.updated',
      next: (current) => {
        if (options.onlyWhileOn && !current.on) throw new FlagTurnedOff();
        return next(current);
      },
      validate: options.validate ?? true,
      mayHavePrerequisites: options.mayHavePrerequisites ?? false,
      releasePlanId: plan.id,
    });
    return written.after.version;
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private async operate(actor: string, id: string, expected: number | null, operation: Operation): Promise<ReleasePlanView> {
    const view = await this.deps.changes.run(actor, async (w) => {
      const plan = await lockPlan(w.tx, id);
      if (!plan) throw new NotFoundError(`Release plan ${id}`);
      expectVersion(expected, plan.version);
      if (!operation.allowed.includes(plan.status as ReleasePlanStatus)) {
        throw new ConflictError(
          `Release plan ${id} is ${plan.status}; only a ${operation.allowed.join(' or ')} plan can ${operation.name}`,
          [{ path: 'params.id', message: plan.status }],
        );
      }
      return operation.run(w, plan, await databaseNow(w.tx));
    });
    this.deps.wake();
    return view;
  }

  private position(
    plan: Pick<ReleasePlanRow, 'stageIndex' | 'stageStartedAt' | 'approvedStage'>,
    definition: ReleaseDefinition,
  ): PlanPosition {
    const stage = definition.stages[plan.stageIndex]!;
    return {
      stageIndex: plan.stageIndex,
      stageCount: definition.stages.length,
      stage,
      stageStartedAt: plan.stageStartedAt,
      approvedStage: plan.approvedStage,
      guarded: definition.guard !== null && stage.guarded,
    };
  }

  private async currentConfig(w: WriteContext, plan: ReleasePlanRow): Promise<FlagConfig> {
    const row = await findFlagConfig(w.tx, plan.flagId, plan.environmentId);
    if (!row) throw new NotFoundError(`Configuration of flag "${plan.flag.key}" in environment "${plan.environment.key}"`);
    return storedConfig(row);
  }

  private async require(db: PrismaClient | WriteContext['tx'], id: string): Promise<ReleasePlanRow> {
    const plan = await findPlan(db, id);
    if (!plan) throw new NotFoundError(`Release plan ${id}`);
    return plan;
  }

  private alreadyActive(plan: ReleasePlanRow): ConflictError {
    return new ConflictError(
      `Flag "${plan.flag.key}" already has a ${plan.status} release plan in "${plan.environment.key}": ${plan.id}; roll it back or abandon it first`,
      [{ path: 'params.key', message: `release plan ${plan.id} is ${plan.status}` }],
    );
  }

  private async audited(w: WriteContext, action: string, row: ReleasePlanRow): Promise<ReleasePlanView> {
    const view = toPlanView(row);
    await w.audit({
      action,
      resourceType: 'release-plan',
      resourceKey: row.id,
      flagKey: row.flag.key,
      environmentKey: row.environment.key,
      after: view,
    });
    return view;
  }
}
