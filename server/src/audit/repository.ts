import type { PrismaClient, Prisma } from '../db/prisma.ts';
import { badRequest } from '../http/http-error.ts';
import type { AuditEventView, AuditQuery } from './schemas.ts';

type AuditRow = Prisma.AuditEventGetPayload<object>;

const toAuditEventView = (row: AuditRow): AuditEventView => ({
  id: row.id.toString(),
  createdAt: row.createdAt.toISOString(),
  actor: row.actor,
  action: row.action,
  resourceType: row.resourceType,
  resourceKey: row.resourceKey,
  flagKey: row.flagKey,
  environmentKey: row.environmentKey,
  before: row.before,
  after: row.after,
});

/**
 * Newest first, ordered by (createdAt, id) so the filtered (column, createdAt) indexes serve the
 * query. The cursor is the last id of the previous page: the next page starts strictly after
 * that row, so events that arrive meanwhile (newer) never shift or repeat items.
 */
export async function findAuditEvents(prisma: PrismaClient, query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
  const where: Prisma.AuditEventWhereInput = {
    ...(query.flag !== undefined ? { flagKey: query.flag } : {}),
    ...(query.environment !== undefined ? { environmentKey: query.environment } : {}),
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.resourceType !== undefined ? { resourceType: query.resourceType } : {}),
  };
  if (query.from !== undefined || query.to !== undefined) {
    where.createdAt = {
      ...(query.from !== undefined ? { gte: new Date(query.from) } : {}),
      ...(query.to !== undefined ? { lte: new Date(query.to) } : {}),
    };
  }

  const and: Prisma.AuditEventWhereInput[] = [where];
  if (query.cursor !== undefined) {
    const id = BigInt(query.cursor);
    const last = await prisma.auditEvent.findUnique({ where: { id }, select: { createdAt: true } });
    if (!last) throw badRequest('Unknown cursor: pass the nextCursor of a previous page', [{ path: 'query.cursor', message: 'unknown cursor' }]);
    and.push({ OR: [{ createdAt: { lt: last.createdAt } }, { createdAt: last.createdAt, id: { lt: id } }] });
  }

  const rows = await prisma.auditEvent.findMany({
    where: { AND: and },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  return { items: page.map(toAuditEventView), nextCursor: hasMore ? page[page.length - 1]!.id.toString() : null };
}
