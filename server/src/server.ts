import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from './app.ts';
import { adminTokenNotice, seedOnFirstStart } from './bootstrap.ts';
import type { Config } from './config/config.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.ts';
import { migrate } from './db/migrate.ts';
import { createPrisma, type PrismaClient } from './db/prisma.ts';
import { webhookSettingsFrom } from './webhooks/settings.ts';

export type RunningServer = { app: FastifyInstance; url: string; close(): Promise<void> };

/** Lines for the person starting Switchyard (never secrets, except the one-time admin token). */
export type Print = (line: string) => void;

const FASTIFY_LISTENING = 'Server listening at ';

/**
 * pino options: JSON logs at LOG_LEVEL; buildApp censors credentials (http/log-redaction.ts) and logs
 * requests at debug (http/request-log.ts). Fastify's own "Server listening at" line, which it writes
 * on listen with no option to turn it off, is dropped: startServer prints that for people.
 */
export function loggerOptions(level: Config['LOG_LEVEL']): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    hooks: {
      logMethod(args, write) {
        if (typeof args[0] === 'string' && args[0].startsWith(FASTIFY_LISTENING)) return;
        write.apply(this, args);
      },
    },
  };
}

/**
 * Starts Switchyard: the database (embedded PostgreSQL unless DATABASE_URL is set), migrations,
 * first-start seeding, Redis when REDIS_URL is set, then the HTTP server. On failure, whatever was
 * already started is stopped again before the error is rethrown.
 */
export async function startServer(config: Config, print: Print = (line) => process.stdout.write(`${line}\n`)): Promise<RunningServer> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      await cleanup().catch((error: unknown) => process.stderr.write(`Error while shutting down: ${(error as Error).message}\n`));
    }
  };

  try {
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl) {
      print(`Database: ${describeUrl(databaseUrl)} (DATABASE_URL)`);
    } else {
      const verbose = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace';
      const embedded: EmbeddedPostgres = await startEmbeddedPostgres(
        config,
        verbose ? { onLog: (line) => process.stderr.write(`[postgres] ${line}\n`) } : {},
      );
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.databaseUrl;
      print(`Database: embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir} (set DATABASE_URL to use your own)`);
    }

    const migrations = await migrate(databaseUrl).catch((error: unknown) => {
      throw new Error(`Could not migrate the database at ${describeUrl(databaseUrl)}: ${(error as Error).message}`, { cause: error });
    });
    print(
      `Migrations: ${migrations.applied.length} applied${migrations.applied.length ? ` (${migrations.applied.join(', ')})` : ''}, ` +
        `${migrations.alreadyApplied.length} already applied`,
    );

    const prisma: PrismaClient = createPrisma(databaseUrl);
    cleanups.push(() => prisma.$disconnect());

    // Printed as soon as it exists: were a later step to fail, it could never be shown again.
    const seed = await seedOnFirstStart(prisma, { adminToken: config.SWITCHYARD_ADMIN_TOKEN });
    if (seed.createdEnvironments.length) print(`Created environments: ${seed.createdEnvironments.join(', ')}`);
    if (seed.generatedAdminToken) printAdminToken(print, seed.generatedAdminToken);
    const adminTokenLine = adminTokenNotice(seed.configuredAdminToken);
    if (adminTokenLine) print(adminTokenLine);

    let reportRedisError = (_error: Error) => {};
    const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, (error) => reportRedisError(error)) : null;
    if (redis) {
      cleanups.push(() => redis.quit());
      print(
        `Redis: ${describeUrl(config.REDIS_URL!)} (REDIS_URL), ` +
          `keys and channels under "${config.SWITCHYARD_REDIS_PREFIX}:" (SWITCHYARD_REDIS_PREFIX)`,
      );
    }

    const app = await buildApp({
      prisma,
      redis,
      redisNamespace: config.SWITCHYARD_REDIS_PREFIX,
      streaming: { maxConnectionsPerKey: config.SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY },
      logger: loggerOptions(config.LOG_LEVEL),
      bodyLimit: config.BODY_LIMIT_BYTES,
      trustProxy: config.SWITCHYARD_TRUST_PROXY,
      // Every replica folds reports and runs the scheduled jobs (each scheduled run happens on one of them).
      metrics: {
        minuteRetentionHours: config.SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS,
        retentionDays: config.SWITCHYARD_METRICS_RETENTION_DAYS,
        jobs: { databaseUrl },
      },
      insights: { staleAfterDays: config.SWITCHYARD_STALE_AFTER_DAYS },
      releases: { guardIntervalMs: config.SWITCHYARD_RELEASE_GUARD_INTERVAL_SECONDS * 1000 },
      dueWork: { pollIntervalMs: config.SWITCHYARD_DUE_WORK_POLL_MS },
      sessions: { lifetimeHours: config.SWITCHYARD_SESSION_HOURS },
      webhooks: webhookSettingsFrom(config),
    });
    cleanups.push(() => app.close());
    reportRedisError = (error) => app.log.warn({ err: { message: error.message } }, 'Redis connection error');

    await app.listen({ host: config.HOST, port: config.PORT });
    const url = displayUrl(app.server.address() as AddressInfo, config.HOST);
    print(`Switchyard listening on ${url} (API docs: ${url}/docs)`);
    return { app, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function connectRedis(url: string, onError: (error: Error) => void): Promise<Redis> {
  // Auto-pipelining sends the commands issued in one tick as one write: under concurrent remote
  // evaluations (a GET and a SET each) it raised bench:http's uncached rate by about 15 %.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000, enableAutoPipelining: true });
  redis.on('error', onError);
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(`Could not connect to Redis at ${describeUrl(url)} (REDIS_URL): ${(error as Error).message}`, { cause: error });
  }
}

function printAdminToken(print: Print, token: string) {
  const rule = '='.repeat(72);
  print('');
  print(rule);
  print('Admin token (generated on first start; shown only this once, store it now):');
  print('');
  print(`    ${token}`);
  print('');
  print('Use it as "Authorization: Bearer <token>" on /api. To choose your own, set SWITCHYARD_ADMIN_TOKEN.');
  print(rule);
  print('');
}

/** host:port/path of a URL, without credentials, fit to print. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

function displayUrl(address: AddressInfo, host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}
