import pg from 'pg';
import type { Transaction } from './prisma.ts';

/**
 * Every advisory lock Switchyard takes, in one place so two can never share a key by accident.
 * Transaction-level locks are released when their transaction ends.
 */
export const ADVISORY_LOCKS = {
  migrations: 7_242_001,
  firstStartSeed: 7_242_002,
  adminTokens: 7_242_003,
  /** Held while flags or environments are created, so every flag gets a configuration row in every environment. */
  flagEnvironmentPairs: 7_242_004,
  /** Tried (never waited for) by each replica's metrics folding: one replica folds at a time, the others skip their turn. */
  metricsFolding: 7_242_005,
  /** Held while a replica installs and schedules its pg-boss jobs: two doing it at once deadlock in pg-boss's own setup. */
  scheduledJobsSetup: 7_242_006,
  prerequisiteGraph: 7_242_101,
} as const;

export async function lockForTransaction(tx: Transaction, lock: keyof typeof ADVISORY_LOCKS): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS[lock]})`;
}

/** Takes the lock if no one holds it (true), else returns false at once. */
export async function tryLockForTransaction(tx: Transaction, lock: keyof typeof ADVISORY_LOCKS): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${ADVISORY_LOCKS[lock]}) AS locked`;
  return row?.locked === true;
}

/** Runs `work` while holding a session-level advisory lock on a connection of its own, waiting for it if another holds it. */
export async function whileHoldingLock<T>(databaseUrl: string, lock: keyof typeof ADVISORY_LOCKS, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS[lock]]);
    return await work();
  } finally {
    // Ending the session releases the lock too; the explicit unlock only makes it prompt.
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS[lock]]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
