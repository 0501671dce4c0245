/**
 * The SQLSTATE of a failed statement (`23503`, `22003`, ...), wherever Prisma's driver adapter put it,
 * or null when the error did not come from PostgreSQL.
 */
export function sqlState(error: unknown): string | null {
  const candidate = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null;
  const original = candidate?.meta?.driverAdapterError?.cause?.originalCode;
  if (typeof original === 'string') return original;
  return typeof candidate?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) ? candidate.code : null;
}

/** Class 22, "data exception": a value out of range (an overflowing sum), not a fault of the connection. */
export const isDataException = (error: unknown): boolean => sqlState(error)?.startsWith('22') ?? false;

export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';
