import { METRICS_LIMITS } from '@switchyard/sdk/model';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { NotFoundError } from '../errors/index.ts';
import { allowAnyOrigin, answerPreflight } from '../http/cors.ts';
import { unauthorized } from '../http/http-error.ts';
import { ErrorResponseSchema, errorResponses } from '../http/schemas.ts';
import { MetricsAcceptedSchema, MetricsReportBodySchema } from './schemas.ts';
import type { MetricsService } from './service.ts';

const tags = ['sdk'];

function environmentIdOf(request: FastifyRequest): string {
  const id = request.principal?.environmentId;
  if (!id) throw unauthorized('This key belongs to no environment');
  return id;
}

export default async function metricsRoutes(fastify: FastifyInstance, opts: { service: MetricsService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const metrics = opts.service;

  // Browser SDKs report too.
  app.options('/metrics', { schema: { hide: true } }, async (_request, reply) => answerPreflight(reply, 'POST, OPTIONS'));

  app.post(
    '/metrics',
    {
      onRequest: [allowAnyOrigin, app.requireSdkKey],
      bodyLimit: METRICS_LIMITS.maxReportBytes,
      schema: {
        tags,
        summary: 'Report evaluation counts and events (server or client key)',
        description:
          "What an SDK counted in one window, for the key's environment (the report names none). Answered 202 once the " +
          'report is stored in PostgreSQL; it is added to the rollups within seconds. `reportId` is the idempotency key: ' +
          'sending a report again (a retry after a lost answer) is answered `duplicate: true` and counts nothing twice. ' +
          `At most ${METRICS_LIMITS.maxReportBytes} bytes (413 beyond). CORS is open on this route.`,
        body: MetricsReportBodySchema,
        response: { 202: MetricsAcceptedSchema, 413: ErrorResponseSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      try {
        const { duplicate } = await metrics.ingest(environmentIdOf(request), request.body);
        return reply.code(202).send({ accepted: true, duplicate });
      } catch (err) {
        // The key's environment was deleted after the key was issued: for the key's holder that is a bad key.
        if (err instanceof NotFoundError) throw unauthorized("This key's environment no longer exists");
        throw err;
      }
    },
  );
}
