// No repository: each check is one round trip to the server it checks.
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../db/prisma.ts';
import type { Readiness } from './schemas.ts';

/** Whether this replica can serve: its database answers, and its Redis when one is configured. */
export class HealthService {
  constructor(private readonly deps: { prisma: PrismaClient; redis: Redis | null }) {}

  async readiness(): Promise<Readiness> {
    const { prisma, redis: client } = this.deps;
    const database = await prisma.$queryRaw`SELECT 1`.then(
      () => 'up' as const,
      () => 'down' as const,
    );
    const redis = !client
      ? ('not_configured' as const)
      : await client.ping().then(
          () => 'up' as const,
          () => 'down' as const,
        );
    // Without Redis a replica still serves (PostgreSQL and in-process caches), so it stays in the
    // load balancer: taking every replica out because their shared Redis is down would be an outage.
    const status = database === 'down' ? 'not_ready' : redis === 'down' ? 'degraded' : 'ready';
    return { status, checks: { database, redis } };
  }
}
