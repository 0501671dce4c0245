import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../server/src/db/prisma.ts';
import healthRoutes from '../../../server/src/health/routes.ts';
import { HealthService } from '../../../server/src/health/service.ts';

const answers = (ok: boolean) => () => (ok ? Promise.resolve('PONG') : Promise.reject(new Error('connection refused')));
const service = (database: boolean, redis: boolean | null) =>
  new HealthService({
    prisma: { $queryRaw: answers(database) } as unknown as PrismaClient,
    redis: redis === null ? null : ({ ping: answers(redis) } as unknown as Redis),
  });

describe('readiness', () => {
  it('is ready when the database answers, and Redis too when one is configured', async () => {
    expect(await service(true, null).readiness()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'not_configured' } });
    expect(await service(true, true).readiness()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
  });

  it('is degraded, not out of service, when only Redis is down', async () => {
    expect(await service(true, false).readiness()).toEqual({ status: 'degraded', checks: { database: 'up', redis: 'down' } });
  });

  it('is not ready when the database is down, whatever Redis says', async () => {
    expect(await service(false, true).readiness()).toEqual({ status: 'not_ready', checks: { database: 'down', redis: 'up' } });
    expect(await service(false, false).readiness()).toEqual({ status: 'not_ready', checks: { database: 'down', redis: 'down' } });
  });

  it('/readyz answers 503 when not ready, with the same body', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(healthRoutes, { service: service(false, null) });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'down', redis: 'not_configured' } });
    } finally {
      await app.close();
    }
  });
});
