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
  prerequisiteGraph: 7_242_101,
} as const;

export async function lockForTransaction(tx: Transaction, lock: keyof typeof ADVISORY_LOCKS): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS[lock]})`;
}
