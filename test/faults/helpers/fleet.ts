import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createClient, type FlagsClient } from '../../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../../sdk/src/client/types.ts';
import { type AppOptions, buildApp } from '../../../server/src/app.ts';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../../server/src/bootstrap.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { connectRedis } from '../../../server/src/server.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { ok } from './http.ts';

/** A database of the test's own on the suite's PostgreSQL, seeded as on first start, with an admin token. */
export async function seededDatabase(): Promise<{ db: TestDatabase; adminToken: string }> {
  const db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
  const adminToken = generateSecret('admin');
  await seedOnFirstStart(db.prisma, { adminToken });
  return { db, adminToken };
}

export type Replica = { app: FastifyInstance; prisma: PrismaClient; redis: Redis | null; url: string; close(): Promise<void> };

/**
 * A replica inside the test process: its own Prisma pool, its own Redis connection made exactly as
 * server.ts makes it (same retry and timeout options), listening on a real port.
 */
export async function startReplica(
  databaseUrl: string,
  options: { redisUrl?: string } & Partial<Omit<AppOptions, 'prisma' | 'redis'>> = {},
): Promise<Replica> {
  const { redisUrl, ...rest } = options;
  const prisma = createPrisma(databaseUrl, 5);
  const redis = redisUrl ? await connectRedis(redisUrl, () => undefined) : null;
  const app = await buildApp({ ...rest, prisma, redis });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    prisma,
    redis,
    url,
    async close() {
      await app.close();
      await prisma.$disconnect();
      redis?.disconnect();
    },
  };
}

/** A server SDK key and a client key of `environment`, made over the admin API. */
export async function createKeys(
  url: string,
  adminToken: string,
  environment = 'production',
): Promise<{ serverKey: string; clientKey: string }> {
  const server = await ok(url, 'POST', '/api/tokens', {
    token: adminToken,
    body: { name: 'faults server key', kind: 'server', environment },
  });
  const client = await ok(url, 'POST', '/api/tokens', {
    token: adminToken,
    body: { name: 'faults client key', kind: 'client', environment },
  });
  return { serverKey: server.secret as string, clientKey: client.secret as string };
}

/** Real SDK clients (sdk/src/client), with quick reconnections, closed together. */
export class ClientPool {
  readonly all: FlagsClient[] = [];

  open(options: Partial<ClientOptions> & { url?: string; sdkKey: string }): FlagsClient {
    const client = createClient({ logger: silentLogger, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...options });
    client.on('error', () => undefined); // outages are expected here; what matters is what the client serves
    this.all.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.close()));
  }
}

export async function environmentVersion(prisma: PrismaClient, environment = 'production'): Promise<number> {
  return (await prisma.environment.findUniqueOrThrow({ where: { key: environment } })).version;
}
