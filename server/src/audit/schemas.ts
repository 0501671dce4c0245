import { z } from 'zod';

const Filter = z.string().min(1).max(200);

/** Event ids are PostgreSQL bigints: a cursor past the largest could name no event (and Prisma would fail on it). */
const MAX_EVENT_ID = 2n ** 63n - 1n;
const CURSOR_PATTERN = /^[1-9]\d{0,18}$/;
const CURSOR_MESSAGE = 'must be the nextCursor of a previous page';

export const AuditQuerySchema = z
  .object({
    flag: Filter.optional().describe('only events about this flag key'),
    environment: Filter.optional().describe('only events about this environment key'),
    actor: Filter.optional().describe('only events made by this token name'),
    action: Filter.optional().describe('e.g. flag.updated, segment.deleted, token.revoked'),
    resourceType: Filter.optional().describe('e.g. flag, segment, environment, token'),
    from: z.iso.datetime({ offset: true }).optional().describe('ISO-8601; only events at or after this instant'),
    to: z.iso.datetime({ offset: true }).optional().describe('ISO-8601; only events at or before this instant'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(CURSOR_PATTERN, CURSOR_MESSAGE)
      .refine((cursor) => !CURSOR_PATTERN.test(cursor) || BigInt(cursor) <= MAX_EVENT_ID, CURSOR_MESSAGE)
      .optional()
      .describe('opaque: the nextCursor of the previous page'),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after `to`' });
    }
  });

export const AuditEventSchema = z
  .object({
    id: z.string(),
    createdAt: z.iso.datetime(),
    actor: z.string(),
    action: z.string(),
    resourceType: z.string(),
    resourceKey: z.string(),
    flagKey: z.string().nullable(),
    environmentKey: z.string().nullable(),
    before: z.unknown().describe('the resource before the change; null on creation'),
    after: z.unknown().describe('the resource after the change; null on deletion'),
  })
  .describe('AuditEvent');

export const AuditPageSchema = z.object({
  items: z.array(AuditEventSchema),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null on the last page'),
});

export type AuditQuery = z.infer<typeof AuditQuerySchema>;
export type AuditEventView = z.infer<typeof AuditEventSchema>;
export type AuditPage = z.infer<typeof AuditPageSchema>;
