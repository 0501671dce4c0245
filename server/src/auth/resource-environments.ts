import type { Db } from '../db/prisma.ts';
import type { ScopedResource } from './permissions.ts';

/** The key of the environment the release plan or scheduled change `id` belongs to; null when there is none. */
export async function resourceEnvironmentKey(db: Db, resource: ScopedResource, id: string): Promise<string | null> {
  const select = { environment: { select: { key: true } } } as const;
  const row =
    resource === 'releasePlan'
      ? await db.releasePlan.findUnique({ where: { id }, select })
      : await db.scheduledChange.findUnique({ where: { id }, select });
  return row?.environment.key ?? null;
}
