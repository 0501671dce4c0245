import type { FastifyInstance } from 'fastify';
import { HealthSchema, ReadySchema } from './schemas.ts';
import type { HealthService } from './service.ts';

const tags = ['health'];

export default async function healthRoutes(app: FastifyInstance, opts: { service: HealthService }) {
  const health = opts.service;

  app.get('/healthz', { schema: { tags, security: [], response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags, security: [], response: { 200: ReadySchema, 503: ReadySchema } } }, async (_request, reply) => {
    const readiness = await health.readiness();
    return reply.code(readiness.status === 'not_ready' ? 503 : 200).send(readiness);
  });
}
