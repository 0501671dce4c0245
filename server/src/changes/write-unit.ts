import type { Prisma, PrismaClient, Transaction } from '../db/prisma.ts';
import type { ChangeBus } from './change-bus.ts';
import type { ChangeNotice, EnvironmentChangeNotice } from './notice.ts';

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
  /** Bumps the environment's version, logs which resource changed, and publishes it after commit. */
  touchEnvironment(environmentId: string, resourceType: EnvironmentChangeNotice['resourceType'], resourceKey: string): Promise<number>;
  /** Announces after commit, on every replica, that the token is revoked: its open streams close and caches forget it. */
  tokenRevoked(tokenId: string): void;
};

/**
 * Runs inside the write's transaction after its work, with the notices it produced (e.g. to build
 * the patches they carry from the rows about to commit).
 */
export type BeforeCommit = (tx: Transaction, notices: EnvironmentChangeNotice[]) => Promise<void>;

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
  constructor(private readonly options: ChangeWriterOptions) {}

  /** Runs `work` in one database transaction; audit events and version bumps commit or roll back with it. */
  async run<T>(actor: string, work: (w: WriteContext) => Promise<T>): Promise<T> {
    const environmentNotices: EnvironmentChangeNotice[] = [];
    const tokenNotices: ChangeNotice[] = [];
    const result = await this.options.prisma.$transaction(
      async (tx) => {
        const result = await work(this.context(tx, actor, environmentNotices, tokenNotices));
        if (environmentNotices.length > 0 && this.options.beforeCommit) await this.options.beforeCommit(tx, environmentNotices);
        return result;
      },
      { maxWait: 5_000, timeout: 15_000 },
    );
    // Not awaited: this process's handlers have the notices when publish returns, and the answer to
    // the write need not wait for Redis to acknowledge (the stream fan-out runs after it is sent).
    for (const notice of [...environmentNotices, ...tokenNotices]) {
      this.options.bus.publish(notice).catch(this.options.onPublishError);
    }
    return result;
  }

  private context(
    tx: Transaction,
    actor: string,
    environmentNotices: EnvironmentChangeNotice[],
    tokenNotices: ChangeNotice[],
  ): WriteContext {
    return {
      tx,
      actor,
      async audit(entry) {
        await tx.auditEvent.create({
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
        });
      },
      async touchEnvironment(environmentId, resourceType, resourceKey) {
        const env = await tx.environment.update({
          where: { id: environmentId },
          data: { version: { increment: 1 } },
          select: { key: true, version: true },
        });
        await tx.environmentChange.create({ data: { environmentId, version: env.version, resourceType, resourceKey } });
        environmentNotices.push({ environmentId, environmentKey: env.key, version: env.version, resourceType, resourceKey });
        return env.version;
      },
      tokenRevoked(tokenId) {
        tokenNotices.push({ resourceType: 'token', resourceKey: tokenId });
      },
    };
  }
}
