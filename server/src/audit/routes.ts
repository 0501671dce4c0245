import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../http/schemas.ts';
import { findAuditEvents } from './repository.ts';
import { AuditPageSchema, AuditQuerySchema } from './schemas.ts';

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/', {
    schema: {
      tags: ['audit'],
      summary: 'Query the audit log',
      description:
        'Every change, newest first. Filters combine (AND). Page with `limit` and `cursor`: pass the previous answer’s `nextCursor` to get the next, older page; ' +
        'pages stay stable while new events arrive.',
      querystring: AuditQuerySchema,
      response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403) },
    },
  }, async (request) => findAuditEvents(app.prisma, request.query));
}
