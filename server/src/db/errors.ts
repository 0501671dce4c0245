const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  'P1001',
  'P1002',
  'P1017',
]);

/** True when an error means the database could not be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
    if (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
    if (
      typeof candidate.message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Can't reach database|terminating connection/i.test(candidate.message)
    )
      return true;
    if (candidate.name === 'DriverAdapterError' && typeof candidate.cause === 'object') {
      e = candidate.cause;
      continue;
    }
    e = candidate.cause;
  }
  return false;
}

/**
 * True when a transaction could not start in time or outlived its timeout (Prisma P2028, or no free
 * connection in the pool within its wait): the pool's connections were all busy, or the work waited
 * too long on locks. Either way PostgreSQL
 * rolled it back, so nothing changed and the request may be retried. Seen with 16 flag creations at
 * once on a loaded 2-core machine (they queue on one lock), which answered 500 before.
 */
export function isTransactionTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (candidate.code === 'P2028') return true;
    // pg's pool, after connectionTimeoutMillis without a free connection (db/prisma.ts).
    if (typeof candidate.message === 'string' && /timeout exceeded when trying to connect/i.test(candidate.message)) return true;
    e = candidate.cause;
  }
  return false;
}

/** Prisma's "unique constraint failed" error. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'P2002' || code === '23505';
}

/** True when Prisma found no record to update or delete (P2025): e.g. an update whose `where` names a version that moved on. */
export function isRecordNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2025';
}
