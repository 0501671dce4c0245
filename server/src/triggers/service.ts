import { randomBytes } from 'node:crypto';
import type { ChangeWriter, WriteContext } from '../changes/write-unit.ts';
import type { PrismaClient } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { ConflictError, DomainError, NotFoundError } from '../errors/index.ts';
import type { FlagConfigService, FlagConfigTarget } from '../flags/config-service.ts';
import { requireFlag, requireLockedFlag } from '../flags/service.ts';
import { type ClassifiedCall, classifyAlertPayload } from './alert-payload.ts';
import {
  activeNameTaken,
  findTrigger,
  findTriggerBySecret,
  insertTrigger,
  listTriggers,
  recordCall,
  revokeTrigger,
  type TriggerRow,
} from './repository.ts';
import {
  type CreatedTriggerView,
  type CreateTriggerInput,
  type TriggerAction,
  TriggerActionSchema,
  type TriggerCallOutcome,
  type TriggerCallResult,
  type TriggerView,
} from './schemas.ts';

/**
 * Rolls back the release plan running (or paused) for the flag in the environment, in a transaction of
 * its own; null when there is none. Wired by app.ts (the release plans' service).
 */
export type RollbackRelease = (actor: string, target: FlagConfigTarget, reason: string) => Promise<{ id: string } | null>;

/** A trigger found by its secret, to be called: only `TriggerService.authenticate` makes one. */
export type AuthenticatedTrigger = { readonly row: TriggerRow; readonly secret: string };

/** The public marker of a trigger secret, in the style of the tokens' `sy_<kind>_`. */
const SECRET_MARKER = 'sy_trigger_';
/** Characters of the random part kept beside the hash to tell triggers apart (as tokens keep 4). */
const SHOWN_CHARACTERS = 4;

/** A new secret: the marker and 256 bits of randomness. Stored only as its SHA-256 (see auth/secrets.ts for why SHA-256). */
function generateTriggerSecret(): string {
  return `${SECRET_MARKER}${randomBytes(32).toString('base64url')}`;
}

const actionOf = (row: TriggerRow): TriggerAction => TriggerActionSchema.parse(row.action);

/** The audit actor of everything a trigger's call does. */
const actorOf = (row: TriggerRow) => `trigger:${row.name}`;

const targetOf = (row: TriggerRow): FlagConfigTarget => ({ flagKey: row.flag.key, environmentKey: row.environment.key });

const toTriggerView = (row: TriggerRow): TriggerView => ({
  id: row.id,
  name: row.name,
  action: actionOf(row),
  flagKey: row.flag.key,
  environmentKey: row.environment.key,
  secretPrefix: row.secretPrefix,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  calls: row.calls,
  lastCalledAt: row.lastCalledAt?.toISOString() ?? null,
  revoked: row.revokedAt !== null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** Replaces the secret wherever a caller echoed it into the body (a label holding the receiver's URL): the audit log never keeps it. */
function withoutSecret(call: ClassifiedCall, secret: string): ClassifiedCall {
  const clean = (value: string | null) => (value === null ? null : value.replaceAll(secret, '[redacted]'));
  return {
    ...call,
    reason: clean(call.reason),
    status: clean(call.status),
    alerts: call.alerts.map((alert) => ({
      name: clean(alert.name),
      status: clean(alert.status),
      labels: Object.fromEntries(Object.entries(alert.labels).map(([key, value]) => [clean(key), clean(value)])),
    })),
  };
}

/** What the audit log keeps of a call: what it did and what the caller said, never the secret. */
function callRecord(row: TriggerRow, call: ClassifiedCall, outcome: TriggerCallOutcome | 'failed', more: Record<string, unknown> = {}) {
  return {
    trigger: { id: row.id, name: row.name, action: actionOf(row) },
    outcome,
    source: call.source,
    status: call.status,
    alertCount: call.alertCount,
    alerts: call.alerts,
    ...more,
  };
}

/** A short text for the release plan's record of why it was rolled back. */
function rollbackReason(row: TriggerRow, call: ClassifiedCall): string {
  const names = [...new Set(call.alerts.map((alert) => alert.name).filter((name) => name !== null))];
  const alerts = names.length > 0 ? `: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}` : '';
  return `Trigger "${row.name}" called (${call.source}${alerts})`;
}

/**
 * Flag triggers: secret URLs an alerting system calls to switch a flag off (or on) in one environment,
 * or to roll back its release plan. Created, listed and revoked like tokens; every accepted call is
 * counted and audited under the actor `trigger:<name>`.
 */
export class TriggerService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      changes: ChangeWriter;
      flagConfigs: FlagConfigService;
      rollbackRelease: RollbackRelease;
    },
  ) {}

  /** Every trigger of the flag in the environment, revoked ones included (flagged), oldest first. Never secrets. */
  async list(target: FlagConfigTarget): Promise<TriggerView[]> {
    const env = await requireEnvironment(this.deps.prisma, target.environmentKey);
    const flag = await requireFlag(this.deps.prisma, target.flagKey);
    return (await listTriggers(this.deps.prisma, flag.id, env.id)).map(toTriggerView);
  }

  /** The secret (and the URL holding it) are in the answer only. Names are unique among the active triggers of a flag in an environment. */
  create(actor: string, target: FlagConfigTarget, input: CreateTriggerInput): Promise<CreatedTriggerView> {
    return this.deps.changes.run(actor, async (w) => {
      const env = await requireEnvironment(w.tx, target.environmentKey);
      // FOR UPDATE: two creations of one name at once take turns, so the second sees the first.
      const flag = await requireLockedFlag(w.tx, target.flagKey, 'update');
      if (await activeNameTaken(w.tx, flag.id, env.id, input.name)) {
        throw new ConflictError(`Flag "${flag.key}" already has an active trigger named "${input.name}" in environment "${env.key}"`, [
          { path: 'body.name', message: 'taken by an active trigger of this flag in this environment' },
        ]);
      }
      const secret = generateTriggerSecret();
      const row = await insertTrigger(w.tx, {
        flagId: flag.id,
        environmentId: env.id,
        name: input.name,
        action: input.action,
        secret,
        secretPrefix: secret.slice(0, SECRET_MARKER.length + SHOWN_CHARACTERS),
        createdBy: actor,
      });
      const { id, name, action, flagKey, environmentKey, secretPrefix, createdAt } = toTriggerView(row);
      const view = { id, name, action, flagKey, environmentKey, secretPrefix, createdAt };
      await w.audit({ action: 'trigger.created', resourceType: 'trigger', resourceKey: id, flagKey, environmentKey, after: view });
      return { ...view, url: `/triggers/${secret}`, secret };
    });
  }

  /** Idempotent, as for tokens: a revoked trigger is returned unchanged and nothing is recorded. */
  revoke(actor: string, target: FlagConfigTarget, id: string): Promise<TriggerView> {
    return this.deps.changes.run(actor, async (w) => {
      const env = await requireEnvironment(w.tx, target.environmentKey);
      const flag = await requireFlag(w.tx, target.flagKey);
      const trigger = await findTrigger(w.tx, id);
      if (!trigger || trigger.flagId !== flag.id || trigger.environmentId !== env.id) {
        throw new NotFoundError(`Trigger "${id}" of flag "${flag.key}" in environment "${env.key}"`);
      }
      if (trigger.revokedAt) return toTriggerView(trigger);
      // Revoked meanwhile by a concurrent request: answered as a repeated revocation, recording nothing.
      const revoked = await revokeTrigger(w.tx, trigger.id, new Date());
      const after = toTriggerView((await findTrigger(w.tx, trigger.id)) ?? trigger);
      if (!revoked) return after;
      await w.audit({
        action: 'trigger.revoked',
        resourceType: 'trigger',
        resourceKey: trigger.id,
        flagKey: after.flagKey,
        environmentKey: after.environmentKey,
        before: toTriggerView(trigger),
        after,
      });
      return after;
    });
  }

  /** The active trigger whose secret this is; null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<AuthenticatedTrigger | null> {
    const row = await findTriggerBySecret(this.deps.prisma, secret);
    return row && !row.revokedAt ? { row, secret } : null;
  }

  /**
   * A call of the trigger with the request's body (undefined when none): acts on a firing alert or a
   * plain call, ignores a resolved one, and audits what it did either way. Null when the trigger was
   * revoked since `authenticate` (nothing done). A refusal (the flag is archived) is audited as
   * `trigger.failed` and thrown.
   */
  async call(trigger: AuthenticatedTrigger, body: unknown): Promise<TriggerCallResult | null> {
    const { row } = trigger;
    const call = withoutSecret(classifyAlertPayload(body), trigger.secret);
    const where = { flagKey: row.flag.key, environmentKey: row.environment.key };
    if (!call.act) {
      const recorded = await this.record(row, 'trigger.ignored', callRecord(row, call, 'ignored', { reason: call.reason }), true);
      return recorded ? { action: 'ignored', ...where, ...(call.reason ? { reason: call.reason } : {}) } : null;
    }
    try {
      return actionOf(row) === 'rollback-release' ? await this.rollBack(row, call) : await this.toggle(row, call);
    } catch (error) {
      if (error instanceof DomainError)
        await this.record(row, 'trigger.failed', callRecord(row, call, 'failed', { error: error.message }), false);
      throw error;
    }
  }

  /** Turn-off or turn-on: the kill switch, in the same transaction as the trigger's count and its audit event. */
  private toggle(row: TriggerRow, call: ClassifiedCall): Promise<TriggerCallResult | null> {
    const on = actionOf(row) === 'turn-on';
    return this.deps.changes.run(actorOf(row), async (w) => {
      if (!(await recordCall(w.tx, row.id, new Date()))) return null;
      const written = await this.deps.flagConfigs.writeIn(w, targetOf(row), null, {
        action: 'flag.toggled',
        next: (current) => (current.on === on ? null : { ...current, on }),
        validate: false,
        mayHavePrerequisites: false,
        killSwitch: true,
      });
      const outcome: TriggerCallOutcome = !written.changed ? 'unchanged' : on ? 'turned-on' : 'turned-off';
      await this.audit(w, row, 'trigger.fired', callRecord(row, call, outcome, { configVersion: written.after.version }));
      return { action: outcome, flagKey: row.flag.key, environmentKey: row.environment.key };
    });
  }

  /**
   * The release plans' rollback runs in a transaction of its own (it is theirs), and the call is
   * recorded after it: counted even if the trigger was revoked in between, since the rollback happened.
   */
  private async rollBack(row: TriggerRow, call: ClassifiedCall): Promise<TriggerCallResult> {
    const plan = await this.deps.rollbackRelease(actorOf(row), targetOf(row), rollbackReason(row, call));
    const outcome: TriggerCallOutcome = plan ? 'rolled-back' : 'no-release-plan';
    await this.record(row, 'trigger.fired', callRecord(row, call, outcome, plan ? { releasePlanId: plan.id } : {}), false);
    return { action: outcome, flagKey: row.flag.key, environmentKey: row.environment.key, ...(plan ? { releasePlanId: plan.id } : {}) };
  }

  /**
   * Counts the call and audits it in a transaction of its own. With `onlyActive`, a trigger revoked
   * meanwhile records nothing and this returns false.
   */
  private record(row: TriggerRow, action: string, after: Record<string, unknown>, onlyActive: boolean): Promise<boolean> {
    return this.deps.changes.run(actorOf(row), async (w) => {
      const counted = await recordCall(w.tx, row.id, new Date(), { onlyActive });
      if (!counted && onlyActive) return false;
      await this.audit(w, row, action, after);
      return true;
    });
  }

  private audit(w: WriteContext, row: TriggerRow, action: string, after: Record<string, unknown>): Promise<void> {
    return w.audit({
      action,
      resourceType: 'trigger',
      resourceKey: row.id,
      flagKey: row.flag.key,
      environmentKey: row.environment.key,
      after,
    });
  }
}
