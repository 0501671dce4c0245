import { enableLinearRegexpFallback } from '@switchyard/sdk';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { PrismaClient } from './db/prisma.ts';
import authPlugin from './plugins/auth.ts';
import errorHandlerPlugin from './plugins/error-handler.ts';
import openApiPlugin from './plugins/openapi.ts';
import prismaPlugin from './plugins/prisma.ts';
import writesPlugin from './plugins/writes.ts';
import authRateLimitPlugin, { type AuthRateLimitOptions } from './plugins/auth-rate-limit.ts';
import { clientErrorHandler, frameworkErrors } from './plugins/client-errors.ts';
import jsonBodyPlugin from './plugins/json-body.ts';
import routeRegistryPlugin from './plugins/route-registry.ts';
import { withRedaction } from './plugins/log-redaction.ts';
import securityHeadersPlugin from './plugins/security-headers.ts';
import healthRoutes from './health/routes.ts';
import environmentRoutes from './environments/routes.ts';
import flagRoutes from './flags/routes.ts';
import segmentRoutes from './segments/routes.ts';
import tokenRoutes from './tokens/routes.ts';
import auditRoutes from './audit/routes.ts';
import type { ChangeBus } from './streaming/change-bus.ts';
import { createChangeBus } from './streaming/bus-factory.ts';
import streamingPlugin, { type StreamingOptions } from './streaming/plugin.ts';
import sdkApiRoutes from './sdk-api/routes.ts';

export type AppOptions = {
  prisma: PrismaClient;
  /** When given, caches and change fan-out go through Redis; otherwise they stay in-process. */
  redis?: Redis | null;
  changeBus?: ChangeBus;
  /** Prefix of every Redis key and channel (default 'switchyard'), so deployments and test runs sharing a Redis never collide. */
  redisNamespace?: string;
  /** Stream heartbeat, limits and cache settings (see DEFAULT_STREAMING_OPTIONS). */
  streaming?: Partial<StreamingOptions>;
  /** Credentials are always censored from it (see log-redaction.ts). */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** Failed authentications allowed per client IP and window before 429 (per replica). */
  authRateLimit?: Partial<AuthRateLimitOptions>;
};

/** Builds the Fastify application. The caller owns the database and Redis connections. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // Rules' `matches` patterns run in remote evaluation: no pattern may stall the server.
  enableLinearRegexpFallback();
  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(routeRegistryPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(openApiPlugin);
  await app.register(prismaPlugin, { prisma: options.prisma });
  const redisNamespace = options.redisNamespace ?? 'switchyard';
  const bus = await createChangeBus({ changeBus: options.changeBus, redis: options.redis, namespace: redisNamespace, log: app.log });
  app.addHook('onClose', () => bus.close());
  await app.register(writesPlugin, { changeBus: bus.changeBus });
  await app.register(authRateLimitPlugin, options.authRateLimit ?? {});
  await app.register(authPlugin);
  await app.register(streamingPlugin, { redis: options.redis ?? null, namespace: redisNamespace, options: options.streaming });
  await app.register(sdkApiRoutes, { prefix: '/sdk' });

  await app.register(healthRoutes, { redis: options.redis ?? null });
  await app.register(
    async (api) => {
      api.addHook('onRequest', api.requireAdmin);
      await api.register(environmentRoutes, { prefix: '/environments' });
      await api.register(flagRoutes, { prefix: '/flags' });
      await api.register(segmentRoutes, { prefix: '/environments/:env/segments' });
      await api.register(tokenRoutes, { prefix: '/tokens' });
      await api.register(auditRoutes, { prefix: '/audit' });
    },
    { prefix: '/api' },
  );

  return app;
}
