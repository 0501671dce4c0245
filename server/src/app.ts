import { enableLinearRegexpFallback } from '@switchyard/sdk';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import auditRoutes from './audit/routes.ts';
import { AuditService } from './audit/service.ts';
import authPlugin from './auth/plugin.ts';
import authRateLimitPlugin, { type AuthRateLimitOptions } from './auth/rate-limit.ts';
import { createChangeBus } from './changes/bus-factory.ts';
import type { ChangeBus } from './changes/change-bus.ts';
import changesPlugin from './changes/plugin.ts';
import prismaPlugin from './db/plugin.ts';
import type { PrismaClient } from './db/prisma.ts';
import environmentRoutes from './environments/routes.ts';
import { EnvironmentService } from './environments/service.ts';
import { FlagConfigService } from './flags/config-service.ts';
import flagRoutes from './flags/routes.ts';
import { FlagService } from './flags/service.ts';
import healthRoutes from './health/routes.ts';
import { HealthService } from './health/service.ts';
import { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './http/client-errors.ts';
import consoleRoutes from './http/console.ts';
import errorHandlerPlugin from './http/error-handler.ts';
import jsonBodyPlugin from './http/json-body.ts';
import { withRedaction } from './http/log-redaction.ts';
import openApiPlugin from './http/openapi.ts';
import queryTextPlugin from './http/query-text.ts';
import { CompactRequestLog } from './http/request-log.ts';
import routeRegistryPlugin from './http/route-registry.ts';
import securityHeadersPlugin from './http/security-headers.ts';
import insightsRoutes from './insights/routes.ts';
import { type InsightsOptions, InsightsService } from './insights/service.ts';
import { DueWorkLoop } from './jobs/due-work.ts';
import metricsPlugin, { type MetricsOptions } from './metrics/plugin.ts';
import metricsRoutes from './metrics/routes.ts';
import ofrepPlugin, { type OfrepOptions } from './ofrep/plugin.ts';
import releasePlanRoutes from './releases/plan-routes.ts';
import { DEFAULT_RELEASE_SETTINGS, ReleasePlanService, type ReleasePlanSettings } from './releases/plan-service.ts';
import releaseTemplateRoutes from './releases/template-routes.ts';
import { ReleaseTemplateService } from './releases/template-service.ts';
import { scheduledChangesLoop } from './schedules/apply-loop.ts';
import scheduleRoutes from './schedules/routes.ts';
import { ScheduledChangeService } from './schedules/service.ts';
import { RemoteEvaluationCounts } from './sdk-api/remote-counts.ts';
import sdkApiRoutes from './sdk-api/routes.ts';
import { SdkApiService } from './sdk-api/service.ts';
import segmentRoutes from './segments/routes.ts';
import { SegmentService } from './segments/service.ts';
import sessionRoutes from './sessions/routes.ts';
import { SessionService } from './sessions/service.ts';
import { attachPatches } from './snapshots/patches.ts';
import snapshotsPlugin, { type SnapshotOptions } from './snapshots/plugin.ts';
import streamingPlugin, { type StreamingOptions } from './streaming/plugin.ts';
import tokenRoutes from './tokens/routes.ts';
import { TokenService } from './tokens/service.ts';
import triggerCallRoutes from './triggers/public-routes.ts';
import triggerRoutes from './triggers/routes.ts';
import { TriggerService } from './triggers/service.ts';
import { type WebhookSettings, webhookDeliveryLoop } from './webhooks/delivery-loop.ts';
import { queueWebhookDeliveries } from './webhooks/outbox.ts';
import { webhookRetentionLoop } from './webhooks/retention.ts';
import webhookRoutes from './webhooks/routes.ts';
import { WebhookService } from './webhooks/service.ts';

export type AppOptions = {
  prisma: PrismaClient;
  /** When given, caches and change fan-out go through Redis; otherwise they stay in-process. */
  redis?: Redis | null;
  changeBus?: ChangeBus;
  /** Prefix of every Redis key and channel (default 'switchyard'), so deployments and test runs sharing a Redis never collide. */
  redisNamespace?: string;
  /** Stream heartbeat and limits, cache and version-check settings (DEFAULT_STREAMING_OPTIONS, DEFAULT_SNAPSHOT_OPTIONS). */
  streaming?: Partial<StreamingOptions & SnapshotOptions>;
  /** OFREP event streams: heartbeat, buffer limit, inactivity delay told to providers (DEFAULT_OFREP_OPTIONS). */
  ofrep?: Partial<OfrepOptions>;
  /** Credentials are always censored from it (see log-redaction.ts). */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** Proxies whose X-Forwarded-For names the client (addresses, CIDR ranges, loopback/linklocal/uniquelocal); default none. */
  trustProxy?: false | string[];
  /** Failed authentications allowed per client IP and window before 429 (per replica). */
  authRateLimit?: Partial<AuthRateLimitOptions>;
  /**
   * Metrics: folding interval and batch, retention, remote-evaluation counts (DEFAULT_METRICS_OPTIONS).
   * The scheduled compaction and retention (pg-boss) start only when `jobs` is given, as server.ts does.
   */
  metrics?: Partial<MetricsOptions>;
  /** Flag statuses' N (SWITCHYARD_STALE_AFTER_DAYS, default 7) and the clock insights read "now" from. */
  insights?: InsightsOptions;
  /** The loops that do due work (release plans, scheduled changes, webhook deliveries); see jobs/due-work.ts. */
  dueWork?: Partial<DueWorkSettings>;
  // ---- progressive delivery options (issue 12): one line per domain ----
  /** Release plans: how often a guarded stage is judged (DEFAULT_RELEASE_SETTINGS). */
  releases?: Partial<ReleasePlanSettings>;
  /** Outgoing webhooks: request timeout, retry backoff, attempts, retention (DEFAULT_WEBHOOK_SETTINGS). */
  webhooks?: Partial<WebhookSettings>;
  /** Console sessions: how long one lasts from sign-in (SWITCHYARD_SESSION_HOURS, default 12). */
  sessions?: { lifetimeHours?: number };
};

export type DueWorkSettings = {
  /** false: no loop runs on this app (tests that drive the work themselves). Default true. */
  enabled: boolean;
  /** How long an idle loop sleeps before looking for due work again. Default 200 ms. */
  pollIntervalMs: number;
};

export const DEFAULT_DUE_WORK: DueWorkSettings = { enabled: true, pollIntervalMs: 200 };

/** Builds the Fastify application. The caller owns the database and Redis connections. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // Rules' `matches` patterns run in remote evaluation: no pattern may stall the server.
  enableLinearRegexpFallback();
  const app = Fastify({
    logger: withRedaction(options.logger),
    logController: new CompactRequestLog(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(routeRegistryPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(queryTextPlugin);
  await app.register(openApiPlugin);
  await app.register(prismaPlugin, { prisma: options.prisma });
  const redisNamespace = options.redisNamespace ?? 'switchyard';
  const bus = await createChangeBus({ changeBus: options.changeBus, redis: options.redis, namespace: redisNamespace, log: app.log });
  app.addHook('onClose', () => bus.close());
  // Patches are built inside each write's transaction, from the rows about to commit.
  await app.register(changesPlugin, { changeBus: bus.changeBus, beforeCommit: attachPatches });
  await app.register(authRateLimitPlugin, options.authRateLimit ?? {});
  const sessions = new SessionService({ prisma: app.prisma, changes: app.changes, lifetimeHours: options.sessions?.lifetimeHours });
  await app.register(authPlugin, { sessions: sessions.lookup });
  await app.register(snapshotsPlugin, { redis: options.redis ?? null, namespace: redisNamespace, options: options.streaming ?? {} });
  await app.register(streamingPlugin, { options: options.streaming ?? {} });
  await app.register(metricsPlugin, { options: options.metrics ?? {} });
  const remoteCounts = new RemoteEvaluationCounts({
    instanceId: app.metrics.replica,
    submit: (environmentId, report) => app.metrics.reports.ingest(environmentId, report),
    flushIntervalMs: app.metrics.settings.remoteCountsFlushIntervalMs,
    log: app.log,
  });
  app.addHook('onClose', () => remoteCounts.close());
  const sdkApi = new SdkApiService({ snapshots: app.snapshots, evalCache: app.evalCache, remoteCounts });
  await app.register(sdkApiRoutes, { prefix: '/sdk', service: sdkApi });
  await app.register(ofrepPlugin, { sdk: sdkApi, redis: options.redis ?? null, namespace: redisNamespace, options: options.ofrep });
  await app.register(metricsRoutes, { prefix: '/sdk', service: app.metrics.reports });

  await app.register(healthRoutes, { service: new HealthService({ prisma: app.prisma, redis: options.redis ?? null }) });
  const insights = new InsightsService({ prisma: app.prisma, ...options.insights });
  const services = {
    environments: new EnvironmentService({ prisma: app.prisma, changes: app.changes }),
    flags: new FlagService({ prisma: app.prisma, changes: app.changes, insights }),
    flagConfigs: new FlagConfigService({ prisma: app.prisma, changes: app.changes }),
    segments: new SegmentService({ prisma: app.prisma, changes: app.changes }),
    tokens: new TokenService({ prisma: app.prisma, changes: app.changes }),
    audit: new AuditService({ prisma: app.prisma }),
  };
  const releasePlans = new ReleasePlanService({
    prisma: app.prisma,
    changes: app.changes,
    flagConfigs: services.flagConfigs,
    insights,
    settings: { ...DEFAULT_RELEASE_SETTINGS, ...options.releases },
    wake: () => releasePlanLoop.wake(),
  });
  services.flagConfigs.addWriteGuard(releasePlans.refuseHandEdits);
  const triggers = new TriggerService({
    prisma: app.prisma,
    changes: app.changes,
    flagConfigs: services.flagConfigs,
    rollbackRelease: (actor, target, reason) => releasePlans.rollbackActive(actor, target, reason),
  });
  const scheduledChanges = new ScheduledChangeService({
    prisma: app.prisma,
    changes: app.changes,
    flagConfigs: services.flagConfigs,
    startReleasePlan: (w, target, request) => releasePlans.startIn(w, target, request),
  });
  await app.register(
    async (api) => {
      api.addHook('onRequest', api.authorizeApi); // a person, allowed the route by auth/permissions.ts
      await api.register(environmentRoutes, { prefix: '/environments', service: services.environments });
      await api.register(flagRoutes, { prefix: '/flags', service: services.flags, configService: services.flagConfigs });
      await api.register(segmentRoutes, { prefix: '/environments/:env/segments', service: services.segments });
      await api.register(tokenRoutes, { prefix: '/tokens', service: services.tokens });
      await api.register(auditRoutes, { prefix: '/audit', service: services.audit });
      await api.register(insightsRoutes, { prefix: '/insights', service: insights });
      // ---- progressive delivery admin routes (issue 12) ----
      await api.register(scheduleRoutes, { service: scheduledChanges });
      await api.register(releaseTemplateRoutes, {
        prefix: '/release-templates',
        service: new ReleaseTemplateService({ prisma: app.prisma, changes: app.changes }),
      });
      await api.register(releasePlanRoutes, { service: releasePlans });
      await api.register(webhookRoutes, { prefix: '/webhooks', service: new WebhookService({ prisma: app.prisma, changes: app.changes }) });
      await api.register(triggerRoutes, { prefix: '/flags/:key/environments/:env/triggers', service: triggers });
    },
    { prefix: '/api' },
  );
  // Sign-in for the console: outside the guard above (it is how a browser gets its credential).
  await app.register(sessionRoutes, { prefix: '/api/session', service: sessions });
  // ---- progressive delivery public routes and due-work loops (issue 12) ----
  await app.register(triggerCallRoutes, { prefix: '/triggers', service: triggers });
  // ---- the console (issue 13): the web UI built into console/dist, at / ----
  await app.register(consoleRoutes, {});
  const dueWork: DueWorkSettings = { ...DEFAULT_DUE_WORK, ...options.dueWork };
  /** Runs the loop on this replica from ready to close (unless due work is turned off). */
  const runDueWork = (loop: DueWorkLoop) => {
    if (!dueWork.enabled) return;
    app.addHook('onReady', async () => loop.start());
    app.addHook('onClose', () => loop.stop());
  };
  runDueWork(scheduledChangesLoop(scheduledChanges, { pollIntervalMs: dueWork.pollIntervalMs, log: app.log }));

  const releasePlanLoop = new DueWorkLoop({
    name: 'release plans',
    runOne: () => releasePlans.runDue(),
    anyDue: () => releasePlans.anyDue(),
    pollIntervalMs: dueWork.pollIntervalMs,
    log: app.log,
  });
  runDueWork(releasePlanLoop);

  // Outgoing webhooks: the outbox queues deliveries in each audited write; the loop sends them.
  app.changes.onAudit(queueWebhookDeliveries);
  runDueWork(webhookDeliveryLoop({ prisma: app.prisma, settings: options.webhooks, pollIntervalMs: dueWork.pollIntervalMs, log: app.log }));
  runDueWork(webhookRetentionLoop({ prisma: app.prisma, settings: options.webhooks, log: app.log }));

  return app;
}
