import type { PrismaClient } from '../db/prisma.ts';
import { type DueWorkLog, DueWorkLoop } from '../jobs/due-work.ts';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './delivery-loop.ts';
import { anyDeliveryExpired, deleteExpiredDeliveries } from './repository.ts';

type RetentionSettings = Pick<WebhookSettings, 'retentionDays' | 'retentionBatchSize' | 'retentionCheckIntervalMs'>;

/**
 * Deletes deliveries past their retention (with their attempts), a small batch per statement, on
 * every replica: each batch skips the rows another replica's batch holds, and deleting is idempotent,
 * so replicas running it together share the work and never delete anything twice (repository.ts).
 * Once nothing is left to delete, a replica looks again every `retentionCheckIntervalMs`.
 */
export function webhookRetentionLoop(deps: { prisma: PrismaClient; settings?: Partial<RetentionSettings>; log: DueWorkLog }): DueWorkLoop {
  const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...deps.settings };
  return new DueWorkLoop({
    name: 'webhook delivery retention',
    runOne: async () => (await deleteExpiredDeliveries(deps.prisma, settings.retentionDays, settings.retentionBatchSize)) > 0,
    anyDue: () => anyDeliveryExpired(deps.prisma, settings.retentionDays),
    pollIntervalMs: settings.retentionCheckIntervalMs,
    concurrency: 1,
    log: deps.log,
  });
}
