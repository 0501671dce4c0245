import { z } from 'zod';

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadySchema = z.object({
  status: z
    .enum(['ready', 'degraded', 'not_ready'])
    .describe('degraded: Redis is down; this replica still serves, from PostgreSQL and in-process caches'),
  checks: z.object({ database: z.enum(['up', 'down']), redis: z.enum(['up', 'down', 'not_configured']) }),
});

export type Readiness = z.infer<typeof ReadySchema>;
