import { request } from '../../api/client.ts';

/** One change, as GET /api/audit gives it (server/src/audit/schemas.ts). */
export type AuditEvent = {
  id: string;
  createdAt: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceKey: string;
  flagKey: string | null;
  environmentKey: string | null;
  before: unknown;
  after: unknown;
};

export type AuditPage = { items: AuditEvent[]; nextCursor: string | null };

export type AuditFilters = { flag?: string; environment?: string; actor?: string; action?: string };

export type AuditQuery = AuditFilters & { limit: number; cursor?: string };

export const listAudit = (query: AuditQuery, signal?: AbortSignal) =>
  request<AuditPage>('GET', '/audit', signal ? { query, signal } : { query });
