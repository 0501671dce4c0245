import type { Redis } from 'ioredis';

/** Deletes every key matching `pattern`, a batch at a time (SCAN, not KEYS, so Redis is never blocked for long). */
export async function deleteKeysMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
