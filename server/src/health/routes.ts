import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const HealthSchema = z.object({ status: z.literal('ok') });
const ReadySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ database: z.enum(['up', 'down']), redis: z.enum(['up', 'down', 'not_configured']) }),
});

export default async function healthRoutes(app: FastifyInstance, opts: { redis: Redis | null }) {
  app.get('/healthz', { schema: { tags: ['health'], security: [], response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags: ['health'], security: [], response: { 200: ReadySchema, 503: ReadySchema } } }, async (_request, reply) => {
    const database = await app.prisma.$queryRaw`SELECT 1`.then(() => 'up' as const, () => 'down' as const);
    const redis = !opts.redis ? ('not_configured' as const) : await opts.redis.ping().then(() => 'up' as const, () => 'down' as const);
    const ready = database === 'up' && redis !== 'down';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { database, redis } });
  });
}
