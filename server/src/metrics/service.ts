import type { MetricsReport } from '@switchyard/sdk/model';
import type pg from 'pg';
import { type PrismaClient, poolOf } from '../db/prisma.ts';
import { NotFoundError } from '../errors/index.ts';
import { insertReport } from './repository.ts';

/** Takes SDK reports in: each one is durably in the inbox before it is acknowledged, and kept once per report id. */
export class MetricsService {
  private readonly pool: pg.Pool;

  constructor(deps: { prisma: PrismaClient }) {
    // Straight on the pool under Prisma: this insert is the hot path of ingestion (db/prisma.ts, poolOf).
    const pool = poolOf(deps.prisma);
    if (!pool) throw new Error('MetricsService needs a Prisma client made by createPrisma (db/prisma.ts)');
    this.pool = pool;
  }

  /**
   * Stores the report for the environment (which comes from the SDK key, never from the report).
   * `duplicate`: this report id was accepted before, and nothing changed. NotFoundError when the
   * environment no longer exists.
   */
  async ingest(environmentId: string, report: MetricsReport): Promise<{ duplicate: boolean }> {
    const result = await insertReport(this.pool, environmentId, report);
    if (result === 'environment-gone') throw new NotFoundError('Environment');
    return { duplicate: result === 'duplicate' };
  }
}
