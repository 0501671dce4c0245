/**
 * Runs a Redis command but gives up after `ms`: ioredis queues commands while it reconnects, and a
 * cache must never make a request wait on a Redis outage (the caller falls back to the database).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
