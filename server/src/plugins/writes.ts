import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Prisma } from '../db/prisma.ts';
import type { ChangeBus, ChangeNotice } from '../streaming/change-bus.ts';
import { attachPatches } from '../streaming/snapshot.ts';
import type { Principal } from './auth.ts';

export type Transaction = Prisma.TransactionClient;

export type AuditEntry = {
  action: string;
  resourceType: string;
  resourceKey: string;
  flagKey?: string | null;
  environmentKey?: string | null;
  before?: unknown;
  after?: unknown;
};

/** What a write sees: its transaction, and the two things every write must do with it. */
export type WriteContext = {
  tx: Transaction;
  actor: string;
  /** Records an audit event in the same transaction as the change. */
  audit(entry: AuditEntry): Promise<void>;
  /** Bumps the environment's version, logs which resource changed, and publishes it after commit. */
  touchEnvironment(environmentId: string, resourceType: ChangeNotice['resourceType'], resourceKey: string): Promise<number>;
};

declare module 'fastify' {
  interface FastifyInstance {
    changeBus: ChangeBus;
    /** Runs `work` in one database transaction; audit events and version bumps commit or roll back with it. */
    write<T>(principal: Principal | null, work: (w: WriteContext) => Promise<T>): Promise<T>;
  }
}

const toJson = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue));

export default fp(
  async function writes(app: FastifyInstance, opts: { changeBus: ChangeBus }) {
    app.decorate('changeBus', opts.changeBus);

    app.decorate('write', async function write<T>(principal: Principal | null, work: (w: WriteContext) => Promise<T>): Promise<T> {
      const notices: ChangeNotice[] = [];
      const actor = principal?.name ?? 'system';
      const result = await app.prisma.$transaction(
        async (tx) => {
          const context: WriteContext = {
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
              notices.push({ environmentId, environmentKey: env.key, version: env.version, resourceType, resourceKey });
              return env.version;
            },
          };
          const result = await work(context);
          // Built here, after the work, from the rows about to commit: other replicas need no database read to fan it out.
          if (notices.length > 0) await attachPatches(tx, notices);
          return result;
        },
        { maxWait: 5_000, timeout: 15_000 },
      );
      // Not awaited: this process's handlers have the notices when publish returns, and the answer to
      // the write need not wait for Redis to acknowledge (the stream fan-out runs after it is sent).
      for (const notice of notices) {
        app.changeBus.publish(notice).catch((err: unknown) => app.log.warn({ err }, 'could not publish a change notice'));
      }
      return result;
    });
  },
  { name: 'writes', dependencies: ['prisma'] },
);
