import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const HealthSchema = z.object({ status: z.literal('ok') });
const ReadySchema = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']).describe('degraded: Redis is down; this replica still serves, from PostgreSQL and in-process caches'),
  checks: z.object({ database: z.enum(['up', 'down']), redis: z.enum(['up', 'down', 'not_configured']) }),
});

export default async function healthRoutes(app: FastifyInstance, opts: { redis: Redis | null }) {
  app.get('/healthz', { schema: { tags: ['health'], security: [], response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags: ['health'], security: [], response: { 200: ReadySchema, 503: ReadySchema } } }, async (_request, reply) => {
    const database = await app.prisma.$queryRaw`SELECT 1`.then(() => 'up' as const, () => 'down' as const);
    const redis = !opts.redis ? ('not_configured' as const) : await opts.redis.ping().then(() => 'up' as const, () => 'down' as const);
    // Without Redis a replica still serves (PostgreSQL and in-process caches), so it stays in the
    // load balancer: taking every replica out because their shared Redis is down would be an outage.
    const status = database === 'down' ? 'not_ready' : redis === 'down' ? 'degraded' : 'ready';
    return reply.code(status === 'not_ready' ? 503 : 200).send({ status, checks: { database, redis } });
  });
}
