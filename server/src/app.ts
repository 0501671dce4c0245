import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { PrismaClient } from './db/prisma.ts';
import authPlugin from './plugins/auth.ts';
import errorHandlerPlugin from './plugins/error-handler.ts';
import openApiPlugin from './plugins/openapi.ts';
import prismaPlugin from './plugins/prisma.ts';
import writesPlugin from './plugins/writes.ts';
import healthRoutes from './health/routes.ts';
import environmentRoutes from './environments/routes.ts';
import { InProcessChangeBus, type ChangeBus } from './streaming/change-bus.ts';

export type AppOptions = {
  prisma: PrismaClient;
  /** When given, caches and change fan-out go through Redis; otherwise they stay in-process. */
  redis?: Redis | null;
  changeBus?: ChangeBus;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
};

/** Builds the Fastify application. The caller owns the database and Redis connections. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorHandlerPlugin);
  await app.register(openApiPlugin);
  await app.register(prismaPlugin, { prisma: options.prisma });
  await app.register(writesPlugin, { changeBus: options.changeBus ?? new InProcessChangeBus() });
  await app.register(authPlugin);

  await app.register(healthRoutes, { redis: options.redis ?? null });
  await app.register(
    async (api) => {
      api.addHook('onRequest', api.requireAdmin);
      await api.register(environmentRoutes, { prefix: '/environments' });
    },
    { prefix: '/api' },
  );

  return app;
}
