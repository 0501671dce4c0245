import type { MetricsReport } from '@switchyard/sdk/model';
import type { PrismaClient } from '../db/prisma.ts';
import { NotFoundError } from '../errors/index.ts';
import { insertReport } from './repository.ts';

/** Takes SDK reports in: each one is durably in the inbox before it is acknowledged, and kept once per report id. */
export class MetricsService {
  constructor(private readonly deps: { prisma: PrismaClient }) {}

  /**
   * Stores the report for the environment (which comes from the SDK key, never from the report).
   * `duplicate`: this report id was accepted before, and nothing changed. NotFoundError when the
   * environment no longer exists.
   */
  async ingest(environmentId: string, report: MetricsReport): Promise<{ duplicate: boolean }> {
    const result = await insertReport(this.deps.prisma, environmentId, report);
    if (result === 'environment-gone') throw new NotFoundError('Environment');
    return { duplicate: result === 'duplicate' };
  }
}
