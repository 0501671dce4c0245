import { refuseDuplicate } from '../changes/refuse-duplicate.ts';
import type { ChangeWriter } from '../changes/write-unit.ts';
import { lockForTransaction } from '../db/locks.ts';
import type { Db, PrismaClient } from '../db/prisma.ts';
import { ConflictError, NotFoundError } from '../errors/index.ts';
import {
  deleteEnvironment,
  type EnvironmentRow,
  findEnvironment,
  insertEnvironment,
  listEnvironments,
  renameEnvironment,
} from './repository.ts';
import type { EnvironmentView } from './schemas.ts';

export const toEnvironmentView = (row: EnvironmentRow): EnvironmentView => ({
  key: row.key,
  name: row.name,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** The environment, or NotFoundError naming it. For every domain whose resources live in an environment. */
export async function requireEnvironment(db: Db, key: string): Promise<EnvironmentRow> {
  const env = await findEnvironment(db, key);
  if (!env) throw new NotFoundError(`Environment "${key}"`);
  return env;
}

export class EnvironmentService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  async list(): Promise<EnvironmentView[]> {
    return (await listEnvironments(this.deps.prisma)).map(toEnvironmentView);
  }

  async get(key: string): Promise<EnvironmentView> {
    return toEnvironmentView(await requireEnvironment(this.deps.prisma, key));
  }

  /** Every existing flag gets its default configuration (off) in the new environment. */
  create(actor: string, input: { key: string; name: string }): Promise<EnvironmentView> {
    return refuseDuplicate(
      () =>
        this.deps.changes.run(actor, async (w) => {
          await lockForTransaction(w.tx, 'flagEnvironmentPairs');
          const view = toEnvironmentView(await insertEnvironment(w.tx, input));
          await w.audit({
            action: 'environment.created',
            resourceType: 'environment',
            resourceKey: view.key,
            environmentKey: view.key,
            after: view,
          });
          return view;
        }),
      () => new ConflictError(`Environment "${input.key}" already exists`, [{ path: 'body.key', message: 'already exists' }]),
    );
  }

  rename(actor: string, key: string, name: string): Promise<EnvironmentView> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireEnvironment(w.tx, key);
      const after = await renameEnvironment(w.tx, before.id, name);
      await w.audit({
        action: 'environment.renamed',
        resourceType: 'environment',
        resourceKey: before.key,
        environmentKey: before.key,
        before: toEnvironmentView(before),
        after: toEnvironmentView(after),
      });
      return toEnvironmentView(after);
    });
  }

  /**
   * Cascades to the environment's flag configurations, segments and SDK keys; audited. Its keys are
   * refused and its streams closed on every replica as soon as this returns.
   */
  async delete(actor: string, key: string): Promise<void> {
    await this.deps.changes.run(actor, async (w) => {
      const env = await requireEnvironment(w.tx, key);
      const { tokenIds } = await deleteEnvironment(w.tx, env.id);
      w.environmentDeleted(env, tokenIds);
      await w.audit({
        action: 'environment.deleted',
        resourceType: 'environment',
        resourceKey: env.key,
        environmentKey: env.key,
        before: toEnvironmentView(env),
      });
    });
  }
}
