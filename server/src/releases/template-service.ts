import { expectVersion } from '../changes/expect-version.ts';
import { refuseDuplicate } from '../changes/refuse-duplicate.ts';
import type { ChangeWriter } from '../changes/write-unit.ts';
import { type Db, Prisma, type PrismaClient } from '../db/prisma.ts';
import { ConflictError, NotFoundError, VersionMismatchError } from '../errors/index.ts';
import type { ReleaseGuard, ReleaseStage, ReleaseTemplateView } from './schemas.ts';
import {
  deleteTemplate,
  findTemplate,
  insertTemplate,
  listTemplates,
  type ReleaseTemplateRow,
  updateTemplateAtVersion,
} from './template-repository.ts';

export type TemplateContent = {
  name: string;
  description?: string | undefined;
  stages: ReleaseStage[];
  guard?: ReleaseGuard | null | undefined;
};

export const toTemplateView = (row: ReleaseTemplateRow): ReleaseTemplateView => ({
  key: row.key,
  name: row.name,
  description: row.description,
  stages: row.stages as ReleaseStage[],
  guard: (row.guard as ReleaseGuard | null) ?? null,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export async function requireTemplate(db: Db, key: string): Promise<ReleaseTemplateRow> {
  const row = await findTemplate(db, key);
  if (!row) throw new NotFoundError(`Release template "${key}"`);
  return row;
}

/** The guard column's update: unchanged (undefined), cleared (null) or replaced. */
const guardUpdate = (guard: ReleaseGuard | null | undefined) =>
  guard === undefined ? {} : { guard: guard === null ? Prisma.DbNull : (guard as Prisma.InputJsonValue) };

/** Reusable stage lists: a plan started from one copies its stages and guard, so editing a template never changes a running plan. */
export class ReleaseTemplateService {
  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter }) {}

  async list(): Promise<ReleaseTemplateView[]> {
    return (await listTemplates(this.deps.prisma)).map(toTemplateView);
  }

  async get(key: string): Promise<ReleaseTemplateView> {
    return toTemplateView(await requireTemplate(this.deps.prisma, key));
  }

  create(actor: string, key: string, content: TemplateContent): Promise<ReleaseTemplateView> {
    return this.deps.changes.run(actor, async (w) => {
      const row = await refuseDuplicate(
        () =>
          insertTemplate(w.tx, {
            key,
            name: content.name,
            description: content.description ?? '',
            stages: content.stages as Prisma.InputJsonValue,
            ...(content.guard ? { guard: content.guard as Prisma.InputJsonValue } : {}),
          }),
        () => new ConflictError(`Release template "${key}" already exists`, [{ path: 'body.key', message: 'already exists' }]),
      );
      const view = toTemplateView(row);
      await w.audit({ action: 'release-template.created', resourceType: 'release-template', resourceKey: key, after: view });
      return view;
    });
  }

  update(actor: string, key: string, expected: number | null, changes: Partial<TemplateContent>): Promise<ReleaseTemplateView> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireTemplate(w.tx, key);
      expectVersion(expected, before.version);
      const row = await updateTemplateAtVersion(w.tx, key, before.version, {
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.stages === undefined ? {} : { stages: changes.stages as Prisma.InputJsonValue }),
        ...guardUpdate(changes.guard),
      });
      if (!row) throw new VersionMismatchError((await requireTemplate(w.tx, key)).version);
      const view = toTemplateView(row);
      await w.audit({
        action: 'release-template.updated',
        resourceType: 'release-template',
        resourceKey: key,
        before: toTemplateView(before),
        after: view,
      });
      return view;
    });
  }

  delete(actor: string, key: string, expected: number | null): Promise<void> {
    return this.deps.changes.run(actor, async (w) => {
      const before = await requireTemplate(w.tx, key);
      expectVersion(expected, before.version);
      await deleteTemplate(w.tx, key);
      await w.audit({
        action: 'release-template.deleted',
        resourceType: 'release-template',
        resourceKey: key,
        before: toTemplateView(before),
      });
    });
  }
}
