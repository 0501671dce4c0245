import type { Db, Prisma } from '../db/prisma.ts';

export type AuditEventRow = Prisma.AuditEventGetPayload<object>;

/** Every given condition must hold; `from` and `to` are inclusive. */
export type AuditFilter = {
  flagKey?: string | undefined;
  environmentKey?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
};

/** Where an event stands in the log's order. */
export type AuditPosition = { id: bigint; createdAt: Date };

/** A page: at most `take` events, those after `after` when given. */
export type AuditPageRequest = { after: AuditPosition | null; take: number };

export function findAuditPosition(db: Db, id: bigint): Promise<AuditPosition | null> {
  return db.auditEvent.findUnique({ where: { id }, select: { id: true, createdAt: true } });
}

/**
 * Newest first, ordered by (createdAt, id) so the filtered (column, createdAt) indexes serve the
 * query. `after`: only the events that come after that one in this order.
 */
export function listAuditEvents(db: Db, filter: AuditFilter, page: AuditPageRequest): Promise<AuditEventRow[]> {
  const where: Prisma.AuditEventWhereInput = {
    ...(filter.flagKey !== undefined ? { flagKey: filter.flagKey } : {}),
    ...(filter.environmentKey !== undefined ? { environmentKey: filter.environmentKey } : {}),
    ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
    ...(filter.action !== undefined ? { action: filter.action } : {}),
    ...(filter.resourceType !== undefined ? { resourceType: filter.resourceType } : {}),
  };
  if (filter.from !== undefined || filter.to !== undefined) {
    where.createdAt = {
      ...(filter.from !== undefined ? { gte: filter.from } : {}),
      ...(filter.to !== undefined ? { lte: filter.to } : {}),
    };
  }

  const and: Prisma.AuditEventWhereInput[] = [where];
  const { after } = page;
  if (after) and.push({ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] });

  return db.auditEvent.findMany({
    where: { AND: and },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.take,
  });
}
