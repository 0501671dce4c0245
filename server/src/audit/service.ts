import type { PrismaClient } from '../db/prisma.ts';
import { BadRequestError } from '../errors/index.ts';
import { type AuditEventRow, type AuditFilter, type AuditPosition, findAuditPosition, listAuditEvents } from './repository.ts';
import type { AuditEventView, AuditPage, AuditQuery } from './schemas.ts';

const toAuditEventView = (row: AuditEventRow): AuditEventView => ({
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

/** The query's filters, combined with AND. */
const toFilter = (query: AuditQuery): AuditFilter => ({
  flagKey: query.flag,
  environmentKey: query.environment,
  actor: query.actor,
  action: query.action,
  resourceType: query.resourceType,
  from: query.from !== undefined ? new Date(query.from) : undefined,
  to: query.to !== undefined ? new Date(query.to) : undefined,
});

export class AuditService {
  constructor(private readonly deps: { prisma: PrismaClient }) {}

  /**
   * Newest first, a page at a time. The cursor is the last id of the previous page: the next page
   * starts strictly after that row, so events that arrive meanwhile (newer) never shift or repeat items.
   */
  async list(query: AuditQuery): Promise<AuditPage> {
    const after = query.cursor !== undefined ? await this.cursorPosition(query.cursor) : null;
    const rows = await listAuditEvents(this.deps.prisma, toFilter(query), { after, take: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    return { items: page.map(toAuditEventView), nextCursor: hasMore ? page[page.length - 1]!.id.toString() : null };
  }

  private async cursorPosition(cursor: string): Promise<AuditPosition> {
    const position = await findAuditPosition(this.deps.prisma, BigInt(cursor));
    if (!position) {
      throw new BadRequestError('Unknown cursor: pass the nextCursor of a previous page', [
        { path: 'query.cursor', message: 'unknown cursor' },
      ]);
    }
    return position;
  }
}
