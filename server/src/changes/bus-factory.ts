import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { type ChangeBus, InProcessChangeBus } from './change-bus.ts';
import { RedisChangeBus } from './redis-change-bus.ts';

/**
 * The bus the app publishes change notices on: the caller's when given; else Redis pub/sub when
 * Redis is configured (subscribed before this resolves); else in-process (a single instance).
 * `close` closes only what was created here.
 */
export async function createChangeBus(options: {
  changeBus?: ChangeBus | undefined;
  redis?: Redis | null | undefined;
  namespace: string;
  log: FastifyBaseLogger;
}): Promise<{ changeBus: ChangeBus; close(): Promise<void> }> {
  if (options.changeBus) return { changeBus: options.changeBus, close: async () => {} };
  const bus = options.redis
    ? new RedisChangeBus(options.redis, options.namespace, (err) => options.log.warn({ err }, 'change bus: Redis error'))
    : new InProcessChangeBus();
  if (bus instanceof RedisChangeBus) await bus.start();
  return { changeBus: bus, close: () => bus.close() };
}
