import { type FlagConfig, FlagConfigSchema, type Prerequisite, type ValidationProblem, validateFlagConfig } from '@switchyard/sdk/schema';
import { expectVersion } from '../changes/expect-version.ts';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import type { Db, PrismaClient, Transaction } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import {
  ConflictError,
  formatPath,
  InvalidDefinitionError,
  InvalidInputError,
  NotFoundError,
  VersionMismatchError,
} from '../errors/index.ts';
import {
  activePrerequisites,
  type FlagConfigRow,
  findFlagConfig,
  lockFlagConfig,
  segmentKeys,
  storedConfig,
  updateFlagConfig,
} from './config-repository.ts';
import { type FlagRow, lockPrerequisiteGraph, variationsOf } from './repository.ts';
import type { FlagConfigPatch, FlagConfigView } from './schemas.ts';
import { requireFlag, requireLockedFlag } from './service.ts';
import { toConfigView } from './views.ts';

/** Which configuration: a flag's, in one environment. */
export type FlagConfigTarget = {
  flagKey: string;
  environmentKey: string;
  /**
   * The environment's id, from a caller that holds a row which keeps the environment from being
   * deleted (a release plan's, locked): the write then does not read the environment again.
   */
  environmentId?: string;
};

/** One change to a configuration, applied to whatever the configuration is when the write runs. */
export type ConfigChange = {
  /** The audit action, e.g. `flag.toggled`, `release.stage-applied`. */
  action: string;
  /** The new configuration, from the current one; `null` when the request changes nothing. */
  next(current: FlagConfig): FlagConfig | null;
  /** Whether the result needs the cross-reference checks (a toggle cannot break them, and must always work). */
  validate: boolean;
  /** Whether the result may have prerequisites, and so needs the prerequisite-graph lock. */
  mayHavePrerequisites: boolean;
  /** A kill switch (only `on` changes): always allowed, even while a release plan runs. */
  killSwitch?: boolean;
  /** The release plan making the write; other writes of targeting are refused while a plan runs. */
  releasePlanId?: string;
};

/** What a configuration write did, for writers that record more (a release plan, a scheduled change). */
export type ConfigWritten = { flagId: string; environmentId: string; before: FlagConfigView; after: FlagConfigView; changed: boolean };

/**
 * Asked inside every configuration write, before anything is written, with the configuration row
 * locked: throws a domain error to refuse the write. The release plans register one (a hand edit of
 * targeting while a plan runs is refused, naming the plan); flags know nothing of them.
 */
export type ConfigWriteGuard = (
  w: WriteContext,
  write: { flagId: string; flagKey: string; environmentId: string; environmentKey: string; change: ConfigChange },
) => Promise<void>;

const configName = (flagKey: string, environmentKey: string) => `Configuration of flag "${flagKey}" in environment "${environmentKey}"`;

async function requireFlagConfig(db: Db, flagId: string, environmentId: string, what: string): Promise<FlagConfigRow> {
  const row = await findFlagConfig(db, flagId, environmentId);
  if (!row) throw new NotFoundError(what);
  return row;
}

/**
 * Cross-reference problems of `config` for `flag` in one environment: variation indices, segments
 * of that environment, and prerequisites among the environment's active (non-archived) flags.
 */
async function crossReferenceProblems(
  tx: Transaction,
  flag: FlagRow,
  environmentId: string,
  config: FlagConfig,
): Promise<ValidationProblem[]> {
  const usesSegments = config.rules.some((rule) => rule.clauses.some((clause) => clause.op === 'segmentMatch'));
  const segments = new Set(usesSegments ? await segmentKeys(tx, environmentId) : []);
  const others = new Map<string, { prerequisites: readonly Prerequisite[]; variationCount: number }>();
  if (config.prerequisites.length > 0) {
    for (const other of await activePrerequisites(tx, environmentId)) others.set(other.flagKey, other);
  }
  return validateFlagConfig(config, {
    variationCount: variationsOf(flag).length,
    segmentKeys: segments,
    flagKey: flag.key,
    prerequisitesOf: (key) => others.get(key)?.prerequisites,
    variationCountOf: (key) => others.get(key)?.variationCount,
  });
}

/** A flag's configuration per environment: on/off, targets, rules, prerequisites. Every write bumps its version. */
export class FlagConfigService {
  private readonly guards: ConfigWriteGuard[] = [];

  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  /** Adds a check every configuration write must pass (see ConfigWriteGuard). */
  addWriteGuard(guard: ConfigWriteGuard): void {
    this.guards.push(guard);
  }

  async get(target: FlagConfigTarget): Promise<FlagConfigView> {
    const flag = await requireFlag(this.deps.prisma, target.flagKey);
    const env = await requireEnvironment(this.deps.prisma, target.environmentKey);
    const row = await requireFlagConfig(this.deps.prisma, flag.id, env.id, configName(flag.key, env.key));
    return toConfigView(row, flag.key, env.key);
  }

  /** Variation indices, segments and prerequisites are checked against the flag and the environment. */
  replace(actor: string, target: FlagConfigTarget, expected: number | null, config: FlagConfig): Promise<FlagConfigView> {
    return this.write(actor, target, expected, {
      action: 'flag.configuration.updated',
      next: () => config,
      validate: true,
      mayHavePrerequisites: config.prerequisites.length > 0,
    });
  }

  /** The given top-level fields replace the current ones; the result is validated as a whole, as by `replace`. */
  merge(actor: string, target: FlagConfigTarget, expected: number | null, patch: FlagConfigPatch): Promise<FlagConfigView> {
    return this.write(actor, target, expected, {
      action: 'flag.configuration.updated',
      next: (current) => {
        const merged = FlagConfigSchema.safeParse({ ...current, ...patch });
        if (!merged.success) throw InvalidInputError.inBody(merged.error.issues);
        return merged.data;
      },
      validate: true,
      mayHavePrerequisites: patch.prerequisites === undefined || patch.prerequisites.length > 0,
    });
  }

  /** The kill switch. Setting the current value changes nothing (no new version, no audit event). */
  toggle(actor: string, target: FlagConfigTarget, expected: number | null, on: boolean): Promise<FlagConfigView> {
    return this.write(actor, target, expected, {
      action: 'flag.toggled',
      next: (current) => (current.on === on ? null : { ...current, on }),
      validate: false,
      mayHavePrerequisites: false,
      killSwitch: true,
    });
  }

  private async write(actor: string, target: FlagConfigTarget, expected: number | null, change: ConfigChange): Promise<FlagConfigView> {
    return (await this.deps.changes.run(actor, (w) => this.writeIn(w, target, expected, change))).after;
  }

  /**
   * One configuration write inside the caller's transaction: locks, version check, archived check, the
   * write guards, validation, versioned update, snapshot touch, audit. Writers that lock rows of their
   * own (a release plan, a scheduled change) take those first and then call this.
   */
  async writeIn(w: WriteContext, target: FlagConfigTarget, expected: number | null, change: ConfigChange): Promise<ConfigWritten> {
    if (change.mayHavePrerequisites) await lockPrerequisiteGraph(w.tx);
    const env =
      target.environmentId === undefined
        ? await requireEnvironment(w.tx, target.environmentKey)
        : { id: target.environmentId, key: target.environmentKey };
    const flag = await requireLockedFlag(w.tx, target.flagKey, 'share');
    const row = await lockFlagConfig(w.tx, flag.id, env.id);
    if (!row) throw new NotFoundError(configName(flag.key, env.key));
    expectVersion(expected, row.version);
    if (flag.archived) {
      throw new ConflictError(`Flag "${flag.key}" is archived; restore it before changing its configuration`, [
        { path: 'params.key', message: 'archived' },
      ]);
    }
    const ids = { flagId: flag.id, environmentId: env.id };
    const before = toConfigView(row, flag.key, env.key);
    const next = change.next(storedConfig(row));
    if (next === null) return { ...ids, before, after: before, changed: false };
    for (const guard of this.guards) {
      await guard(w, { flagId: flag.id, flagKey: flag.key, environmentId: env.id, environmentKey: env.key, change });
    }
    if (change.validate) {
      const problems = await crossReferenceProblems(w.tx, flag, env.id, next);
      if (problems.length > 0) {
        const details = problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message }));
        throw new InvalidDefinitionError(
          `The configuration refers to things that do not exist or loop: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
          details,
        );
      }
    }

    const written = await updateFlagConfig(w.tx, row, next);
    if (!written) throw new VersionMismatchError((await requireFlagConfig(w.tx, flag.id, env.id, 'Configuration')).version);
    const after = toConfigView(written, flag.key, env.key);
    await w.touchEnvironment(env.id, 'flag', flag.key);
    await w.audit({
      action: change.action,
      resourceType: 'flag',
      resourceKey: flag.key,
      flagKey: flag.key,
      environmentKey: env.key,
      before,
      after,
    });
    return { ...ids, before, after, changed: true };
  }
}
