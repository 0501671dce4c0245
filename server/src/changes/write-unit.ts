import type { Prisma, PrismaClient, Transaction } from '../db/prisma.ts';
import type { ChangeBus } from './change-bus.ts';
import type { EnvironmentChangeNotice, EnvironmentDeletedNotice, TokenRevokedNotice } from './notice.ts';

export type AuditEntry = {
  action: string;
  resourceType: string;
  resourceKey: string;
  flagKey?: string | null;
  environmentKey?: string | null;
  before?: unknown;
  after?: unknown;
};

/** What a write sees: its transaction, and what every write must do with it. */
export type WriteContext = {
  tx: Transaction;
  actor: string;
  /** Records an audit event in the same transaction as the change. */
  audit(entry: AuditEntry): Promise<void>;
  /**
   * Records that the resource changed in the environment: just before commit, the write unit bumps the
   * environment's version, logs the change, and publishes it after commit. The bump comes last because
   * it locks the environment's row until commit, and every write in the environment waits for that lock
   * (bench:release: 200 plan stages due together committed one at a time on it).
   */
  touchEnvironment(environmentId: string, resourceType: EnvironmentChangeNotice['resourceType'], resourceKey: string): Promise<void>;
  /** Locks the environment's row now, for writes that must run one at a time per environment (segments). */
  lockEnvironment(environmentId: string): Promise<void>;
  /** Announces after commit, on every replica, that the token is revoked: its open streams close and caches forget it. */
  tokenRevoked(tokenId: string): void;
  /**
   * Announces after commit, on every replica, that the environment is gone: its keys (`tokenIds`, read
   * before the cascade) are forgotten, its cached snapshots and evaluations dropped, its streams closed.
   */
  environmentDeleted(environment: { id: string; key: string }, tokenIds: string[]): void;
  /**
   * Runs `work` in a savepoint. If it throws, what it wrote is rolled back and the notices it queued
   * are forgotten (a version bump rolled back must never be announced: the next write would commit
   * that version number with other content), the error is rethrown, and the transaction goes on: for
   * writers that record a failed step (a release plan pausing, a scheduled change failing) instead.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
};

/** A resource changed in an environment, recorded during a write and bumped just before its commit. */
type Touch = { environmentId: string; resourceType: EnvironmentChangeNotice['resourceType']; resourceKey: string };

/**
 * Bumps each touched environment's version and logs the change, one statement per touch (every write
 * commits through here; bench/release/step-cost.ts counts what a statement costs), and returns the
 * notices to publish. Both timestamps are the database's clock in UTC, as the columns hold them.
 */
async function bumpEnvironments(tx: Transaction, touches: readonly Touch[]): Promise<EnvironmentChangeNotice[]> {
  const notices: EnvironmentChangeNotice[] = [];
  for (const { environmentId, resourceType, resourceKey } of touches) {
    const [env] = await tx.$queryRaw<{ key: string; version: number }[]>`
      WITH bumped AS (
        UPDATE "Environment" SET "version" = "version" + 1, "updatedAt" = clock_timestamp() AT TIME ZONE 'UTC'
         WHERE "id" = ${environmentId} RETURNING "id", "key", "version"
      ), logged AS (
        INSERT INTO "EnvironmentChange" ("environmentId", "version", "resourceType", "resourceKey", "createdAt")
        SELECT "id", "version", ${resourceType}, ${resourceKey}, clock_timestamp() AT TIME ZONE 'UTC' FROM bumped
      )
      SELECT "key", "version" FROM bumped`;
    if (!env) throw new Error(`Environment ${environmentId} is gone: its change cannot be recorded`);
    notices.push({ environmentId, environmentKey: env.key, version: env.version, resourceType, resourceKey });
  }
  return notices;
}

/** Notices that cut access off (a revoked key, a deleted environment). */
type CutOffNotice = TokenRevokedNotice | EnvironmentDeletedNotice;

/** How long a write that cuts access off waits for the bus to take its notices before answering anyway. */
const CUT_OFF_PUBLISH_WAIT_MS = 1000;

/**
 * Runs inside the write's transaction after its work, with the notices it produced (e.g. to build
 * the patches they carry from the rows about to commit).
 */
export type BeforeCommit = (tx: Transaction, notices: EnvironmentChangeNotice[]) => Promise<void>;

/** An audit event as recorded: what audit-event listeners (the outgoing webhooks' outbox) receive. */
export type RecordedAuditEvent = AuditEntry & { id: bigint; actor: string; createdAt: Date };

/**
 * Runs inside the write's transaction right after each audit event is recorded, so that what it
 * writes (a webhook delivery) commits or rolls back with the change.
 */
export type AuditListener = (tx: Transaction, event: RecordedAuditEvent) => Promise<void>;

export type ChangeWriterOptions = {
  prisma: PrismaClient;
  bus: ChangeBus;
  beforeCommit?: BeforeCommit;
  onPublishError(err: unknown): void;
};

const toJson = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue));

/**
 * The write unit: every change to stored state goes through `run`, which commits the change, its
 * audit events and its version bumps in one transaction, then publishes the change notices.
 */
export class ChangeWriter {
  private readonly auditListeners: AuditListener[] = [];

  constructor(private readonly options: ChangeWriterOptions) {}

  /** Adds a listener of every audit event, called in the event's transaction (see AuditListener). */
  onAudit(listener: AuditListener): void {
    this.auditListeners.push(listener);
  }

  /** Runs `work` in one database transaction; audit events and version bumps commit or roll back with it. */
  async run<T>(actor: string, work: (w: WriteContext) => Promise<T>): Promise<T> {
    const touches: Touch[] = [];
    const environmentNotices: EnvironmentChangeNotice[] = [];
    const cutOffNotices: CutOffNotice[] = [];
    const result = await this.options.prisma.$transaction(
      async (tx) => {
        const result = await work(this.context(tx, actor, touches, cutOffNotices));
        environmentNotices.push(...(await bumpEnvironments(tx, touches)));
        if (environmentNotices.length > 0 && this.options.beforeCommit) await this.options.beforeCommit(tx, environmentNotices);
        return result;
      },
      { maxWait: 5_000, timeout: 15_000 },
    );
    // Not awaited: this process's handlers have the notices when publish returns, and the answer to
    // the write need not wait for Redis to acknowledge (the stream fan-out runs after it is sent).
    for (const notice of environmentNotices) {
      this.options.bus.publish(notice).catch(this.options.onPublishError);
    }
    if (cutOffNotices.length > 0) await this.publishCutOffs(cutOffNotices);
    return result;
  }

  /**
   * A revocation or a deletion is answered once the bus has taken its notices (Redis has handed them to
   * every replica's subscriber), so that the answer means "refused everywhere", not only on this
   * replica. A bus that does not answer delays the answer by at most CUT_OFF_PUBLISH_WAIT_MS.
   */
  private async publishCutOffs(notices: CutOffNotice[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CUT_OFF_PUBLISH_WAIT_MS);
    });
    const published = Promise.all(notices.map((notice) => this.options.bus.publish(notice).catch(this.options.onPublishError)));
    await Promise.race([published, waited]);
    clearTimeout(timer);
  }

  private context(tx: Transaction, actor: string, touches: Touch[], cutOffNotices: CutOffNotice[]): WriteContext {
    const listeners = this.auditListeners;
    let savepoints = 0;
    return {
      tx,
      actor,
      async audit(entry) {
        const recorded = await tx.auditEvent.create({
          data: {
            actor,
            action: entry.action,
            resourceType: entry.resourceType,
            resourceKey: entry.resourceKey,
            flagKey: entry.flagKey ?? null,
            environmentKey: entry.environmentKey ?? null,
            before: toJson(entry.before ?? null) ?? undefined,
            after: toJson(entry.after ?? null) ?? undefined,
          },
          select: { id: true, createdAt: true },
        });
        for (const listener of listeners) await listener(tx, { ...entry, ...recorded, actor });
      },
      async touchEnvironment(environmentId, resourceType, resourceKey) {
        touches.push({ environmentId, resourceType, resourceKey });
      },
      async lockEnvironment(environmentId) {
        await tx.$queryRaw`SELECT 1 FROM "Environment" WHERE id = ${environmentId} FOR UPDATE`;
      },
      tokenRevoked(tokenId) {
        cutOffNotices.push({ resourceType: 'token', resourceKey: tokenId });
      },
      environmentDeleted(environment, tokenIds) {
        cutOffNotices.push({ resourceType: 'environment', environmentId: environment.id, environmentKey: environment.key, tokenIds });
      },
      async savepoint(work) {
        const name = `step_${++savepoints}`;
        const queued = { touches: touches.length, cutOff: cutOffNotices.length };
        await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
        try {
          const result = await work();
          await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (error) {
          await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`);
          touches.length = queued.touches;
          cutOffNotices.length = queued.cutOff;
          throw error;
        }
      },
    };
  }
}
