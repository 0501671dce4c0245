import type { Transaction } from '../../server/src/db/prisma.ts';
import type { TestDatabase } from './database.ts';
import { until } from './wait.ts';

/**
 * Makes a race happen every run: another transaction takes a lock (`lock`), then `writes` start;
 * once `waiting` statements of this database wait for a lock, the holder lets go. Returns what
 * `writes` returns.
 */
export async function whileLockHeld<T>(
  db: TestDatabase,
  lock: (tx: Transaction) => Promise<unknown>,
  waiting: number,
  writes: () => Promise<T>,
): Promise<T> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.prisma.$transaction(
    async (tx) => {
      await lock(tx);
      locked();
      await released;
    },
    { timeout: 15_000 },
  );
  await holding;
  const results = writes();
  try {
    await until(`${waiting} statements waiting for a lock`, async () => {
      const [row] = await db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return (row?.n ?? 0) >= waiting;
    });
  } finally {
    release();
    await holder;
  }
  return results;
}
