import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../http/schemas.ts';
import { AuditPageSchema, AuditQuerySchema } from './schemas.ts';
import type { AuditService } from './service.ts';

export default async function auditRoutes(fastify: FastifyInstance, opts: { service: AuditService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const audit = opts.service;

  app.get(
    '/',
    {
      schema: {
        tags: ['audit'],
        summary: 'Query the audit log',
        description:
          'Every change, newest first. Filters combine (AND). ' +
          'Page with `limit` and `cursor`: pass the previous answer’s `nextCursor` to get the next, older page; ' +
          'pages stay stable while new events arrive.',
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => audit.list(request.query),
  );
}
